"""Every chapter notebook, executed with papermill in the fast profile: no error, no failed claim."""
import pytest

from scalinglaws.book.runner import discover_notebooks, run_notebook

from conftest import ROOT

NOTEBOOKS = discover_notebooks(ROOT)


@pytest.mark.notebook
@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[f"{p.parent.name}/{p.name}" for p in NOTEBOOKS])
def test_notebook_fast_profile(nb, tmp_path_factory):
    out = tmp_path_factory.mktemp("executed")
    r = run_notebook(nb, out, profile="fast")
    assert r.error is None, f"{nb.name} raised: {r.error}"
    assert r.record is not None, f"{nb.name} recorded no claims"
    assert r.claims, f"{nb.name} recorded an empty claims list"
    failed = [f"{c.id}: measured {c.measured!r}, needs {c.criterion()}" for c in r.failed_claims]
    assert not failed, f"{nb.name} failed claims: " + "; ".join(failed)
