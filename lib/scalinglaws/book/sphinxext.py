"""Sphinx extension of the book: executed notebooks to download, the version, launch links.

* **Downloads.**  Notebook pages are MyST Markdown (jupytext).  At the end of an HTML build the
  notebook that MyST-NB executed for each page (``<build>/jupyter_execute/<docname>.ipynb``, with
  its outputs) is copied to ``_notebooks/<docname>.ipynb``, and each notebook page gets a download
  link at its top.  A page whose executed notebook is missing (execution switched off) gets the
  bare converted source instead and a build warning, which ``-W`` builds turn into a failure.
* **Version.**  The library's one version (``scalinglaws.__version__``) is appended to the footer of
  every page, as in ``CITATION.cff`` and the claims JSON.
* **Launch links.**  With ``repository.url`` set in ``_config.yml`` (a GitHub URL; the one place the
  URL is set), Jupyter Book's Binder button appears (``launch_buttons.binderhub_url``, filled in
  with :data:`BINDERHUB` by this extension while empty) and this
  extension adds an *Open in Colab* link to the executed notebook as published with the site on
  the ``pages_branch`` (``html_context['sl_pages_branch']``, default ``gh-pages``).  While the URL
  is unset, neither appears.
* **Numbers from the run.**  The role ``{claim}`ID``` (MyST) inserts the measured value of claim
  ``ID`` as recorded by its notebook in this build; ``{claim}`ID.expected``` or ``ID.tol`` the
  other fields, and a format spec after a colon, ``{claim}`ID:.2f```.  Values are filled in after
  every notebook has run (``doctree-resolved``); an unknown id or field is a build warning, which
  ``-W`` builds (``make test``) turn into a failure.  Prose therefore never carries a hand-typed
  measured number.
* **Quiet kernels.**  ``SCALINGLAWS_PROGRESS=0`` is set (unless already set) so that sweeps draw
  no progress bars into the executed pages.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from docutils import nodes

__all__ = ["setup", "colab_url", "format_claim_value"]

_ROLE = re.compile(r"^(?P<id>[a-z0-9-]+)(?:\.(?P<field>measured|expected|tol))?(?::(?P<spec>[^:]+))?$")


class claim_value(nodes.inline):
    """Placeholder for a claim's value, replaced once all notebooks have run."""


def _claim_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    m = _ROLE.match(text.strip())
    if not m:
        msg = inliner.reporter.warning(
            f"claim role: {text!r} is not 'ID', 'ID.measured|expected|tol' or 'ID:FORMAT' (ids: [a-z0-9-])",
            line=lineno)
        return [inliner.problematic(rawtext, rawtext, msg)], [msg]
    node = claim_value(rawtext, text)
    node["claim_id"], node["field"], node["spec"] = m["id"], m["field"] or "measured", m["spec"] or ""
    return [node], []


def format_claim_value(value, spec: str = "") -> str:
    """A claim value as text: ``format(value, spec)``, or the claims table's own format if no spec."""
    from .claims import _fmt

    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return format(value, spec) if spec else _fmt(float(value))


def _all_claims(app) -> dict:
    if getattr(app, "_sl_claims", None) is None:
        from .claims import claims_dir, find_root, load_claims_file

        found = {}
        folder = claims_dir(find_root(Path(app.srcdir)))
        for f in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            try:
                rec = load_claims_file(f)
            except ValueError:
                continue
            for c in rec["claims"]:
                found[c.id] = c
        app._sl_claims = found
    return app._sl_claims


def _resolve_claims(app, doctree, docname):
    from sphinx.util import logging

    log = logging.getLogger(__name__)
    for node in list(doctree.findall(claim_value)):
        claims = _all_claims(app)
        c = claims.get(node["claim_id"])
        if c is None:
            log.warning(f"claim role: no claim {node['claim_id']!r} was recorded in this build",
                        location=node)
            text = f"[missing claim {node['claim_id']}]"
        else:
            try:
                text = format_claim_value(getattr(c, node["field"]), node["spec"])
            except (ValueError, TypeError) as exc:
                log.warning(f"claim role: cannot format {node['claim_id']}.{node['field']} with "
                            f"{node['spec']!r} ({exc})", location=node)
                text = str(getattr(c, node["field"]))
        node.replace_self(nodes.inline(text, text, classes=["sl-claim-value"]))


