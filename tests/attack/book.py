"""Bad-input registry of ``scalinglaws.book`` (claims, profiles, runner) and ``scalinglaws.plotting``."""
import atexit
import shutil
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from scalinglaws import plotting  # noqa: E402
from scalinglaws.book import (Claim, ClaimBook, FigureRecord, active_profile, discover_notebooks,  # noqa: E402
                              find_root, load_claims_file, resolve_profile, run_notebook)

from .engine import Call, Entry  # noqa: E402

_TMP = Path(tempfile.mkdtemp(prefix="attack-book-"))
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)
(_TMP / "_config.yml").write_text("title: scratch\n")
_NB = _TMP / "01_scratch.md"
_NB.write_text("# scratch\n")
BOOK = ClaimBook(str(_NB), path=str(_TMP / "claims.json"), profile="fast")
BOOK.figure("fig-a", paper_ref="Fig. 1", title="a figure")
BOOK.record("c-one", ref="r", statement="s", measured=1.0, expected=1.0, tol=1.0, figure="fig-a")
TABLE = {p: {"n": k} for p, k in (("fast", 1), ("default", 2), ("full", 3))}
_FIG, _AX = plt.subplots()
X = np.geomspace(1, 10, 5)
_N = [0]


def _fresh():
    """A new ClaimBook with one figure, so that each attacked call meets the same state."""
    _N[0] += 1
    b = ClaimBook(str(_NB), path=str(_TMP / f"claims-{_N[0]}.json"), profile="fast")
    b.figure("fig-a", paper_ref="Fig. 1", title="a figure")
    b.record("c-old", ref="r", statement="s", measured=1.0, expected=1.0, tol=1.0)
    return b


def record(id, **kw):
    """``ClaimBook.record`` on a fresh book."""
    return _fresh().record(id, **kw)


def figure(name, **kw):
    """``ClaimBook.figure`` on a fresh book."""
    return _fresh().figure(name, **kw)


_CLAIM = dict(id="c-one", ref="Eq. (1)", statement="a claim", measured=1.0, expected=1.0, tol=0.1, kind="abs")

