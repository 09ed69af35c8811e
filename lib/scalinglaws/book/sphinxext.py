"""Sphinx extension of the book: offer each notebook page as a downloadable ``.ipynb``.

Notebook pages are MyST Markdown (jupytext).  At the end of an HTML build every
notebook source is converted with jupytext into ``_notebooks/<docname>.ipynb`` (no
outputs: readers rerun it), and each notebook page gets a download link at its top.
"""
from __future__ import annotations

from pathlib import Path

__all__ = ["setup"]


def _is_notebook(path: Path) -> bool:
    if path.suffix != ".md" or not path.is_file():
        return False
    head = path.read_text(encoding="utf-8")[:2000]
    return head.startswith("---") and "kernelspec:" in head


def _notebook_docnames(app):
    src = Path(app.srcdir)
    return [d for d in app.env.found_docs if _is_notebook(src / f"{d}.md")]


def _page_context(app, pagename, templatename, context, doctree):
    if pagename not in getattr(app, "_sl_notebooks", ()):
        return
    url = context["pathto"](f"_notebooks/{pagename}.ipynb", 1)
    link = (f'<p class="sl-download"><a href="{url}" download>&#8595; Download this notebook (.ipynb)</a> '
            '&middot; rerun it with other parameters: see <em>How to rerun</em> in the introduction.</p>')
    context["body"] = link + context.get("body", "")


def _env_updated(app, env):
    app._sl_notebooks = set(_notebook_docnames(app))


def _build_finished(app, exc):
    if exc is not None or app.builder.format != "html":
        return
    import jupytext

    out = Path(app.outdir) / "_notebooks"
    for d in sorted(getattr(app, "_sl_notebooks", ())):
        nb = jupytext.read(Path(app.srcdir) / f"{d}.md")
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        target = out / f"{d}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        jupytext.write(nb, target, fmt="ipynb")


def setup(app):
    """Register the extension's event handlers with Sphinx."""
    app.connect("env-updated", _env_updated)
    app.connect("html-page-context", _page_context)
    app.connect("build-finished", _build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "0.1"}
