"""One figure style for the whole book: theory = lines, simulation = markers.

Colours index a swept parameter (width, depth, dimension...) through :func:`colors`;
theory is always drawn with :func:`theory` (solid line, no marker) and simulation
with :func:`simulation` (open markers, error bars when a standard error is given),
so a reader can tell them apart on every page without reading the legend.
"""
from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from ._validation import array, flag, integer, positive, real

__all__ = ["setup", "colors", "theory", "simulation", "reference_slope", "legend_theory_vs_sim", "lr_transfer_panels"]

STYLE = {
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "font.size": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "lines.linewidth": 1.6,
}


def setup():
    """Apply the book's matplotlib style (call once per notebook)."""
    mpl.rcParams.update(STYLE)


def colors(n: int, cmap: str = "viridis"):
    """``n >= 1`` colours from a perceptually uniform map (dark = small parameter)."""
    n = integer("n", n, lo=1)
    if not isinstance(cmap, str) or cmap not in plt.colormaps():
        raise ValueError(f"`cmap` must be the name of a matplotlib colormap, got {cmap!r}")
    return [plt.get_cmap(cmap)(v) for v in np.linspace(0.0, 0.85, n)]


def _xy(x, y, *, nan_ok):
    xs = array("x", x, ndim=1)
    ys = array("y", y, ndim=1, finite=False, allow_nan=nan_ok)
    if np.any(np.isinf(ys)):
        raise ValueError("`y` must not contain inf")
    if xs.shape != ys.shape:
        raise ValueError(f"`x` and `y` must be 1-D of one length, got {xs.shape} and {ys.shape}")
    return xs, ys


def theory(ax, x, y, color=None, label=None, *, gaps: bool = False, **kw):
    """Theory curve: a solid line, never markers.  ``x`` and ``y`` finite 1-D arrays of one length;
    with ``gaps=True`` a ``nan`` in ``y`` is drawn as a gap (e.g. a diverged learning rate)."""
    x, y = _xy(x, y, nan_ok=flag("gaps", gaps))
    kw.setdefault("lw", 1.6)
    if "ls" not in kw and "linestyle" not in kw:
        kw["ls"] = "-"   # a caller's own line style (e.g. dashed) replaces the solid default
    return ax.plot(x, y, color=color, label=label, **kw)


def simulation(ax, x, y, yerr=None, color=None, label=None, marker="o", **kw):
    """Simulation: open markers, with error bars (one standard error, finite and ``>= 0``) if
    ``yerr`` is given.  A ``nan`` in ``y`` (a diverged run) is left out of the plot."""
    x, y = _xy(x, y, nan_ok=True)
    kw.setdefault("ms", 4.5)
    kw.setdefault("mfc", "none")
    kw.setdefault("mew", 1.1)
    if yerr is None:
        return ax.plot(x, y, marker, ls="none", color=color, label=label, **kw)
    e = array("yerr", yerr, finite=False, allow_nan=True)
    ok = np.isfinite(y)
    if e.shape != y.shape and not (e.ndim == 2 and e.shape == (2, y.size)):
        raise ValueError(f"`yerr` must have the shape of `y` {y.shape} (or (2, {y.size})), got {e.shape}")
    eo = e[..., ok]
    if not np.all(np.isfinite(eo)) or np.any(eo < 0):
        raise ValueError("`yerr` must be finite and >= 0 wherever `y` is finite")
    return ax.errorbar(x, y, yerr=e, fmt=marker, color=color, label=label, capsize=2, elinewidth=0.8, **kw)


def reference_slope(ax, x0, x1, y0, slope, label=None, **kw):
    """Dashed grey guide ``y = y0 (x/x0)^slope`` on ``[x0, x1]`` (log-log axes; ``x0, x1, y0 > 0``)."""
    x = np.array([positive("x0", x0), positive("x1", x1)], dtype=float)
    y0 = positive("y0", y0)
    slope = real("slope", slope)
    kw.setdefault("color", "0.35")
    kw.setdefault("lw", 1.0)
    if "ls" not in kw and "linestyle" not in kw:
        kw["ls"] = "--"
    return ax.plot(x, y0 * (x / x[0]) ** slope, label=label, **kw)


def legend_theory_vs_sim(ax, loc="lower left", theory_label="theory", sim_label="simulation"):
    """Add the two generic legend entries (line = theory, marker = simulation)."""
    from matplotlib.lines import Line2D
    handles = [Line2D([], [], color="k", ls="-", label=theory_label),
               Line2D([], [], color="k", ls="none", marker="o", mfc="none", label=sim_label)]
    leg = ax.legend(handles=handles, loc=loc)
    ax.add_artist(leg)
    return leg


def lr_transfer_panels(axs, study, *, label, ylim, vlines=(), titles=None, edges=None):
    """Draw a learning-rate-transfer study (:class:`scalinglaws.deeplinear.TransferStudy`): one
    panel per parameterisation, ``log10 L(T-1)`` against ``eta0`` for every width (theory lines,
    refined optima as dots, simulations as markers with one-SE bars).  ``label(width)`` gives the
    legend text, ``vlines`` a list of ``(eta0, linestyle)`` guides drawn on every panel, ``edges``
    an optional ``{width: eta0}`` (e.g. the lazy stability edge of each width) drawn as a
    downward triangle in the width's colour at the top of every panel."""
    titles = {"ntk": "NTK", "mup": "μP"} if titles is None else titles
    cols = colors(len(study.widths))
    for ax, par in zip(axs, study.pars):
        for w, c in zip(study.widths, cols):
            if edges is not None and w in edges:
                ax.plot([edges[w]], [ylim[1] - 0.04 * (ylim[1] - ylim[0])], "v", color=c, ms=7, clip_on=False)
            r = study.sweeps[par, w]
            theory(ax, study.etas, np.where(np.isfinite(r.values), r.values, np.nan), color=c, label=label(w),
                   gaps=True)
            ax.plot([r.eta_star], [np.nanmin(r.values)], "o", color=c, ms=6)
            if (par, w) in study.sims:
                v = study.sims[par, w]
                simulation(ax, study.eta_sim, v[:, 0], v[:, 1], color=c)
        for x, ls in vlines:
            ax.axvline(x, color="0.4", ls=ls, lw=1)
        ax.set_xscale("log")
        ax.set_ylim(*ylim)
        ax.set_ylabel(r"$\log_{10}\mathcal{L}(T-1)$")
        ax.set_title(titles.get(par, par))
        ax.legend(loc="lower left", ncol=2)
    axs[-1].set_xlabel(r"$\eta_0$")
    legend_theory_vs_sim(axs[0], loc="upper right")
