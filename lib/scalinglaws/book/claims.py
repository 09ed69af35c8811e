"""Quantitative claims recorded by the book's notebooks.

Every number a chapter asserts (a fitted exponent, a constant, a theory-vs-simulation
error) is recorded as a :class:`Claim`: an id, the paper reference it checks, a
one-line statement, the measured value, the expected value (from the paper or from
our theory), a tolerance and the kind of comparison.  A notebook opens a
:class:`ClaimBook` once, records its figures and claims through it, and the book
writes them as JSON after every call (atomically), so that

* the page shows a table of claims with pass/fail and one stable anchor per claim
  (``#claim-<id>``), and one per figure (``#<figure name>``);
* the tests (papermill, ``fast`` profile) and ``python -m scalinglaws reproduce``
  read the JSON back and fail on any failed claim;
* the scorecard page collects all JSON files of a build.

Comparison kinds (``measured`` = m, ``expected`` = e, ``tol`` = t):

============  =====================================  ==========================
kind          passes when                            use for
============  =====================================  ==========================
``"abs"``     ``|m - e| <= t``                       exponents, slopes
``"rel"``     ``|m - e| <= t |e|``                   constants, loss values
``"upper"``   ``m <= e``  (``t`` must be 0)          "at most" bounds, ratios
``"lower"``   ``m >= e``  (``t`` must be 0)          "at least" bounds
============  =====================================  ==========================

A non-finite measured value is recorded as a *failed* claim (it is a broken
measurement, and must show as such), while a malformed claim (bad id, unknown kind,
negative or non-finite tolerance, non-finite expected value, duplicate id) raises
``ValueError`` naming the offending field.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import html
import json
import math
import numbers
import os
import platform
import re
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["Claim", "FigureRecord", "ClaimBook", "KINDS", "FIGURE_STATUSES",
           "find_root", "claims_dir", "load_claims_file"]

KINDS = ("abs", "rel", "upper", "lower")
FIGURE_STATUSES = ("reproduced", "partial", "not reproduced")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,80}$")
SCHEMA_VERSION = 1


def _check_id(value, what="id"):
    if not isinstance(value, str) or not _ID_RE.match(value):
        raise ValueError(
            f"claim {what} {value!r} is invalid: use 2-81 characters from a-z, 0-9 and '-', "
            "starting with a letter or digit (it becomes the HTML anchor)")
    return value


def _check_text(value, what):
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"claim field {what!r} must be a non-empty string, got {value!r}")
    return value.strip()


def _as_float(value, what, *, allow_nonfinite=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        # numpy scalars are numbers.Real; 0-d arrays are accepted through float()
        try:
            import numpy as np
            if isinstance(value, np.ndarray) and value.ndim == 0 and np.isrealobj(value):
                value = value.item()
            else:
                raise TypeError
        except TypeError:
            raise ValueError(f"claim field {what!r} must be a real number, got {value!r}") from None
    value = float(value)
    if not allow_nonfinite and not math.isfinite(value):
        raise ValueError(f"claim field {what!r} must be finite, got {value!r}")
    return value


@dataclass(frozen=True)
class Claim:
    """One quantitative claim.  Build it with :meth:`ClaimBook.record`."""

    id: str
    ref: str
    statement: str
    measured: float
    expected: float
    tol: float
    kind: str
    figure: str | None = None
    notebook: str | None = None

    def __post_init__(self):
        _check_id(self.id)
        _check_text(self.ref, "ref")
        _check_text(self.statement, "statement")
        if self.kind not in KINDS:
            raise ValueError(f"claim kind {self.kind!r} is unknown; allowed kinds: {', '.join(KINDS)}")
        object.__setattr__(self, "measured", _as_float(self.measured, "measured", allow_nonfinite=True))
        object.__setattr__(self, "expected", _as_float(self.expected, "expected"))
        tol = _as_float(self.tol, "tol")
        if tol < 0:
            raise ValueError(f"claim field 'tol' must be >= 0, got {tol}")
        if self.kind in ("upper", "lower") and tol != 0:
            raise ValueError(f"claim kind {self.kind!r} is a bound: 'tol' must be 0 "
                             "(put any margin into 'expected')")
        if self.kind in ("abs", "rel") and tol == 0:
            raise ValueError(f"claim kind {self.kind!r} needs a tolerance 'tol' > 0")
        object.__setattr__(self, "tol", tol)
        if self.figure is not None:
            _check_id(self.figure, "figure")

    @property
    def error(self) -> float:
        """Signed deviation: m - e (abs, upper, lower) or (m - e)/|e| (rel)."""
        if self.kind == "rel":
            return (self.measured - self.expected) / abs(self.expected) if self.expected else math.inf
        return self.measured - self.expected

    @property
    def passed(self) -> bool:
        m, e, t = self.measured, self.expected, self.tol
        if not math.isfinite(m):
            return False
        if self.kind == "abs":
            return abs(m - e) <= t
        if self.kind == "rel":
            return abs(m - e) <= t * abs(e)
        if self.kind == "upper":
            return m <= e
        return m >= e

    def criterion(self) -> str:
        """Human-readable pass criterion, e.g. ``|m - 0.5| <= 0.005``."""
        e, t = _fmt(self.expected), _fmt(self.tol)
        return {"abs": f"|m − {e}| ≤ {t}", "rel": f"|m − {e}| ≤ {t}·|{e}|",
                "upper": f"m ≤ {e}", "lower": f"m ≥ {e}"}[self.kind]

    def to_dict(self) -> dict:
        d = asdict(self)
        d["measured"] = self.measured if math.isfinite(self.measured) else repr(self.measured)
        d["passed"] = self.passed
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Claim":
        d = dict(d)
        d.pop("passed", None)
        m = d.get("measured")
        if isinstance(m, str):
            d["measured"] = float(m)
        return cls(**d)


@dataclass(frozen=True)
class FigureRecord:
    """A figure of the chapter, with the paper figure it reproduces and its status."""

    name: str
    paper_ref: str
    status: str
    title: str
    reason: str = ""
    notebook: str | None = None

    def __post_init__(self):
        _check_id(self.name, "figure name")
        _check_text(self.paper_ref, "paper_ref")
        _check_text(self.title, "title")
        if self.status not in FIGURE_STATUSES:
            raise ValueError(f"figure status {self.status!r} is unknown; allowed: {', '.join(FIGURE_STATUSES)}")
        if self.status != "reproduced" and not self.reason.strip():
            raise ValueError(f"figure {self.name!r} has status {self.status!r}: give the reason")


def _fmt(x: float) -> str:
    if not math.isfinite(x):
        return repr(x)
    if x == 0:
        return "0"
    ax = abs(x)
    if 1e-3 <= ax < 1e4:
        return f"{x:.4g}"
    return f"{x:.3e}"


# ---------------------------------------------------------------- locations

def find_root(start: str | os.PathLike | None = None) -> Path:
    """The book's root: the nearest folder at or above ``start`` (an existing path; default: the
    working directory) holding ``_config.yml`` and ``_toc.yml``; ``FileNotFoundError`` if none."""
    if start is not None and not isinstance(start, (str, os.PathLike)):
        raise ValueError(f"`start` must be a path (str or os.PathLike) or None, got {start!r}")
    if start is not None and not Path(start).exists():
        raise FileNotFoundError(f"`start` = {str(start)!r} does not exist")
    p = Path(start or os.getcwd()).resolve()
    for q in (p, *p.parents):
        if (q / "_config.yml").is_file() and (q / "_toc.yml").is_file():
            return q
    raise FileNotFoundError(f"no book root (_config.yml and _toc.yml) at or above `start` = {p}")


def claims_dir(root: Path | None = None) -> Path:
    """Where a book build collects claims: ``$SCALINGLAWS_CLAIMS_DIR`` or ``<root>/_build/claims``."""
    env = os.environ.get("SCALINGLAWS_CLAIMS_DIR")
    if env:
        return Path(env).resolve()
    return (root or find_root()) / "_build" / "claims"


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _git_commit(root: Path) -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root,
                             capture_output=True, text=True, timeout=5)
        if out.returncode == 0:
            dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                                   capture_output=True, text=True, timeout=5).stdout.strip()
            return out.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        pass
    return None


def source_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load_claims_file(path: str | os.PathLike) -> dict:
    """Read a claims JSON file; returns the record with ``claims`` as :class:`Claim` objects.
    Raises ``FileNotFoundError`` (missing) or ``ValueError`` (not a claims file)."""
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"`path` must be a path (str or os.PathLike), got {path!r}")
    if not Path(path).is_file():
        raise FileNotFoundError(f"`path` = {str(path)!r}: no such claims file")
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"`path` = {str(path)!r} is not a claims JSON file ({exc})") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA_VERSION:
        got = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise ValueError(f"`path` = {str(path)!r}: unknown claims schema {got!r}")
    data["claims"] = [Claim.from_dict(c) for c in data["claims"]]
    data["figures"] = [FigureRecord(**f) for f in data["figures"]]
    return data


# ---------------------------------------------------------------- the notebook API

class ClaimBook:
    """Collects the figures and claims of one notebook and writes them as JSON.

    Parameters
    ----------
    notebook : str
        The notebook's file name, relative to the working directory (papermill and the
        book both run a notebook in its own folder), e.g. ``"02_loss_curves.md"``.
    path : str or None
        Output JSON file (the notebook's ``claims_path`` parameter).  ``None`` writes to
        :func:`claims_dir` ``/<chapter>__<notebook>.json`` (the book build's collection).
    profile : str
        The profile the notebook ran with (recorded in the JSON).
    params : dict, optional
        The resolved problem sizes, recorded for traceability.

    Example
    -------
    >>> book = ClaimBook("02_loss.md", path=claims_path, profile=P.name)  # doctest: +SKIP
    >>> book.figure("p1-loss", paper_ref="Thm 1 (reconstructed P1-B)", title="...")  # doctest: +SKIP
    >>> book.record("p1-xi-d1", ref="Thm 1, xi = 1/(d+1)", statement="loss exponent in d=1",
    ...             measured=xi, expected=0.5, tol=0.005, kind="abs", figure="p1-loss")  # doctest: +SKIP
    >>> book  # shows the claims table  # doctest: +SKIP
    """

    def __init__(self, notebook: str, path: str | None = None, profile: str = "default",
                 params: dict | None = None):
        if not isinstance(notebook, (str, os.PathLike)):
            raise ValueError(f"`notebook` must be the notebook's file name (a str), got {notebook!r}")
        if path is not None and not isinstance(path, (str, os.PathLike)):
            raise ValueError(f"`path` must be None or a file path, got {path!r}")
        from .profiles import PROFILES
        if profile not in PROFILES:
            raise ValueError(f"`profile` must be one of {PROFILES}, got {profile!r}")
        if params is not None and not isinstance(params, dict):
            raise ValueError(f"`params` must be None or a dict, got {type(params).__name__}")
        nb = Path(notebook)
        if not nb.is_absolute():
            nb = Path.cwd() / nb
        if not nb.is_file():
            raise FileNotFoundError(f"`notebook` {str(notebook)!r} not found from {Path.cwd()} "
                                    "(give the notebook's own file name; it runs in its folder)")
        self.source = nb.resolve()
        try:
            self.root = find_root(self.source.parent)
            rel = self.source.relative_to(self.root)
        except (FileNotFoundError, ValueError):
            self.root, rel = self.source.parent, Path(self.source.name)
        self.docname = rel.with_suffix("").as_posix()
        if path is None:
            path = claims_dir(self.root) / (self.docname.replace("/", "__") + ".json")
        self.path = Path(path)
        self.profile = str(profile)
        self.params = _jsonable(params or {})
        self.claims: list[Claim] = []
        self.figures: list[FigureRecord] = []
        self.created = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        self._meta = {
            "git_commit": _git_commit(self.root),
            "library_version": _version(),
            "python": platform.python_version(),
            "machine": platform.machine(),
        }
        self._write()

    # -- recording
    def figure(self, name: str, *, paper_ref: str, title: str, status: str = "reproduced",
               reason: str = "") -> FigureRecord:
        """Register a figure of this notebook (its anchor ``name``) for the scorecard."""
        if any(f.name == name for f in self.figures):
            raise ValueError(f"figure name {name!r} is already registered in this notebook")
        rec = FigureRecord(name=name, paper_ref=paper_ref, status=status, title=title,
                           reason=reason, notebook=self.docname)
        self.figures.append(rec)
        self._write()
        return rec

    def record(self, id: str, *, ref: str, statement: str, measured, expected, tol=0.0,
               kind: str = "abs", figure: str | None = None) -> Claim:
        """Record one claim (see the module docstring for the kinds); returns it."""
        if any(c.id == id for c in self.claims):
            raise ValueError(f"claim id {id!r} is already recorded in this notebook")
        if figure is not None and not any(f.name == figure for f in self.figures):
            raise ValueError(f"claim {id!r} names figure {figure!r}, which is not registered "
                             "(call .figure() first)")
        c = Claim(id=id, ref=ref, statement=statement, measured=measured, expected=expected,
                  tol=tol, kind=kind, figure=figure, notebook=self.docname)
        self.claims.append(c)
        self._write()
        return c

    # -- results
    @property
    def failed(self) -> list[Claim]:
        return [c for c in self.claims if not c.passed]

    @property
    def all_passed(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict:
        return {
            "schema": SCHEMA_VERSION,
            "notebook": self.docname,
            "source": str(self.source.relative_to(self.root)) if self.source.is_relative_to(self.root) else self.source.name,
            "source_sha256": source_sha256(self.source),
            "profile": self.profile,
            "params": self.params,
            "created": self.created,
            **self._meta,
            "figures": [asdict(f) for f in self.figures],
            "claims": [c.to_dict() for c in self.claims],
        }

    def _write(self):
        _atomic_write(self.path, json.dumps(self.to_dict(), indent=1, allow_nan=False))

    def check(self) -> None:
        """Raise ``AssertionError`` listing the failed claims (no-op if all pass)."""
        if self.failed:
            raise AssertionError("failed claims: " + "; ".join(
                f"{c.id}: measured {_fmt(c.measured)}, needs {c.criterion()}" for c in self.failed))

    def _repr_html_(self) -> str:
        return claims_table_html(self.claims, title=f"Claims of this notebook ({self.profile} profile)")

    def __repr__(self) -> str:
        lines = [f"{'PASS' if c.passed else 'FAIL'}  {c.id}: measured {_fmt(c.measured)}; {c.criterion()}"
                 for c in self.claims]
        return "\n".join([f"ClaimBook({self.docname}, profile={self.profile}, {len(self.claims)} claims)"] + lines)


def _version() -> str:
    """The library's one version string (``scalinglaws.__version__``; also in CITATION.cff and the book)."""
    from .. import __version__
    return __version__


def _jsonable(obj):
    """Convert numpy scalars/arrays in a parameter dict into JSON types."""
    try:
        import numpy as np
    except ImportError:  # pragma: no cover
        np = None
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if np is not None and isinstance(obj, np.generic):
        return obj.item()
    if np is not None and isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, float) and not math.isfinite(obj):
        return repr(obj)
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    return repr(obj)


# ---------------------------------------------------------------- HTML

_CSS = """<style>
table.sl-claims{border-collapse:collapse;font-size:0.85em;margin:0.5em 0 1em 0;width:100%}
table.sl-claims th,table.sl-claims td{border:1px solid #ccc;padding:2px 6px;vertical-align:top}
table.sl-claims th{background:#f3f3f3;text-align:left}
table.sl-claims td.num{text-align:right;font-family:monospace;white-space:nowrap}
table.sl-claims tr.fail td{background:#fde2e2}
table.sl-claims td{overflow-wrap:break-word} table.sl-claims code{overflow-wrap:anywhere}
table.sl-fixed{table-layout:fixed;font-size:0.8em}
table.sl-fixed td.crit{font-family:monospace;white-space:normal}
span.sl-pass{color:#116611;font-weight:bold} span.sl-fail{color:#b00000;font-weight:bold}
</style>"""


def claims_table_html(claims, title: str | None = None, link=None) -> str:
    """HTML table of claims, one row per claim with anchor ``claim-<id>``.

    ``link(claim)`` may return an URL for the id cell (the scorecard links to pages).
    """
    e = html.escape
    n_fail = sum(not c.passed for c in claims)
    head = f"<p><b>{e(title)}</b>: {len(claims)} claims, " if title else "<p>"
    head += (f"<span class='sl-fail'>{n_fail} FAILED</span></p>" if n_fail
             else "<span class='sl-pass'>all pass</span></p>")
    rows = []
    for c in claims:
        ident = e(c.id)
        if link is not None:
            ident = f"<a href='{e(link(c))}'>{ident}</a>"
        status = "<span class='sl-pass'>pass</span>" if c.passed else "<span class='sl-fail'>FAIL</span>"
        anchor = "" if link is not None else f" id='claim-{e(c.id)}'"
        rows.append(
            f"<tr{anchor} class='{'pass' if c.passed else 'fail'}'><td><code>{ident}</code></td>"
            f"<td>{e(c.statement)}</td><td>{e(c.ref)}</td>"
            f"<td class='num'>{e(_fmt(c.measured))}</td><td class='num'>{e(_fmt(c.expected))}</td>"
            f"<td class='crit'>{e(c.criterion())}</td><td>{status}</td></tr>")
    # fixed column widths, wrapping inside cells: the table fits the text column (no cut-off criterion)
    cols = "".join(f"<col style='width:{w}%'>" for w in (14, 27, 21, 9, 9, 13, 7))
    return (_CSS + head + f"<table class='sl-claims sl-fixed'><colgroup>{cols}</colgroup>"
            "<thead><tr><th>id</th><th>claim</th><th>paper ref.</th>"
            "<th>measured m</th><th>expected</th><th>criterion</th><th>status</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")
