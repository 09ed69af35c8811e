"""The reproduction scorecard: every figure and claim of a build, from the claims JSON.

The book's ``scorecard.md`` page calls :func:`show` after all chapter notebooks ran
(Sphinx executes notebooks in sorted docname order, ``scorecard`` after ``chapters/``);
it refuses to show a stale or missing record: every chapter notebook must have a claims
file made from its current source.
"""
from __future__ import annotations

import html
from pathlib import Path

from .claims import (claims_dir, claims_table_html, find_root, load_claims_file, source_sha256, _CSS)
from .runner import discover_notebooks

__all__ = ["collect", "figures_table_html", "show", "text_table"]

_STATUS_MARK = {"reproduced": "[Re]", "partial": "[~Re]", "not reproduced": "[¬Re]"}


def collect(directory: Path | None = None, root: Path | None = None, strict: bool = True,
            chapter: int | None = None) -> list[dict]:
    """Load the claims files of all chapter notebooks (or of one ``chapter``).

    ``strict``: raise if a chapter notebook has no claims file, or one made from an
    older version of its source, or if a claim id or figure name appears twice.
    """
    root = Path(root) if root is not None else find_root()
    directory = Path(directory) if directory is not None else claims_dir(root)
    records = []
    problems = []
    notebooks = discover_notebooks(root)
    if chapter is not None:
        notebooks = [nb for nb in notebooks if nb.parent.name.startswith(f"ch{chapter}-")]
    for nb in notebooks:
        docname = nb.relative_to(root).with_suffix("").as_posix()
        f = directory / (docname.replace("/", "__") + ".json")
        if not f.exists():
            problems.append(f"{docname}: no claims file in {directory}")
            continue
        rec = load_claims_file(f)
        if rec["source_sha256"] != source_sha256(nb):
            problems.append(f"{docname}: claims file is stale (made from another version of the notebook)")
        records.append(rec)
    ids, names = {}, {}
    for rec in records:
        for c in rec["claims"]:
            if c.id in ids:
                problems.append(f"claim id {c.id!r} appears in {ids[c.id]} and {rec['notebook']}")
            ids[c.id] = rec["notebook"]
        for fig in rec["figures"]:
            if fig.name in names:
                problems.append(f"figure name {fig.name!r} appears in {names[fig.name]} and {rec['notebook']}")
            names[fig.name] = rec["notebook"]
    if strict and problems:
        raise RuntimeError("scorecard cannot be built:\n  " + "\n  ".join(problems))
    return records


def _page(docname: str, from_doc: str = "scorecard") -> str:
    depth = from_doc.count("/")
    return "../" * depth + docname + ".html"


def figures_table_html(records, from_doc: str = "scorecard") -> str:
    """HTML table of the figure records (paper figure -> notebook -> status with reason), links
    relative to the page ``from_doc``."""
    e = html.escape
    rows = []
    for rec in records:
        for fig in rec["figures"]:
            claims = [c for c in rec["claims"] if c.figure == fig.name]
            n_fail = sum(not c.passed for c in claims)
            status = f"{_STATUS_MARK[fig.status]} {fig.status}"
            if n_fail:
                status += f" <span class='sl-fail'>({n_fail} claim(s) failing)</span>"
            url = _page(rec["notebook"], from_doc) + "#" + fig.name
            rows.append(
                f"<tr class='{'fail' if n_fail else 'pass'}'><td>{e(fig.paper_ref)}</td>"
                f"<td><a href='{e(url)}'>{e(fig.title)}</a><br><code>{e(rec['source'])}</code></td>"
                f"<td>{status}</td><td>{e(fig.reason) or '&nbsp;'}</td>"
                f"<td class='num'>{len(claims) - n_fail}/{len(claims)}</td></tr>")
    cols = "".join(f"<col style='width:{w}%'>" for w in (23, 28, 15, 25, 9))
    return (_CSS + f"<table class='sl-claims sl-fixed'><colgroup>{cols}</colgroup>"
            "<thead><tr><th>paper figure / result</th><th>our figure and notebook</th>"
            "<th>status</th><th>reason / remark</th><th>claims passing</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def show(directory: Path | None = None, root: Path | None = None, chapter: int | None = None,
         from_doc: str = "scorecard", claims: bool = True):
    """Display the scorecard in a notebook (figures table, then every claim).

    ``chapter`` restricts it to one chapter (the chapter overview pages use this);
    ``from_doc`` is the docname of the page showing it (for relative links).
    """
    from IPython.display import HTML, display

    records = collect(directory, root, chapter=chapter)
    if chapter is not None:
        if not records:
            display(HTML("<p><em>No notebook of this chapter has run yet.</em></p>"))
            return records
    n = sum(len(r["claims"]) for r in records)
    n_fail = sum(not c.passed for r in records for c in r["claims"])
    profiles = sorted({r["profile"] for r in records})
    commits = sorted({str(r.get("git_commit")) for r in records})
    display(HTML(f"<p>{len(records)} notebooks, {sum(len(r['figures']) for r in records)} figures, "
                 f"{n} claims, <b>{n_fail} failing</b>. Profile(s): {', '.join(profiles) or '–'}; "
                 f"commit(s): {', '.join(commits) or '–'}.</p>"))
    display(HTML(figures_table_html(records, from_doc)))
    if claims:
        for rec in records:
            display(HTML(claims_table_html(
                rec["claims"], title=rec["notebook"],
                link=lambda c, d=rec["notebook"]: _page(d, from_doc) + "#claim-" + c.id)))
    return records


def text_table(records) -> str:
    """Plain-text scorecard for the terminal."""
    lines = []
    for rec in records:
        lines.append(f"== {rec['notebook']}  (profile {rec['profile']})")
        for fig in rec["figures"]:
            lines.append(f"   figure {fig.name}: {_STATUS_MARK[fig.status]} {fig.status}  <- {fig.paper_ref}")
        for c in rec["claims"]:
            from .claims import _fmt
            lines.append(f"   {'PASS' if c.passed else 'FAIL'}  {c.id:<36} m={_fmt(c.measured):>10}  {c.criterion()}")
    return "\n".join(lines)
