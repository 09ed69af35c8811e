"""The book machinery: claims, profiles, the papermill runner, the scorecard, the Sphinx extension,
the benchmark report and the ``reproduce`` command line.

* :mod:`.claims` -- :class:`ClaimBook`, the quantitative claims a notebook records (id, paper
  reference, measured, expected, tolerance) and the figure records, written as JSON;
* :mod:`.profiles` -- the ``fast`` / ``default`` / ``full`` problem sizes (:func:`resolve_profile`);
* :mod:`.runner` -- execute chapter notebooks with papermill and read their claims back;
* :mod:`.scorecard` -- the tables of figures and claims shown in the book;
* :mod:`.benchreport` -- the benchmark page's tables;
* :mod:`.sphinxext` -- the Jupyter Book extension (downloadable notebooks);
* :mod:`.cli` -- ``python -m scalinglaws reproduce``.
"""
from .claims import Claim, ClaimBook, FigureRecord, find_root, load_claims_file
from .profiles import PROFILES, active_profile
from .profiles import resolve as resolve_profile
from .runner import NotebookResult, discover_notebooks, run_notebook

__all__ = ["ClaimBook", "Claim", "FigureRecord", "find_root", "load_claims_file", "resolve_profile", "PROFILES",
           "active_profile", "discover_notebooks", "run_notebook", "NotebookResult"]