ENTRIES = [
    Entry(Claim, (), dict(_CLAIM),
          skip=("figure", "notebook"),
          # measured may be non-finite by design (recorded as failed); free text may be any string
          allow={"measured": ["nan", "inf", "-inf"], "ref": ["unknown-option"], "statement": ["unknown-option"],
                 "id": ["unknown-option"]},
          bad={"id": ["", "Bad Id", 3, "x" * 100], "kind": ["within", "ABS"], "tol": [-0.1, 0.0],
               "ref": ["", "   ", 5], "statement": [""]},
          extra=[Call("bound-with-tol", (), {**_CLAIM, "kind": "upper"}, names=("tol",)),
                 Call("nonfinite-measured-fails", (), {**_CLAIM, "measured": float("nan")},
                      flagged=lambda c: not c.passed)]),
    Entry(FigureRecord, (), dict(name="fig-b", paper_ref="Fig. 2", status="reproduced", title="t"),
          allow={"name": ["unknown-option"], "paper_ref": ["unknown-option"], "title": ["unknown-option"]},
          bad={"name": ["", "Has Space"], "status": ["done", "Reproduced"], "paper_ref": [""], "title": [""]},
          extra=[Call("partial-without-reason", (), dict(name="fig-c", paper_ref="Fig. 3", status="partial",
                                                         title="t"), names=("reason",))]),
    Entry(record, ("c-rec",), dict(ref="Eq. (2)", statement="s", measured=2.0, expected=2.0, tol=0.5,
                                   kind="abs", figure="fig-a"),
          # a non-finite measurement is recorded and shown as failed; free text can be any string
          allow={"measured": ["nan", "inf", "-inf"], "id": ["unknown-option"], "ref": ["unknown-option"],
                 "statement": ["unknown-option"]},
          bad={"figure": ["no-such-figure"], "id": ["c-old", "UPPER"], "kind": ["within"], "tol": [-1.0]},
          extra=[Call("nonfinite-measured-fails", ("c-nan",), dict(ref="r", statement="s", measured=np.nan,
                                                                  expected=1.0, tol=1.0),
                      flagged=lambda c: not c.passed)]),
    Entry(figure, ("fig-new",), dict(paper_ref="Fig. 9", title="t", status="reproduced", reason=""),
          allow={"name": ["unknown-option"], "paper_ref": ["unknown-option"], "title": ["unknown-option"],
                 "reason": ["unknown-option", "int-option"]},
          bad={"name": ["fig-a", ""], "status": ["done"]}),
    Entry(ClaimBook, (str(_NB),), dict(path=str(_TMP / "c2.json"), profile="fast"),
          skip=("params", "path"),  # (a relative output name is valid, and would write into the working dir)
          bad={"notebook": [str(_TMP / "missing.md"), 3], "profile": ["slow"]}, errors=(FileNotFoundError,),
          extra=[Call("params-not-dict", (str(_NB),), dict(path=str(_TMP / "c3.json"), params=[1]),
                      names=("params",))]),
    Entry(resolve_profile, ("fast", TABLE), dict(overrides={"n": 5}),
          bad={"profile": ["slow", 3], "table": [{"fast": {"n": 1}}, {**TABLE, "full": {"m": 3}}],
               "overrides": [{"m": 1}, {"name": 1}]}),
    Entry(active_profile, ("fast",), bad={"profile": ["quick", 1]}),
    Entry(load_claims_file, (str(_TMP / "claims.json"),),
          bad={"path": [str(_TMP / "missing.json"), str(_NB), 3]}, errors=(FileNotFoundError,)),
    Entry(find_root, (), dict(start=None),
          bad={"start": ["/", str(_TMP / "no-such-folder"), 3]}, errors=(FileNotFoundError,)),
    Entry(discover_notebooks, (_TMP,), dict(chapter=None), bad={"chapter": [99, -1]}),
    # run_notebook: only bad calls (a valid call executes a notebook); each fails before papermill
    Entry(run_notebook, (str(_TMP / "missing.md"), str(_TMP / "out")), errors=(FileNotFoundError,),
          skip=("source", "out_dir", "profile", "parameters", "timeout", "log_output"),
          valid_call=False,
          extra=[Call("profile", (str(_NB), str(_TMP / "out")), dict(profile="quick"), names=("profile",)),
                 Call("timeout", (str(_NB), str(_TMP / "out")), dict(timeout=-1.0), names=("timeout",)),
                 Call("timeout-nan", (str(_NB), str(_TMP / "out")), dict(timeout=float("nan")), names=("timeout",)),
                 Call("parameters", (str(_NB), str(_TMP / "out")), dict(parameters=[1]), names=("parameters",)),
                 Call("source-int", (3, str(_TMP / "out")), names=("source",)),
                 Call("out-int", (str(_NB), 3), names=("out_dir",)),
                 Call("log-output", (str(_NB), str(_TMP / "out")), dict(log_output="yes"), names=("log_output",))]),
    Entry(plotting.colors, (3,), dict(cmap="viridis"), bad={"n": [0, -2], "cmap": ["no-such-map"]}),
    Entry(plotting.theory, (_AX, X, X ** -1.0), dict(gaps=False),
          bad={"y": [X[:3], np.array([1, np.nan, 1, 1, 1.0])], "x": [X[:2]]},
          extra=[Call("gaps-nan-ok", (_AX, X, np.array([1, np.nan, 1, 1, 1.0])), dict(gaps=True),
                      flagged=lambda r: True)]),
    Entry(plotting.simulation, (_AX, X, X ** -1.0), dict(yerr=0.1 * X ** -1.0),
          allow={"y": ["has-nan"]},  # a diverged run is a nan point, left out by design
          bad={"yerr": [-X, X[:2], np.full(5, np.nan)], "y": [X[:4]]}),
    Entry(plotting.reference_slope, (_AX, 1.0, 10.0, 1.0, -0.5),
          bad={"x0": [0.0, -1.0], "x1": [0.0], "y0": [-1.0, 0.0]}),
]
