"""Paper 3 (Bordelon & Pehlevan 2025): deep linear networks trained from random initialisation.

Theory and simulation of the same model take the same arguments in the same order:

* DMFT of the proportional limit: :func:`dmft_dln` (isotropic data; full batch, online SGD or
  population GD; plain or residual; muP or NTK) and :func:`dmft_powerlaw` (power-law data at
  infinite or finite width, population GD or online SGD), both returning a :class:`DMFTResult`;
* the finite networks they describe: :func:`simulate_dln`, :func:`simulate_powerlaw`, averaged over
  seeds by :func:`simulate_seeds` (a :class:`scalinglaws.compare.SimResult`);
* closed forms (lazy limit, rich exponent), power-law data, learning-rate sweeps;
* the exact lazy edge of stability at finite width from free probability: :func:`stability_edge`,
  :func:`ntk_moments` (:mod:`.stability`).

Layout: :mod:`.dmft` (validation and dispatch), :mod:`.fixed_point` (the equations as dense
matrix algebra, the NumPy reference), :mod:`._causal` (the packed single-pass kernel and the legend
of the array names), :mod:`._powerlaw` (per-mode kernel), :mod:`._residual` (residual kernel),
:mod:`._strided` (row kernels shared by the last two), :mod:`.closed_forms`, :mod:`.data`,
:mod:`.simulation`, :mod:`.lr_sweep`, :mod:`.lr_transfer` (LR transfer across width), :mod:`.modes`
(named data modes).
"""
from .closed_forms import lazy_population_loss, lazy_powerlaw_loss, rich_exponent
from .data import binned_powerlaw_spectrum, check_spectrum, powerlaw_spectrum
from .dmft import DIVERGENCE_FACTOR, DMFTResult, dmft_dln, dmft_powerlaw, gamma0_of
from .fixed_point import DMFTConvergenceError, linear_regression_dmft
from .lr_sweep import SweepResult, lr_sweep, refine_argmin
from .lr_transfer import TransferStudy, transfer_study
from .modes import FULL_BATCH, ONLINE_SGD, POPULATION
from .simulation import loss_half_train, rank_one_step, simulate_dln, simulate_powerlaw, simulate_seeds
from .stability import StabilityEdge, StabilityEdgeError, ntk_moments, stability_edge

__all__ = [
    # DMFT
    "dmft_dln", "dmft_powerlaw", "DMFTResult", "DMFTConvergenceError", "gamma0_of", "DIVERGENCE_FACTOR",
    "linear_regression_dmft", "POPULATION", "FULL_BATCH", "ONLINE_SGD",
    # closed forms and data
    "lazy_population_loss", "lazy_powerlaw_loss", "rich_exponent", "powerlaw_spectrum", "binned_powerlaw_spectrum",
    "check_spectrum",
    # simulation
    "simulate_dln", "simulate_powerlaw", "simulate_seeds", "rank_one_step", "loss_half_train",
    # the lazy edge of stability (free probability)
    "stability_edge", "ntk_moments", "StabilityEdge", "StabilityEdgeError",
    # learning-rate sweeps
    "lr_sweep", "refine_argmin", "SweepResult", "transfer_study", "TransferStudy",
]
