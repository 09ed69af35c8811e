"""Render the benchmark results (``benchmarks/results/*.json``, written by ``make bench``) as
HTML tables on the book's benchmark page.  The numbers come from the scripts in ``benchmarks/``;
each file records the machine, the date and the commit that produced it.
"""
from __future__ import annotations

import html
import json
import math
from pathlib import Path

from .claims import find_root

__all__ = ["load", "table_html", "show"]


def load(root: Path | None = None) -> list[dict]:
    """All benchmark result files, sorted by name."""
    d = (Path(root) if root is not None else find_root()) / "benchmarks" / "results"
    return [json.loads(p.read_text()) for p in sorted(d.glob("*.json"))]


def _fmt(v) -> str:
    if isinstance(v, float):
        if math.isnan(v):
            return "n/a"
        return f"{v:.3g}" if abs(v) < 1e5 else f"{v:.3e}"
    return html.escape(str(v))


def table_html(result: dict) -> str:
    rows = result.get("rows", [])
    cols = list(dict.fromkeys(k for r in rows for k in r))
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{_fmt(r.get(c, ''))}</td>" for c in cols) + "</tr>" for r in rows)
    m = result.get("machine", {})
    meta = (f"{html.escape(m.get('date', '?'))}, commit {html.escape(m.get('commit', '?'))}, "
            f"{m.get('cpus', '?')} CPUs ({html.escape(str(m.get('processor', '')))}), "
            f"Python {html.escape(m.get('python', '?'))}, NumPy {html.escape(m.get('numpy', '?'))}")
    notes = f"<p>{html.escape(result['notes'])}</p>" if result.get("notes") else ""
    anchor = html.escape(result.get("name", ""))
    return (f'<h3 id="bench-{anchor}">{html.escape(result.get("title", anchor))}</h3>'
            f'<div style="overflow-x:auto"><table class="table"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>{notes}<p><small>Measured {meta}; file "
            f"<code>benchmarks/results/{anchor}.json</code>.</small></p>")


def show(root: Path | None = None, names: list[str] | None = None):
    """Display the tables (in a notebook) and return the loaded results."""
    from IPython.display import HTML, display
    results = [r for r in load(root) if names is None or r.get("name") in names]
    if not results:
        display(HTML("<p><b>No benchmark results yet</b>: run <code>make bench</code>.</p>"))
    for r in results:
        display(HTML(table_html(r)))
    return results
