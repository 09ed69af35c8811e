"""Execute book notebooks with papermill and collect their claims.

Notebooks are MyST Markdown files (jupytext); :func:`run_notebook` converts one on
the fly into a temporary ``.ipynb``, runs it with papermill in its own folder with
``profile`` and ``claims_path`` injected, and reads the claims JSON back.  Used by
the tests and by ``python -m scalinglaws reproduce``.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from .._validation import positive
from .claims import find_root, load_claims_file
from .profiles import PROFILES

__all__ = ["NotebookResult", "discover_notebooks", "run_notebook"]

_NB_RE = re.compile(r"^\d\d_.*\.md$")
_CH_RE = re.compile(r"^ch(\d+)-")


def discover_notebooks(root: Path | None = None, chapter: int | None = None) -> list[Path]:
    """Chapter notebooks: ``chapters/ch<N>-*/NN_*.md``, in chapter and file order."""
    root = Path(root) if root is not None else find_root()
    out = []
    for ch in sorted((root / "chapters").glob("ch*-*")):
        m = _CH_RE.match(ch.name)
        if not m or not ch.is_dir():
            continue
        if chapter is not None and int(m.group(1)) != chapter:
            continue
        out += sorted(p for p in ch.iterdir() if _NB_RE.match(p.name))
    if chapter is not None and not out:
        raise ValueError(f"chapter {chapter} has no notebooks under {root / 'chapters'}")
    return out


@dataclass
class NotebookResult:
    source: Path
    executed: Path
    claims_path: Path
    seconds: float
    error: str | None = None
    record: dict | None = field(default=None, repr=False)

    @property
    def claims(self):
        return self.record["claims"] if self.record else []

    @property
    def figures(self):
        return self.record["figures"] if self.record else []

    @property
    def failed_claims(self):
        return [c for c in self.claims if not c.passed]

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.record) and not self.failed_claims

    def summary(self) -> str:
        if self.error:
            return f"ERROR: {self.error}"
        if not self.record:
            return "ERROR: notebook wrote no claims file"
        n, f = len(self.claims), len(self.failed_claims)
        return f"{n} claims, {f} failed" if f else f"{n} claims, all pass"


def run_notebook(source, out_dir, profile: str = "fast", parameters: dict | None = None,
                 timeout: float | None = 1800, log_output: bool = False) -> NotebookResult:
    """Run one MyST notebook with papermill; never raises for a failing notebook.

    The executed ``.ipynb`` and the claims JSON are written to ``out_dir``.  A notebook
    that raises, or writes no claims, gives a result with ``error`` set.
    """
    import jupytext
    import papermill as pm

    if profile not in PROFILES:
        raise ValueError(f"`profile` {profile!r} is not one of {', '.join(PROFILES)}")
    for name, v in (("source", source), ("out_dir", out_dir)):
        if not isinstance(v, (str, os.PathLike)):
            raise ValueError(f"`{name}` must be a path (str or os.PathLike), got {v!r}")
    if parameters is not None and not isinstance(parameters, dict):
        raise ValueError(f"`parameters` must be None or a dict, got {type(parameters).__name__}")
    if timeout is not None:
        timeout = positive("timeout", timeout)
    if not isinstance(log_output, bool):
        raise ValueError(f"`log_output` must be True or False, got {log_output!r}")
    source = Path(source).resolve()
    if not source.is_file():
        raise FileNotFoundError(f"notebook `source` {source} not found")
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = source.parent.name + "__" + source.stem
    src_ipynb = out_dir / f"{stem}.input.ipynb"
    executed = out_dir / f"{stem}.ipynb"
    claims_path = out_dir / f"{stem}.claims.json"
    if claims_path.exists():
        claims_path.unlink()
    nb = jupytext.read(source)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    jupytext.write(nb, src_ipynb, fmt="ipynb")
    params = {"profile": profile, "claims_path": str(claims_path)}
    params.update(parameters or {})
    claims_path = Path(params["claims_path"])  # a caller may direct the claims elsewhere
    t0 = time.perf_counter()
    error = None
    quiet = "SCALINGLAWS_PROGRESS" not in os.environ
    if quiet:  # the kernel inherits it: no progress bars in an executed notebook (its stderr stays clean)
        os.environ["SCALINGLAWS_PROGRESS"] = "0"
    try:
        pm.execute_notebook(str(src_ipynb), str(executed), parameters=params, kernel_name="python3",
                            cwd=str(source.parent), execution_timeout=timeout, progress_bar=False,
                            log_output=log_output)
    except Exception as exc:  # papermill wraps the cell error; keep the message short
        msg = str(exc).strip().splitlines()
        error = f"{type(exc).__name__}: " + " | ".join(l for l in msg[-6:] if l.strip())
    finally:
        src_ipynb.unlink(missing_ok=True)
        if quiet:
            del os.environ["SCALINGLAWS_PROGRESS"]
    seconds = time.perf_counter() - t0
    record = load_claims_file(claims_path) if claims_path.exists() else None
    return NotebookResult(source=source, executed=executed, claims_path=claims_path, seconds=seconds,
                          error=error, record=record)
