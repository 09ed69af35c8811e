"""The claims API: pass/fail logic, validation of malformed claims, JSON and HTML."""
import json
import math

import numpy as np
import pytest

from scalinglaws.book.claims import Claim, ClaimBook, load_claims_file


def claim(**kw):
    base = dict(id="c-1", ref="Eq. 1", statement="s", measured=0.5, expected=0.5, tol=0.01, kind="abs")
    base.update(kw)
    return Claim(**base)


@pytest.mark.parametrize("kind,m,e,t,ok", [
    ("abs", 0.504, 0.5, 0.005, True), ("abs", 0.506, 0.5, 0.005, False), ("abs", 0.494, 0.5, 0.005, False),
    ("rel", 1.009, 1.0, 0.01, True), ("rel", -1.02, -1.0, 0.01, False), ("rel", -1.005, -1.0, 0.01, True),
    ("upper", 1.25, 1.25, 0, True), ("upper", 1.2501, 1.25, 0, False),
    ("lower", 3.0, 2.0, 0, True), ("lower", 1.99, 2.0, 0, False),
])
def test_pass_fail(kind, m, e, t, ok):
    assert claim(kind=kind, measured=m, expected=e, tol=t).passed is ok


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_nonfinite_measurement_fails_not_crashes(bad):
    c = claim(measured=bad)
    assert not c.passed


@pytest.mark.parametrize("field,value,match", [
    ("id", "Has Caps", "id"), ("id", "", "id"), ("id", "-lead", "id"), ("id", 3, "id"),
    ("kind", "approx", "kind"), ("tol", -0.1, "tol"), ("tol", float("nan"), "tol"),
    ("expected", float("nan"), "expected"), ("expected", "0.5", "expected"), ("measured", "big", "measured"),
    ("ref", "", "ref"), ("statement", "  ", "statement"), ("measured", True, "measured"),
])
def test_malformed_claims_rejected(field, value, match):
    with pytest.raises(ValueError, match=match):
        claim(**{field: value})


def test_bounds_take_no_tolerance_and_abs_needs_one():
    with pytest.raises(ValueError, match="tol"):
        claim(kind="upper", tol=0.1)
    with pytest.raises(ValueError, match="tol"):
        claim(kind="abs", tol=0)


def test_numpy_scalars_accepted():
    c = claim(measured=np.float32(0.5), expected=np.array(0.5), tol=np.float64(0.1))
    assert c.passed and isinstance(c.measured, float)


@pytest.fixture
def nbfile(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nb.md").write_text("---\nkernelspec: {}\n---\n")
    return tmp_path


def test_claimbook_roundtrip_and_failure(nbfile):
    out = nbfile / "claims.json"
    book = ClaimBook("nb.md", path=out, profile="fast", params={"M": np.int64(3), "x": np.arange(2)})
    book.figure("fig-a", paper_ref="Fig. 1", title="A figure")
    book.record("a-ok", ref="Eq. 2", statement="fine", measured=1.0, expected=1.0, tol=1e-3, kind="rel", figure="fig-a")
    book.record("a-bad", ref="Eq. 3", statement="broken", measured=2.0, expected=1.0, tol=1e-3, kind="rel")
    data = json.loads(out.read_text())
    assert [c["passed"] for c in data["claims"]] == [True, False]
    assert data["params"] == {"M": 3, "x": [0, 1]} and data["profile"] == "fast"
    rec = load_claims_file(out)
    assert [c.id for c in rec["claims"]] == ["a-ok", "a-bad"]
    assert not book.all_passed and [c.id for c in book.failed] == ["a-bad"]
    with pytest.raises(AssertionError, match="a-bad"):
        book.check()
    html = book._repr_html_()
    assert "id='claim-a-ok'" in html and "FAIL" in html


def test_claimbook_rejects_duplicates_and_unknown_figure(nbfile):
    book = ClaimBook("nb.md", path=nbfile / "c.json")
    book.record("x-1", ref="r", statement="s", measured=1, expected=1, tol=0.1)
    with pytest.raises(ValueError, match="already recorded"):
        book.record("x-1", ref="r", statement="s", measured=1, expected=1, tol=0.1)
    with pytest.raises(ValueError, match="not registered"):
        book.record("x-2", ref="r", statement="s", measured=1, expected=1, tol=0.1, figure="nofig")
    with pytest.raises(ValueError, match="reason"):
        book.figure("f-1", paper_ref="Fig 2", title="t", status="partial")
    with pytest.raises(ValueError, match="status"):
        book.figure("f-2", paper_ref="Fig 2", title="t", status="done")


def test_claimbook_nan_measurement_is_written_as_failure(nbfile):
    out = nbfile / "c.json"
    book = ClaimBook("nb.md", path=out)
    book.record("x-nan", ref="r", statement="s", measured=math.nan, expected=1, tol=0.1)
    rec = load_claims_file(out)
    assert not rec["claims"][0].passed and math.isnan(rec["claims"][0].measured)


def test_claimbook_needs_existing_notebook(nbfile):
    with pytest.raises(FileNotFoundError, match="missing.md"):
        ClaimBook("missing.md", path=nbfile / "c.json")
