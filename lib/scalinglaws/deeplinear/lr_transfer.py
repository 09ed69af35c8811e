"""Learning-rate transfer across width: one LR sweep per (parameterisation, width), theory and
simulation (the studies of paper Figs. 2 and 7; the quantities of Eq. (T3.49) of the theory page).

A study evaluates a theory ``loss(par, width, eta) -> L(T-1)`` on a fine LR grid for every
(parameterisation, width) with :func:`scalinglaws.deeplinear.lr_sweep` (refined optimum), and a
simulation ``point(par, width, eta) -> (log10 L(T-1), its SE)`` (``SimResult.final_log10``) on a
coarse grid for a few widths.  The simulated grid runs as one :func:`scalinglaws.sweep.sweep`
over (par, width, eta), so it parallelises under ``reproduce --processes N / --scheduler``.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

from .._validation import array, positive
from ..compare import max_log10_deviation
from .lr_sweep import SweepResult, _etas, lr_sweep

__all__ = ["TransferStudy", "transfer_study"]


@dataclass
class TransferStudy:
    """Theory sweeps ``sweeps[par, width]`` (:class:`SweepResult` on ``etas``) and simulated points
    ``sims[par, width]`` (array ``(len(eta_sim), 2)`` of log10 loss and its standard error; ``nan``
    where a seed diverged) of one learning-rate-transfer study."""
    pars: tuple
    widths: list
    etas: np.ndarray
    sweeps: dict
    eta_sim: np.ndarray
    sims: dict = field(default_factory=dict)

    def optima(self, par: str, widths=None) -> list[float]:
        """Refined optimal learning rates ``eta0*`` of the theory for ``par`` at ``widths``
        (default: every width of the study), in that order."""
        return [self.sweeps[par, w].eta_star for w in (self.widths if widths is None else widths)]

    def max_deviation(self, theory_log10, *, min_width=None, up_to=1.05) -> dict:
        """``max |log10 L_sim - log10 L_theory|`` per simulated (par, width), over the simulated
        rates up to ``up_to`` times that width's theory optimum (beyond it the dynamics approach
        the edge of stability) and where the simulation is finite; widths below ``min_width``
        are left out.  ``theory_log10(par, width, eta)`` gives the theory value at a simulated
        rate.  Returns ``{(par, width): deviation}`` (:func:`scalinglaws.compare.max_log10_deviation`)."""
        out = {}
        for (par, w), v in self.sims.items():
            if min_width is not None and w < min_width:
                continue
            th = np.array([theory_log10(par, w, float(e)) for e in self.eta_sim])
            out[par, w] = max_log10_deviation(v[:, 0], th, self.eta_sim <= up_to * self.sweeps[par, w].eta_star)
        return out


def _widths(name, widths):
    if isinstance(widths, (str, bytes)) or not hasattr(widths, "__len__") or len(widths) == 0:
        raise ValueError(f"`{name}` must be a non-empty list of widths (finite reals > 0), got {widths!r}")
    out = []
    for x in widths:
        if isinstance(x, bool) or not isinstance(x, numbers.Real):
            raise ValueError(f"`{name}` must be a non-empty list of widths (finite reals > 0), got {widths!r}")
        positive(name, x)
        out.append(x)
    return out


def transfer_study(theory_loss, etas, widths, *, sim_point=None, eta_sim=None, sim_widths=(), pars=("ntk", "mup"),
                   width_label="width") -> TransferStudy:
    """Run the theory sweeps for every (par, width) and, if ``sim_point`` is given, the simulated
    grid (par in ``pars``) x ``sim_widths`` x ``eta_sim``.

    ``theory_loss(par, width, eta)`` returns the final loss (``lr_sweep``'s metric is ``log10``);
    ``sim_point(par, width, eta)`` returns ``(log10 L, SE)``.  ``width_label`` names the width in
    the progress bars only.

    ``etas``: as :func:`lr_sweep`; ``widths``, ``sim_widths``: lists of finite reals > 0 (``widths``
    non-empty); ``pars``: a non-empty tuple of strings; ``eta_sim``: 1-D, finite, > 0, strictly
    increasing; ``width_label``: a string.  Raises ``ValueError`` otherwise."""
    from ..sweep import grid, sweep
    if not callable(theory_loss):
        raise ValueError(f"`theory_loss` must be callable, got {theory_loss!r}")
    etas = _etas(etas)
    widths = _widths("widths", widths)
    if isinstance(pars, str) or not isinstance(pars, (tuple, list)) or len(pars) == 0 \
            or not all(isinstance(p, str) for p in pars):
        raise ValueError(f"`pars` must be a non-empty tuple of parameterisation names (strings), got {pars!r}")
    if not isinstance(width_label, str):
        raise ValueError(f"`width_label` must be a string, got {width_label!r}")
    if sim_point is not None:
        if not callable(sim_point):
            raise ValueError(f"`sim_point` must be callable, got {sim_point!r}")
        if eta_sim is None:
            raise ValueError("a simulation (`sim_point`) needs the rates `eta_sim`")
        eta_sim = array("eta_sim", eta_sim, ndim=1, lo=0.0, lo_open=True, increasing=True)
        sim_widths = _widths("sim_widths", sim_widths)
    elif eta_sim is not None:
        eta_sim = array("eta_sim", eta_sim, ndim=1, lo=0.0, lo_open=True, increasing=True)
    sweeps: dict[tuple, SweepResult] = {}
    for par in pars:
        for w in widths:
            sweeps[par, w] = lr_sweep(lambda e, par=par, w=w: theory_loss(par, w, e), etas,
                                      desc=f"theory {par} {width_label}={w:g}")
    study = TransferStudy(tuple(pars), list(widths), etas, sweeps,
                          None if eta_sim is None else np.asarray(eta_sim, dtype=float))
    if sim_point is not None:
        pts = grid(par=list(pars), width=list(sim_widths), eta=[float(e) for e in study.eta_sim])
        res = np.array(sweep(sim_point, pts, desc="simulations"), dtype=float)
        res = res.reshape(len(pars), len(sim_widths), study.eta_sim.size, 2)
        study.sims = {(par, w): res[i, j] for i, par in enumerate(pars) for j, w in enumerate(sim_widths)}
    return study
