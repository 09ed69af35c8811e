"""Render the benchmark results (``benchmarks/results/*.json``, written by ``make bench``) as
HTML tables on the book's benchmark page.  The numbers come from the scripts in ``benchmarks/``;
each file records the machine, the date and the commit that produced it.
"""
from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path

from .claims import find_root

__all__ = ["load", "table_html", "show", "goals", "goals_html"]


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
    """HTML table of one benchmark result's ``rows`` (one column per key, in first-seen order)."""
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


def _by_name(results):
    return {r.get("name"): r for r in results}


def goals(results: list[dict]) -> list[dict]:
    """The benchmark goals of the project (issue 6) with the measured value and whether it is met,
    read from the result files (a goal whose file is missing is reported as "not run")."""
    R = _by_name(results)
    out = []

    def add(goal, measured, met):
        out.append({"goal": goal, "measured": measured,
                    "status": "not run" if met is None else ("met" if met else "NOT met")})

    g = R.get("kernels_gram")
    for d in (3, 100):
        row = next((r for r in (g or {}).get("rows", []) if r.get("d") == d), None)
        if row is None:
            add(f"NTK Gram M = 4000, d = {d}: >= 5x faster than neural-tangents", "", None)
            add(f"NTK Gram M = 4000, d = {d}: within 2x of BLAS Gram + one fused pass", "", None)
            continue
        sp, sp1 = row.get("speedup_vs_nt", math.nan), row.get("speedup_vs_nt_1core", math.nan)
        add(f"NTK Gram M = 4000, d = {d}: >= 5x faster than neural-tangents (XLA on every vCPU)",
            f"{sp:.2f}x ({row['ours_s']:.3f} s vs {row['neural_tangents_s']:.3f} s)", None if math.isnan(sp) else sp >= 5)
        add(f"NTK Gram M = 4000, d = {d}: >= 5x faster than neural-tangents pinned to one core",
            f"{sp1:.2f}x ({row['ours_s']:.3f} s vs {row.get('neural_tangents_1core_s', math.nan):.3f} s)",
            None if math.isnan(sp1) else sp1 >= 5)
        unavoidable = row.get("blas_upper_panels_s", math.nan) + row.get("write_output_s", math.nan)
        add(f"NTK Gram M = 4000, d = {d}: within 2x of BLAS Gram + one fused pass",
            f"{row['ours_over_floor']:.2f}x that floor; {row['ours_s'] / unavoidable:.2f}x the BLAS work of the "
            f"upper triangle + writing the output alone ({unavoidable:.3f} s)", row["ours_over_floor"] <= 2)
    sp = R.get("spectra")
    row = next((r for r in (sp or {}).get("rows", []) if "<= 200" in r.get("what", "")), None)
    add("Funk-Hecke eigenvalues k <= 200 in < 50 ms", f"{row['seconds'] * 1e3:.1f} ms" if row else "",
        None if row is None else row["seconds"] < 0.05)
    kg = R.get("kernels_growth")
    if kg:
        add("NTK Gram time vs M: growth exponent reported (expected 2)",
            f"M^{kg['growth_exponent']:.2f}", True)
    rb = R.get("rf_binned")
    if rb:
        big = max(rb["rows"], key=lambda r: r["M"])
        add("Paper 2: binned-mode theory vs exact modes at equal accuracy",
            f"{big['speedup']:.0f}x at M = {big['M']:.0e}, max rel. diff {big['max_rel_diff']:.1e}",
            big["speedup"] > 1 and big["max_rel_diff"] < 1e-6)
    dd = R.get("dln_dmft")
    if dd:
        r1000 = next((r for r in dd["rows"] if r["T"] == 1000), None)
        add("Paper 3: single-pass causal DMFT vs growing-window fixed point, T = 100-1000; growth vs T (expected T^3)",
            (f"{r1000['ratio']:.0f}x at T = 1000 ({r1000['fixed_point']}); " if r1000 else "")
            + "; ".join(f"{w}: T^{e}" for e, w in re.findall(r"T\^([0-9.]+) \((causal|fixed point)", dd.get("notes", ""))),
            True)
    ds = R.get("dln_simulation")
    if ds:
        big = max((r for r in ds["rows"] if "speedup" in r), key=lambda r: r["D=N=P"])
        add("Paper 3: rank-one simulator vs naive full-activation implementation",
            f"{big['speedup']:.0f}x at D = N = P = {big['D=N=P']}, curves agree to {big['max_rel_diff_train_loss']:.0e}",
            big["speedup"] > 1)
    ml = R.get("machine_limits")
    if ml:
        parts = [f"machine: dgemm {ml['dgemm_gflops']:.0f} GFlop/s, dgemv {ml['dgemv_gflops']:.1f} GFlop/s, "
                 f"copy {ml['copy_gb_per_s']:.0f} GB/s"]
        if ds:
            big = max((r for r in ds["rows"] if "speedup" in r), key=lambda r: r["D=N=P"])
            if "rank_one_gflops" in big:
                parts.append(f"DLN rank-one {big['rank_one_gflops']:.1f} GFlop/s "
                             f"({big['rank_one_gflops'] / ml['dgemv_gflops']:.0%} of dgemv), naive "
                             f"{big['naive_gflops']:.0f} GFlop/s ({big['naive_gflops'] / ml['dgemm_gflops']:.0%} of dgemm) "
                             f"at D = {big['D=N=P']}")
        grow = next((r for r in (g or {}).get("rows", []) if r.get("d") == 100), None)
        if grow:
            parts.append(f"NTK Gram {grow['entries_per_s'] / 1e6:.0f} M entries/s; its BLAS product "
                         f"{grow['blas_gflops']:.0f} GFlop/s ({grow['blas_gflops'] / ml['dgemm_gflops']:.0%} of dgemm)")
        add("Cost models read against the machine's measured limits", "; ".join(parts), True)
    else:
        add("Cost models read against the machine's measured limits", "", None)
    mu = R.get("mutation")
    goal = "Tests notice wrong formulas: >= 95 % of the one-formula mutations killed (tools/mutation.py)"
    if mu and mu.get("counted"):
        frac = mu["kill_fraction"]
        surv = [m["id"] for m in mu.get("mutations", []) if m.get("killed") is False]
        add(goal, f"{mu['killed']}/{mu['counted']} killed ({100 * frac:.1f} %)"
            + (f"; survivors: {', '.join(surv)}" if surv else "; no survivors"), frac >= 0.95)
    else:
        add(goal, "", None)
    alt = R.get("alternatives")
    goal = "Paper 3: DLN simulation faster than PyTorch autograd and JAX jit on the same trajectory (same run)"
    rows = [r for r in (alt or {}).get("rows", []) if r.get("model") == "deep linear network"
            and "time_over_ours_1_thread" in r]
    if rows:
        lo = min(min(r["time_over_ours_1_thread"], r.get("time_over_ours_all_threads", math.inf)) for r in rows)
        hi = max(max(r["time_over_ours_1_thread"], r.get("time_over_ours_all_threads", -math.inf)) for r in rows)
        add(goal, f"theirs take {lo:.0f}-{hi:.0f}x our time ({', '.join(sorted({r['size'] for r in rows}))})", lo > 1)
    else:
        add(goal, "", None)
    d = R.get("notebooks_default")
    goal = "Default-profile book <= 5 minutes on the 2-vCPU machine (sum of notebook wall times)"
    if d and d.get("rows"):
        total = sum(r["seconds"] for r in d["rows"])
        slow = sorted(d["rows"], key=lambda r: -r["seconds"])[:2]
        add(goal, f"{total / 60:.1f} min; slowest " + ", ".join(
            f"{r['notebook'].split('/', 1)[-1]} {r['seconds']:.0f} s" for r in slow),
            total <= 300 and not any(r.get("failed") or r.get("error") for r in d["rows"]))
    else:
        add(goal, "", None)
    nb = [r for r in results if str(r.get("name", "")).startswith("notebooks_")]
    add("Whole book: wall time per notebook per profile", ", ".join(sorted(r["name"] for r in nb)) or "",
        True if nb else None)
    return out


def goals_html(results: list[dict] | None = None) -> str:
    """HTML table of the benchmark goals (:func:`goals`): goal, measured value and whether it is met."""
    results = load() if results is None else results
    rows = goals(results)
    body = "".join(f"<tr><td>{html.escape(r['goal'])}</td><td>{html.escape(r['measured'])}</td>"
                   f"<td><b>{html.escape(r['status'])}</b></td></tr>" for r in rows)
    return ('<div style="overflow-x:auto"><table class="table"><thead><tr><th>goal</th><th>measured</th>'
            f"<th>status</th></tr></thead><tbody>{body}</tbody></table></div>")
