"""Screenshots of every page of a built book, to look at before a change lands.

    python tools/screenshots.py [_build/html] [--out _build/screenshots] [--only SUBSTRING]

Headless Chromium (Debian package ``chromium``) renders each HTML page 1280 px wide; the PNG is
trimmed below the page's last non-blank row and, if taller than 1700 px, also saved in parts
(``<page>.partN.png``) that an image viewer shows at full resolution.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

WIDTH, TALL, PART = 1280, 16000, 1700


def _trim(png: Path) -> list[Path]:
    from PIL import Image

    im = Image.open(png).convert("RGB")
    # the page's end: the first run of GAP blank rows in the content column (the sidebars' borders
    # run the full window height and the theme pins its footer to the window's bottom, so neither
    # marks the end of the content)
    import numpy as np

    a = np.asarray(im.crop((im.width // 4, 0, im.width, im.height)), dtype=np.int16)
    blank = (np.abs(a - 255).max(axis=(1, 2)) < 8)   # the theme's white page
    GAP = 500
    run = 0
    for y, b in enumerate(blank):
        run = run + 1 if b else 0
        if run >= GAP:
            im = im.crop((0, 0, im.width, y - GAP + 60))
            break
    else:
        print(f"  {png.name}: longer than {TALL} px, shot truncated there")
    im.save(png)
    parts = []
    if im.height > PART:
        for i, top in enumerate(range(0, im.height, PART)):
            part = png.with_suffix(f".part{i + 1}.png")
            im.crop((0, top, im.width, min(im.height, top + PART))).save(part)
            parts.append(part)
    return parts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("html", nargs="?", default="_build/html")
    ap.add_argument("--out", default="_build/screenshots")
    ap.add_argument("--only", default="", help="only pages whose path contains this")
    args = ap.parse_args(argv)
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        print("chromium not found: install the Debian package `chromium`", file=sys.stderr)
        return 2
    root, out = Path(args.html).resolve(), Path(args.out)
    if not (root / "index.html").is_file():
        print(f"no built book in {root}: run `make book` first", file=sys.stderr)
        return 2
    pages = [p for p in sorted(root.rglob("*.html")) if "_static" not in p.parts
             and p.name not in ("search.html", "genindex.html") and args.only in p.as_posix()]
    for page in pages:
        rel = page.relative_to(root).with_suffix("")
        png = out / (rel.as_posix().replace("/", "__") + ".png")
        png.parent.mkdir(parents=True, exist_ok=True)
        for old in png.parent.glob(png.stem + ".part*.png"):
            old.unlink()
        subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
                        "--virtual-time-budget=8000", f"--window-size={WIDTH},{TALL}", f"--screenshot={png}",
                        page.as_uri()], capture_output=True, timeout=180, check=False)
        if not png.is_file():
            print(f"FAILED {rel}", file=sys.stderr)
            return 1
        parts = _trim(png)
        print(f"{png}" + (f" ({len(parts)} parts)" if parts else ""))
    print(f"{len(pages)} pages -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