def _is_notebook(path: Path) -> bool:
    if path.suffix != ".md" or not path.is_file():
        return False
    head = path.read_text(encoding="utf-8")[:2000]
    return head.startswith("---") and "kernelspec:" in head


def _notebook_docnames(app):
    src = Path(app.srcdir)
    return [d for d in app.env.found_docs if _is_notebook(src / f"{d}.md")]


def colab_url(repository_url: str, docname: str, branch: str = "gh-pages") -> str | None:
    """Colab link to ``_notebooks/<docname>.ipynb`` on ``branch`` of a GitHub repository, or
    ``None`` if ``repository_url`` is empty or not of the form ``https://github.com/ORG/REPO``."""
    m = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?", (repository_url or "").strip())
    if not m:
        return None
    return f"https://colab.research.google.com/github/{m.group(1)}/{m.group(2)}/blob/{branch}/_notebooks/{docname}.ipynb"


def _repository_url(app) -> str:
    opts = app.config.html_theme_options or {}
    return str(opts.get("repository_url") or "").strip()


def _page_context(app, pagename, templatename, context, doctree):
    if pagename not in getattr(app, "_sl_notebooks", ()):
        return
    url = context["pathto"](f"_notebooks/{pagename}.ipynb", 1)
    link = (f'<p class="sl-download"><a href="{url}" download>&#8595; Download this notebook (.ipynb, '
            'executed, with its outputs)</a>')
    branch = (app.config.html_context or {}).get("sl_pages_branch", "gh-pages")
    colab = colab_url(_repository_url(app), pagename, branch)
    if colab:
        link += f' &middot; <a class="sl-colab" href="{colab}">Open in Colab</a>'
    link += ' &middot; rerun it with other parameters: see <em>How to rerun</em> in the introduction.</p>'
    context["body"] = link + context.get("body", "")


def _env_updated(app, env):
    app._sl_notebooks = set(_notebook_docnames(app))


def _build_finished(app, exc):
    if exc is not None or app.builder.format != "html":
        return
    from sphinx.util import logging

    log = logging.getLogger(__name__)
    executed_dir = Path(app.outdir).parent / "jupyter_execute"
    out = Path(app.outdir) / "_notebooks"
    for d in sorted(getattr(app, "_sl_notebooks", ())):
        target = out / f"{d}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        executed = executed_dir / f"{d}.ipynb"
        if executed.is_file():
            shutil.copyfile(executed, target)
            continue
        import jupytext

        log.warning(f"scalinglaws: no executed notebook for {d} in {executed_dir}; "
                    "offering its source without outputs")
        nb = jupytext.read(Path(app.srcdir) / f"{d}.md")
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        jupytext.write(nb, target, fmt="ipynb")


BINDERHUB = "https://mybinder.org"


def _config_inited(app, config):
    from .. import __version__

    opts = config.html_theme_options or {}
    launch = opts.get("launch_buttons")
    if isinstance(launch, dict):
        if str(opts.get("repository_url") or "").strip():
            launch.setdefault("binderhub_url", BINDERHUB)
            if not launch.get("binderhub_url"):
                launch["binderhub_url"] = BINDERHUB
        else:  # no repository: no launch button (the theme cannot build one and would fail)
            for key in ("binderhub_url", "jupyterhub_url", "colab_url"):
                launch[key] = ""

    base = str(config.copyright or "").strip()
    config.copyright = f"{base} · scalinglaws {__version__}" if base else f"scalinglaws {__version__}"


def setup(app):
    """Register the extension's event handlers with Sphinx."""
    os.environ.setdefault("SCALINGLAWS_PROGRESS", "0")
    app.add_role("claim", _claim_role)
    app.connect("config-inited", _config_inited)
    app.connect("env-before-read-docs", lambda app, env, docnames: setattr(app, "_sl_claims", None))
    app.connect("doctree-resolved", _resolve_claims)
    app.connect("env-updated", _env_updated)
    app.connect("html-page-context", _page_context)
    app.connect("build-finished", _build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "0.2"}
