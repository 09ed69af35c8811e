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
