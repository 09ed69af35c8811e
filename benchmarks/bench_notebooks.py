"""Wall time of every chapter notebook per profile (issue 6: execution statistics).

Run: ``.venv/bin/python benchmarks/bench_notebooks.py [fast] [default] [full]`` (``make bench``
runs ``fast`` and ``default``).  Each profile is one ``python -m scalinglaws reproduce`` run in a
fresh process (numba's on-disk cache warm, as in CI's second pass); its ``timings.json`` becomes
``benchmarks/results/notebooks_<profile>.json``.
"""
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import write  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    for profile in sys.argv[1:] or ["fast"]:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            r = subprocess.run([sys.executable, "-m", "scalinglaws", "reproduce", "--profile", profile,
                                "--out", tmp, "--quiet"], cwd=ROOT)
            total = time.perf_counter() - t0
            rec = json.loads((Path(tmp) / "timings.json").read_text())
        rows = [{"notebook": n["notebook"], "seconds": n["seconds"], "claims": n["claims"],
                 "failed": n["failed_claims"], "error": n["error"] or ""} for n in rec["notebooks"]]
        by_ch = {}
        for n in rows:
            ch = n["notebook"].split("/")[1]
            by_ch[ch] = by_ch.get(ch, 0.0) + n["seconds"]
        write(f"notebooks_{profile}", f"Notebook wall times, profile '{profile}'", rows,
              notes="per chapter: " + ", ".join(f"{k} {v:.0f} s" for k, v in by_ch.items())
                    + f"; whole run {total:.0f} s including kernel start-up (exit code {r.returncode})")
