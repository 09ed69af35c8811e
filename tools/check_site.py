"""Check a built book before anyone reads it.

Usage: python tools/check_site.py _build/html   (run by `make book` and `make test`)

Fails (exit 1, listing each problem) if
* a page loads a script, style, font, image or frame from an external URL, or a CSS file imports one;
* the scorecard, the intro or its offline MathJax is missing;
* a page refers to material outside the book: a "notes NN" / "§" style reference;
* a page shows a stderr output or a warning (``...Warning:``) in a cell output;
* a page or a downloadable notebook shows a build-machine path (the repository's absolute path,
  a home or temporary folder, a site-packages path);
* a chapter page (``chapters/ch*/``) has no claims table;
* a notebook page lacks its ``.ipynb`` download, or the download has no outputs (not executed).
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOADING = re.compile(r"<(script|link|img|iframe|source|video|audio|embed)\b[^>]*?\b(src|href)\s*=\s*[\"']((?:https?:)?//[^\"']+)",
                     re.I)
CSS_URL = re.compile(r"(?:@import\s+|url\()\s*[\"']?((?:https?:)?//[^\"')\s]+)", re.I)
# references to working material outside the book: "notes 02", "notes 03 §2.4", "notes §4.4",
# "the notes' values", "developers' note" (a paper's own sections, e.g. "VY2021 §3", are fine)
NOTES_REF = re.compile(r"\bnotes?\s*(?:0?\d\b|§)|\bnotes['’]\s|\bdevelopers['’]\s+(?:\w+\s+)?notes?\b", re.I)
WARNING_TEXT = re.compile(r"\b\w*Warning: ")
MACHINE_PATH = re.compile("|".join([re.escape(str(ROOT)), r"/home/\w", r"/Users/\w", r"/tmp/\w", r"/root/\w",
                                    r"site-packages/", r"[A-Z]:\\\\Users"]))
OUTPUT_BLOCK = re.compile(r'<div class="cell_output docutils container">(.*?)</div>\s*</div>\s*</div>', re.S)
STDERR = re.compile(r'class="output stderr')
CLAIMS_TABLE = re.compile(r"<table class=['\"]sl-claims[ '\"]")


def _visible(html_text: str) -> str:
    """Page text without scripts, styles and tags (what a reader sees)."""
    t = re.sub(r"<(script|style)\b.*?</\1>", " ", html_text, flags=re.S | re.I)
    t = re.sub(r"<[^>]+>", " ", t)
    return t


def check_notebook(path: Path) -> list[str]:
    """Problems of one downloadable executed notebook."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"unreadable ({exc})"]
    code = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    problems = []
    if code and not any(c.get("outputs") for c in code):
        problems.append("has no outputs (not the executed notebook)")
    if code and any(c.get("execution_count") is None and c.get("source") for c in code):
        problems.append("has code cells that were not executed")
    for c in code:
        for o in c.get("outputs", []):
            if o.get("output_type") == "stream" and o.get("name") == "stderr":
                problems.append("has a stderr output")
            text = json.dumps(o.get("text", "")) + json.dumps(o.get("data", {}).get("text/plain", ""))
            m = MACHINE_PATH.search(text.replace("\\\\", "\\"))   # JSON-escaped backslashes undone
            if m:
                problems.append(f"shows a build-machine path: {m.group(0)!r}")
    return sorted(set(problems))


def main(html_dir: str) -> int:
    root = Path(html_dir)
    problems = []
    for required in ("index.html", "intro.html", "scorecard.html"):
        if not (root / required).is_file():
            problems.append(f"missing {required}")
    intro = root / "intro.html"
    if intro.is_file():
        text = intro.read_text(encoding="utf-8")
        m = re.search(r'<script[^>]*src="(_static/mathjax/[^"?]+)', text)
        if not m or not (root / m.group(1)).is_file():
            problems.append("intro.html does not load MathJax from _static (sphinx-mathjax-offline missing?)")
        if "\\(" not in text and "\\[" not in text and "math notranslate" not in text:
            problems.append("intro.html has no math to render (expected the xi = kappa/nu display)")
    pages = sorted(p for p in root.rglob("*.html") if "_static" not in p.parts)
    for page in pages:
        rel = page.relative_to(root).as_posix()
        text = page.read_text(encoding="utf-8", errors="replace")
        for m in LOADING.finditer(text):
            tag, url = m.group(1).lower(), m.group(3)
            if tag == "link" and re.search(r"rel\s*=\s*[\"'](canonical|alternate)", m.group(0), re.I):
                continue
            problems.append(f"{rel}: <{tag}> loads {url}")
        if rel in ("search.html", "genindex.html"):
            continue
        visible = _visible(text)
        refs = list(NOTES_REF.finditer(visible))
        if refs:
            m = refs[0]
            problems.append(f"{rel}: {len(refs)} references to material outside the book, first: "
                            f"{visible[max(0, m.start() - 30):m.end() + 20].strip()!r}")
        if STDERR.search(text):
            problems.append(f"{rel}: a cell output is on stderr")
        found = set()
        for block in OUTPUT_BLOCK.findall(text):
            shown = _visible(block)
            if WARNING_TEXT.search(shown):
                found.add(f"{rel}: a cell output shows a warning: {WARNING_TEXT.search(shown).group(0)!r}")
            if MACHINE_PATH.search(shown):
                found.add(f"{rel}: a cell output shows a build-machine path {MACHINE_PATH.search(shown).group(0)!r}")
        problems += sorted(found)
        if re.match(r"chapters/ch\d+-[^/]+/[^/]+\.html$", rel) and not CLAIMS_TABLE.search(text):
            problems.append(f"{rel}: chapter page without its claims table")
        if "Download this notebook" in text:
            href = re.search(r'class="sl-download"><a href="([^"]+)"', text).group(1)
            target = (page.parent / href).resolve()
            if not target.is_file():
                problems.append(f"{rel}: notebook download {href} missing")
            else:
                problems += [f"{rel}: download {href} {p}" for p in check_notebook(target)]
        elif re.match(r"chapters/ch\d+-[^/]+/\d\d_[^/]+\.html$", rel):
            problems.append(f"{rel}: notebook page without its .ipynb download")
    for css in root.rglob("*.css"):
        for m in CSS_URL.finditer(css.read_text(encoding="utf-8", errors="replace")):
            problems.append(f"{css.relative_to(root)}: CSS loads {m.group(1)}")
    if problems:
        print(f"site check FAILED ({len(problems)} problems):\n  " + "\n  ".join(problems[:80]))
        return 1
    print(f"site check ok: {len(pages)} HTML pages: no external resources, no outside references, "
          "no stderr/warning/machine-path outputs, every chapter page with its claims and executed download")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "_build/html"))
