"""Paper 2 (Bordelon, Atanasov & Pehlevan 2024): the linear random-feature model and its DMFT.

* :mod:`.theory` -- the power-law problem (:class:`Spectrum`), the kappa equation, the loss curves
  ``L(t, N, P)`` (online: one inverse Laplace transform; general: the two-frequency 2x2 system),
  static limits, the ``1/N`` correction, ensembles;
* :mod:`.frontier` -- the compute-optimal frontier and the exponent table;
* :mod:`.simulation` -- exact simulation of the same model (no time stepping), averaged over
  draws into a :class:`scalinglaws.compare.SimResult`;
* :mod:`.realdata` -- the same model on real features (a kernel's eigenfeatures of a pool of
  inputs, e.g. MNIST under the NTK), the test of Gaussian equivalence.

Theory and simulation take the model sizes in the same order: ``(N, P, t)`` after the problem.
"""
from .simulation import decay_factor, draw_loss, simulate, simulate_ensemble
from .realdata import kernel_features, simulate_features
from .frontier import Frontier, compute_frontier, predicted_exponents
from .theory import (M_INFINITE, ConvergenceError, Spectrum, bias, ensemble_loss, first_order_width_correction,
                     kappa_static, loss_online, losses, mode_transfer, power_law_spectrum, solve_kappa,
                     static_data_limit, static_model_limit, talbot_nodes)

__all__ = [
    # theory
    "Spectrum", "power_law_spectrum", "M_INFINITE", "ConvergenceError", "solve_kappa", "kappa_static",
    "talbot_nodes", "loss_online", "losses", "mode_transfer", "bias", "ensemble_loss", "static_model_limit",
    "static_data_limit", "first_order_width_correction", "Frontier", "compute_frontier", "predicted_exponents",
    # simulation
    "simulate", "simulate_ensemble", "draw_loss", "decay_factor",
    # real features
    "kernel_features", "simulate_features",
]
