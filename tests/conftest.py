from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST_NOTEBOOKS = ROOT / "tests" / "notebooks"


@pytest.fixture(scope="session")
def root():
    return ROOT

# every valid (activation order m, trained part) of the shallow-network kernels (scalinglaws.ntk);
# shared by the parametrised kernel and spectrum tests
CASES = [(0, "output"), (1, "full"), (1, "output"), (1, "input"), (2, "full"), (2, "output"), (2, "input")]

# property-based tests (hypothesis): reproducible in CI (derandomised), no per-example deadline
# (numba compiles on first use); `HYPOTHESIS_PROFILE=explore` draws fresh random examples.
import os as _os

from hypothesis import settings as _hsettings

_hsettings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
_hsettings.register_profile("explore", deadline=None, max_examples=500)
_hsettings.load_profile(_os.environ.get("HYPOTHESIS_PROFILE", "ci"))
