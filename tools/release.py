"""Keep the citable release metadata in step with its single sources.

    python tools/release.py          # rewrite CITATION.cff from the sources below
    python tools/release.py --check  # exit 1 (and say what differs) if CITATION.cff is out of step

Sources: the version in ``lib/scalinglaws/__init__.py`` (``__version__``), the release date of
that version's entry in ``CHANGELOG.md`` (``## <version> — <YYYY-MM-DD>``), and the repository
URL ``repository.url`` in ``_config.yml`` (``repository-code`` is left out of CITATION.cff while
it is empty).  ``tests/test_release.py`` runs the check.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def sources(root: Path = ROOT) -> dict:
    init = (root / "lib" / "scalinglaws" / "__init__.py").read_text(encoding="utf-8")
    version = re.search(r'^__version__ = "([^"]+)"', init, re.M).group(1)
    log = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    m = re.search(rf"^## {re.escape(version)} — (\d{{4}}-\d{{2}}-\d{{2}})\s*$", log, re.M)
    if not m:
        raise SystemExit(f"CHANGELOG.md has no entry '## {version} — YYYY-MM-DD' for the version in __init__.py")
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    url = str(((config.get("repository") or {}).get("url")) or "").strip()
    return {"version": version, "date-released": m.group(1), "repository-code": url}


def render(text: str, src: dict) -> str:
    """CITATION.cff ``text`` with its version, date and repository lines set from ``src``."""
    text = re.sub(r"^version: .*$", f"version: {src['version']}", text, count=1, flags=re.M)
    text = re.sub(r"^date-released: .*$", f"date-released: {src['date-released']}", text, count=1, flags=re.M)
    text = re.sub(r"^repository-code: .*\n", "", text, flags=re.M)
    if src["repository-code"]:
        line = f'repository-code: "{src["repository-code"]}"\n'
        text = re.sub(r"^(license: .*\n)", lambda m: m.group(1) + line, text, count=1, flags=re.M)
    return text


def main(argv) -> int:
    path = ROOT / "CITATION.cff"
    old = path.read_text(encoding="utf-8")
    new = render(old, sources())
    if "--check" in argv:
        if new != old:
            print("CITATION.cff is out of step with __version__ / CHANGELOG.md / _config.yml: "
                  "run `python tools/release.py`")
            return 1
        print("CITATION.cff in step")
        return 0
    path.write_text(new, encoding="utf-8")
    print(f"CITATION.cff: version {sources()['version']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
