from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST_NOTEBOOKS = ROOT / "tests" / "notebooks"


@pytest.fixture(scope="session")
def root():
    return ROOT
