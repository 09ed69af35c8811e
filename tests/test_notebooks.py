"""Every chapter notebook in the fast profile: no error, no failed claim.

Two ways, with the same guarantees:

* ``make test`` builds the fast-profile book first (a cell that raises fails that build) and then
  runs pytest with ``SCALINGLAWS_BUILT_CLAIMS`` set to the build's claims folder: each test reads
  the claims its notebook recorded in that build, after checking that they were made in the fast
  profile from the notebook's current source. Each notebook is executed once.
* Without that variable (a plain ``pytest``), each notebook is executed here with papermill.
"""
import os
from pathlib import Path

import pytest

from scalinglaws.book.claims import load_claims_file, source_sha256
from scalinglaws.book.runner import discover_notebooks, run_notebook

from conftest import ROOT

NOTEBOOKS = discover_notebooks(ROOT)
BUILT = os.environ.get("SCALINGLAWS_BUILT_CLAIMS", "").strip()


def _claims_from_build(nb: Path):
    docname = nb.relative_to(ROOT).with_suffix("").as_posix()
    f = Path(BUILT) / (docname.replace("/", "__") + ".json")
    assert f.is_file(), f"the book build in {BUILT} recorded no claims for {docname}"
    rec = load_claims_file(f)
    assert rec["source_sha256"] == source_sha256(nb), f"{f.name} was made from another version of {nb.name}"
    assert rec["profile"] == "fast", f"{f.name} was made in the {rec['profile']!r} profile, not 'fast'"
    return rec["claims"]


@pytest.mark.notebook
@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[f"{p.parent.name}/{p.name}" for p in NOTEBOOKS])
def test_notebook_fast_profile(nb, tmp_path_factory):
    if BUILT:
        claims = _claims_from_build(nb)
    else:
        out = tmp_path_factory.mktemp("executed")
        r = run_notebook(nb, out, profile="fast")
        assert r.error is None, f"{nb.name} raised: {r.error}"
        assert r.record is not None, f"{nb.name} recorded no claims"
        claims = r.claims
    assert claims, f"{nb.name} recorded an empty claims list"
    failed = [f"{c.id}: measured {c.measured!r}, needs {c.criterion()}" for c in claims if not c.passed]
    assert not failed, f"{nb.name} failed claims: " + "; ".join(failed)
