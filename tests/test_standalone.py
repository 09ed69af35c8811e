"""The book stands alone: no reference to material outside it, every cited equation exists,
and the site check catches what it claims to catch."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import check_site  # noqa: E402

THEORY = sorted((ROOT / "chapters" / "theory").glob("p*.md"))
TAG = re.compile(r"\\tag\{(T\d\.\d+[a-z]?)\}")
SELF = {Path(__file__).resolve(), (ROOT / "tools" / "check_site.py").resolve(), (ROOT / "CHANGELOG.md").resolve()}


def _tracked_text_files():
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.split()
    for name in out:
        p = ROOT / name
        if p.suffix in (".py", ".md", ".yml", ".yaml", ".toml", ".cff", ".txt", ".cfg") or p.name in ("Makefile",
                                                                                                       "postBuild"):
            if p.is_file() and p.resolve() not in SELF:
                yield p


def test_no_reference_to_material_outside_the_book():
    bad = []
    for p in _tracked_text_files():
        for i, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if check_site.NOTES_REF.search(line):
                bad.append(f"{p.relative_to(ROOT)}:{i}: {line.strip()[:100]}")
    assert not bad, f"{len(bad)} references to working notes outside the book:\n" + "\n".join(bad[:40])


def _tags():
    tags = {}
    for page in THEORY:
        lines = page.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            for t in TAG.findall(line):
                assert t not in tags, f"tag ({t}) appears twice ({tags.get(t)} and {page.name})"
                tags[t] = page.name
                label = "(eq-" + t.lower().replace(".", "-") + ")="
                # the target sits on the line directly above the equation block that carries the tag
                start = i
                while start > 0 and not (lines[start].startswith("$$") or lines[start].startswith("\\begin{equation")):
                    start -= 1
                assert start > 0 and lines[start - 1].strip() == label, \
                    f"{page.name}: ({t}) needs the target {label} on the line above its equation"
    return tags


def test_theory_pages_number_their_equations():
    assert [p.name for p in THEORY] == ["p1_universal.md", "p2_dynamical.md", "p3_deeplinear.md"]
    tags = _tags()
    for n in (1, 2, 3):
        assert sum(t.startswith(f"T{n}.") for t in tags) >= 8, f"paper {n}'s theory page has too few equations"


def test_every_cited_equation_exists():
    tags = _tags()
    missing = []
    for p in _tracked_text_files():
        text = p.read_text(encoding="utf-8", errors="replace")
        for m in re.finditer(r"\bT[123]\.\d+[a-z]?\b", text):
            if m.group(0) not in tags:
                line = text.count("\n", 0, m.start()) + 1
                missing.append(f"{p.relative_to(ROOT)}:{line}: ({m.group(0)})")
    assert not missing, "equations cited but not on a theory page:\n" + "\n".join(missing[:40])


# -- the site check on a small synthetic site: each failure it promises is found ----------------------

GOOD_NB = {"cells": [{"cell_type": "code", "execution_count": 1, "source": "print(1)",
                      "outputs": [{"output_type": "stream", "name": "stdout", "text": "1\n"}]}],
           "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _site(tmp_path, body="", nb=GOOD_NB, claims=True):
    root = tmp_path / "html"
    (root / "_static" / "mathjax").mkdir(parents=True)
    (root / "_static" / "mathjax" / "tex-chtml.js").write_text("")
    for name in ("index.html", "scorecard.html"):
        (root / name).write_text("<html></html>")
    (root / "intro.html").write_text('<script src="_static/mathjax/tex-chtml.js"></script>'
                                     '<div class="math notranslate">x</div>')
    page = root / "chapters" / "ch1-x" / "01_a.html"
    page.parent.mkdir(parents=True)
    nbfile = root / "_notebooks" / "chapters" / "ch1-x" / "01_a.ipynb"
    nbfile.parent.mkdir(parents=True)
    nbfile.write_text(json.dumps(nb))
    table = "<table class='sl-claims'></table>" if claims else ""
    page.write_text('<p class="sl-download"><a href="../../_notebooks/chapters/ch1-x/01_a.ipynb" download>'
                    f"Download this notebook</a></p>{body}{table}")
    return root


def _out(body):
    return f'<div class="cell_output docutils container"><div><pre>{body}</pre></div></div></div>'


def test_site_check_passes_a_clean_site(tmp_path, capsys):
    assert check_site.main(str(_site(tmp_path, body="<p>See paper §3 and Eq. (T1.2).</p>"))) == 0


@pytest.mark.parametrize("kind, kwargs, needle", [
    ("notes", dict(body="<p>as derived in notes 02 §2.4</p>"), "outside the book"),
    ("notes-section", dict(body="<p>(notes §4.4)</p>"), "outside the book"),
    ("stderr", dict(body='<div class="output stderr highlight">x</div>'), "stderr"),
    ("warning", dict(body=_out("UserWarning: linestyle is redundant")), "warning"),
    ("path", dict(body=_out("saved to /home/ci/build/x.png")), "build-machine path"),
    ("no-claims", dict(claims=False), "claims table"),
    ("no-outputs", dict(nb={**GOOD_NB, "cells": [{**GOOD_NB["cells"][0], "outputs": [],
                                                  "execution_count": None}]}), "no outputs"),
    ("nb-stderr", dict(nb={**GOOD_NB, "cells": [{**GOOD_NB["cells"][0], "outputs": [
        {"output_type": "stream", "name": "stderr", "text": "progress"}]}]}), "stderr"),
    ("nb-path", dict(nb={**GOOD_NB, "cells": [{**GOOD_NB["cells"][0], "outputs": [
        {"output_type": "stream", "name": "stdout", "text": "wrote /home/ci/x.npz\n"}]}]}), "build-machine path"),
])
def test_site_check_finds(tmp_path, capsys, kind, kwargs, needle):
    assert check_site.main(str(_site(tmp_path, **kwargs))) == 1
    assert needle in capsys.readouterr().out


# -- the {claim} role: numbers in prose come from the build's claims -------------------------------

def _sphinx_site(tmp_path, monkeypatch, page_text):
    from sphinx.application import Sphinx
    from scalinglaws.book import ClaimBook

    src = tmp_path / "src"
    (src / "chapters" / "ch9-x").mkdir(parents=True)
    (src / "_config.yml").write_text("title: t\n")
    (src / "_toc.yml").write_text("root: index\n")
    (src / "conf.py").write_text("extensions = ['myst_parser', 'scalinglaws.book.sphinxext']\n"
                                 "html_theme_options = {}\n")
    nb = src / "chapters" / "ch9-x" / "01_a.md"
    nb.write_text("# a\n")
    claims = tmp_path / "claims"
    monkeypatch.setenv("SCALINGLAWS_CLAIMS_DIR", str(claims))
    monkeypatch.chdir(nb.parent)
    book = ClaimBook("01_a.md", profile="fast")
    book.record("x-slope", ref="Eq. (T1.2)", statement="a slope", measured=-0.498765, expected=-0.5, tol=0.01)
    (src / "index.md").write_text(page_text)
    import io
    warnings = io.StringIO()
    app = Sphinx(str(src), str(src), str(tmp_path / "out"), str(tmp_path / "doctrees"), "html",
                 status=io.StringIO(), warning=warnings, freshenv=True)
    app.build()
    return (tmp_path / "out" / "index.html").read_text(encoding="utf-8"), warnings.getvalue()


def test_claim_role_inserts_the_recorded_value(tmp_path, monkeypatch):
    html_text, warnings = _sphinx_site(
        tmp_path, monkeypatch, "# Page\n\nslope {claim}`x-slope:.3f`, default {claim}`x-slope`, "
                               "expected {claim}`x-slope.expected`, tol {claim}`x-slope.tol`.\n")
    assert "claim role" not in warnings, warnings
    assert "slope <span class=\"sl-claim-value\">-0.499</span>" in html_text
    assert ">-0.4988<" in html_text and ">-0.5<" in html_text and ">0.01<" in html_text


def test_claim_role_warns_on_an_unknown_claim(tmp_path, monkeypatch):
    html_text, warnings = _sphinx_site(tmp_path, monkeypatch, "# Page\n\n{claim}`no-such-claim` and {claim}`Bad Id`\n")
    assert "no claim 'no-such-claim' was recorded" in warnings
    assert "is not 'ID'" in warnings
