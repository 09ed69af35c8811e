"""scalinglaws: reference implementation behind the neural-scaling-laws book companion.

Foundation modules: :mod:`.claims` (quantitative claims of the notebooks),
:mod:`.profiles` (fast/default/full sizes), :mod:`.fits` (power-law fits),
:mod:`.plotting` (theory = lines, simulation = markers), :mod:`.runner` (papermill)
and :mod:`.scorecard`.  Science modules are added per paper.
"""
from .claims import ClaimBook
from .profiles import resolve as resolve_profile

__all__ = ["ClaimBook", "resolve_profile"]
__version__ = "0.1.0"
