"""Bad-input registry of ``scalinglaws.ntk`` (see ``engine``)."""
import numpy as np

from scalinglaws import ntk

from .engine import Call, Entry

_rng = np.random.default_rng(0)
X = _rng.standard_normal((6, 3))

ENTRIES = [
    Entry(ntk.ntk_gram, (X,), dict(m=1)),
]
