"""The citable release: one version everywhere, the licence pyproject declares, the metadata in step."""
import re
import subprocess
import sys
from pathlib import Path

import yaml

import scalinglaws
from scalinglaws.book import claims

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import release  # noqa: E402


def test_citation_cff_in_step_with_its_sources():
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "release.py"), "--check"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_one_version():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert str(cff["version"]) == scalinglaws.__version__
    assert claims._version() == scalinglaws.__version__
    top = re.search(r"^## (\S+) — ", (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), re.M).group(1)
    assert top == scalinglaws.__version__, "the newest CHANGELOG entry must be the current version"
    py = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in py and 'attr = "scalinglaws.__version__"' in py


def test_licence_is_the_declared_mit():
    assert 'license = "MIT"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in text
    assert yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))["license"] == "MIT"


def test_render_sets_and_drops_the_repository_url():
    base = "version: 0.0.1\ndate-released: 2000-01-01\nlicense: MIT\ntype: software\n"
    src = {"version": "9.9.9", "date-released": "2031-02-03", "repository-code": "https://github.com/o/r"}
    with_url = release.render(base, src)
    assert "version: 9.9.9" in with_url and "date-released: 2031-02-03" in with_url
    assert 'repository-code: "https://github.com/o/r"' in with_url
    assert "repository-code" not in release.render(with_url, {**src, "repository-code": ""})


def test_citation_cff_complete():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    for key in ("cff-version", "message", "title", "version", "date-released", "license", "authors",
                "abstract", "references"):
        assert cff.get(key), key
    url = (yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8")).get("repository") or {}).get("url")
    assert cff.get("repository-code", "") == (url or "")


def test_repo2docker_files():
    assert (ROOT / "runtime.txt").read_text().strip() == "python-3.11"
    post = ROOT / "postBuild"
    assert post.stat().st_mode & 0o111, "postBuild must be executable"
    text = post.read_text()
    assert "pip install --no-deps -e ." in text and "scalinglaws fetch-data" in text
    apt = [l for l in (ROOT / "apt.txt").read_text().splitlines() if l and not l.startswith("#")]
    assert "npm" in apt
