"""Check a built book: it exists, has the scorecard, and loads nothing from the internet.

Usage: python tools/check_site.py _build/html
Fails (exit 1) if any HTML page loads a script, style, font, image or frame from an
external URL, if a CSS file imports one, or if a notebook page lacks its .ipynb download.
"""
import re
import sys
from pathlib import Path

LOADING = re.compile(r"<(script|link|img|iframe|source|video|audio|embed)\b[^>]*?\b(src|href)\s*=\s*[\"']((?:https?:)?//[^\"']+)",
                     re.I)
CSS_URL = re.compile(r"(?:@import\s+|url\()\s*[\"']?((?:https?:)?//[^\"')\s]+)", re.I)


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
    pages = sorted(root.rglob("*.html"))
    for page in pages:
        text = page.read_text(encoding="utf-8", errors="replace")
        for m in LOADING.finditer(text):
            tag, url = m.group(1).lower(), m.group(3)
            if tag == "link" and re.search(r"rel\s*=\s*[\"'](canonical|alternate)", m.group(0), re.I):
                continue
            problems.append(f"{page.relative_to(root)}: <{tag}> loads {url}")
        if "Download this notebook" in text:
            href = re.search(r'class="sl-download"><a href="([^"]+)"', text).group(1)
            if not (page.parent / href).resolve().is_file():
                problems.append(f"{page.relative_to(root)}: notebook download {href} missing")
    for css in root.rglob("*.css"):
        for m in CSS_URL.finditer(css.read_text(encoding="utf-8", errors="replace")):
            problems.append(f"{css.relative_to(root)}: CSS loads {m.group(1)}")
    if problems:
        print("site check FAILED:\n  " + "\n  ".join(problems[:50]))
        return 1
    print(f"site check ok: {len(pages)} HTML pages, no external resources")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "_build/html"))
