"""numba's on-disk cache, keyed by the library's source.

numba invalidates a cached function when its own file changes, but not when a jitted function it
calls from another file changes (``deeplinear/_residual.py`` calls kernels of ``_strided.py``, say):
after such an edit the caller would silently run the old code.  So the cache lives in a folder
named after a SHA-256 of every ``.py`` file of the package (:func:`source_fingerprint`): any edit
anywhere in the library starts a fresh cache, and folders of older sources are removed.

A ``$NUMBA_CACHE_DIR`` set by the user is respected (and then this protection is the user's).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

__all__ = ["source_fingerprint", "configure_numba_cache", "numba_cache_dir"]

_PACKAGE = Path(__file__).resolve().parent
_PREFIX = "numba-"


def source_fingerprint() -> str:
    """SHA-256 over the relative path and contents of every ``.py`` file of the package, all
    subpackages included (sorted by path)."""
    h = hashlib.sha256()
    for p in sorted(_PACKAGE.rglob("*.py")):
        if "__pycache__" in p.parts:
            continue
        h.update(p.relative_to(_PACKAGE).as_posix().encode())
        h.update(b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
        return True
    except OSError:
        return False


def numba_cache_dir() -> Path:
    """The cache folder for the current source: ``<package>/__pycache__/numba-<hash16>`` where the
    package folder is writable, else ``~/.cache/scalinglaws/numba-<hash16>``."""
    name = _PREFIX + source_fingerprint()[:16]
    for base in (_PACKAGE / "__pycache__", Path.home() / ".cache" / "scalinglaws"):
        if _writable(base):
            return base / name
    raise OSError("no writable folder for numba's cache: set $NUMBA_CACHE_DIR")


def _prune(current: Path, min_age_s: float = 3600.0) -> None:
    # folders of earlier sources can never be hit again; an hour's grace leaves the folder of a
    # process still running on the previous source alone
    now = time.time()
    for old in current.parent.glob(_PREFIX + "*"):
        try:
            stale = old != current and old.is_dir() and now - old.stat().st_mtime > min_age_s
        except OSError:
            continue
        if stale:
            shutil.rmtree(old, ignore_errors=True)


def configure_numba_cache() -> Path | None:
    """Point numba's cache at :func:`numba_cache_dir` unless ``$NUMBA_CACHE_DIR`` is set; must run
    before any jitted function of the library is defined (``scalinglaws/__init__.py`` does)."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return None
    import numba

    folder = numba_cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    _prune(folder)
    numba.config.CACHE_DIR = str(folder)
    return folder
