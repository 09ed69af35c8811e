"""Static checks of every chapter notebook's conventions (see CONTRIBUTING.md)."""
import re

import jupytext
import pytest

from scalinglaws.book.runner import discover_notebooks

from conftest import ROOT, TEST_NOTEBOOKS

NOTEBOOKS = discover_notebooks(ROOT)
IDS = [f"{p.parent.name}/{p.name}" for p in NOTEBOOKS]


def check_conventions(path):
    nb = jupytext.read(path)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", "kernel must be python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and "parameters" in code[0].metadata.get("tags", []), "first code cell must be tagged parameters"
    params = code[0].source
    assert re.search(r"^profile\s*=\s*None\b", params, re.M), "parameters cell must set profile = None"
    assert re.search(r"^claims_path\s*=\s*None\b", params, re.M), "parameters cell must set claims_path = None"
    source = "\n".join(c.source for c in code)
    m = re.search(r"ClaimBook\(\s*[\"']([^\"']+)[\"']", source)
    assert m and m.group(1) == path.name, f"ClaimBook must be opened with the notebook's own name {path.name!r}"
    assert "resolve_profile(" in source or "profiles.resolve(" in source, "sizes must come from the profile table"
    registered = set(re.findall(r"\.figure\(\s*[\"']([a-z0-9-]+)[\"']", source))
    for c in code:
        fig = c.metadata.get("mystnb", {}).get("figure")
        if fig is None:
            continue
        name, caption = fig.get("name"), fig.get("caption", "")
        assert name in registered, f"figure {name!r} has no book.figure({name!r}, ...) registration"
        assert path.name in caption, f"caption of {name!r} must name the notebook {path.name}"
    return nb


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=IDS)
def test_notebook_conventions(nb):
    check_conventions(nb)


def test_the_checker_catches_a_bad_notebook(tmp_path):
    good = (TEST_NOTEBOOKS / "good.md").read_text()
    p = tmp_path / "good.md"
    p.write_text(good)
    check_conventions(p)
    p.write_text(good.replace("profile = None", "profile = 'fast'"))
    with pytest.raises(AssertionError, match="profile = None"):
        check_conventions(p)
    p.write_text(good.replace('ClaimBook("good.md"', 'ClaimBook("other.md"'))
    with pytest.raises(AssertionError, match="own name"):
        check_conventions(p)
