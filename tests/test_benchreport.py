"""The benchmark page's goal summary: read from result files, never hard-coded."""
import math

from scalinglaws.book import benchreport as B


def _gram(d, ours, nt, nt1, floor):
    return {"d": d, "M": 4000, "ours_s": ours, "neural_tangents_s": nt, "neural_tangents_1core_s": nt1,
            "speedup_vs_nt": nt / ours, "speedup_vs_nt_1core": nt1 / ours, "ours_over_floor": ours / floor,
            "blas_upper_panels_s": 0.01, "write_output_s": 0.01}


def test_goals_met_and_not_met_follow_the_measured_ratios():
    res = [{"name": "kernels_gram", "rows": [_gram(3, 0.05, 0.30, 0.40, 0.1), _gram(100, 0.1, 0.3, 0.6, 0.04)]},
           {"name": "spectra", "rows": [{"what": "Funk-Hecke NTK spectrum on S^2, degrees <= 200", "seconds": 0.06}]}]
    g = {r["goal"]: r["status"] for r in B.goals(res)}
    assert g["NTK Gram M = 4000, d = 3: >= 5x faster than neural-tangents (XLA on every vCPU)"] == "met"      # 6x
    assert g["NTK Gram M = 4000, d = 100: >= 5x faster than neural-tangents (XLA on every vCPU)"] == "NOT met"  # 3x
    assert g["NTK Gram M = 4000, d = 100: >= 5x faster than neural-tangents pinned to one core"] == "met"     # 6x
    assert g["NTK Gram M = 4000, d = 100: within 2x of BLAS Gram + one fused pass"] == "NOT met"             # 2.5x
    assert g["Funk-Hecke eigenvalues k <= 200 in < 50 ms"] == "NOT met"                                    # 60 ms
    assert g["Whole book: wall time per notebook per profile"] == "not run"


def test_goals_without_results_are_not_run_and_nan_is_not_met():
    assert all(r["status"] == "not run" for r in B.goals([]))
    row = _gram(3, 0.05, math.nan, math.nan, 0.1)
    g = B.goals([{"name": "kernels_gram", "rows": [row]}])
    assert [r["status"] for r in g if "d = 3" in r["goal"] and "neural-tangents" in r["goal"]] == ["not run", "not run"]


def test_table_html_escapes_and_formats():
    h = B.table_html({"name": "x", "title": "<t>", "rows": [{"a": 1.23456, "b": "<b>", "c": math.nan}]})
    assert "&lt;t&gt;" in h and "&lt;b&gt;" in h and "1.23" in h and "n/a" in h and "<b>" not in h.replace("<b>No", "")


def test_mutation_goal_reads_the_kill_fraction():
    goal = "Tests notice wrong formulas: >= 95 % of the one-formula mutations killed (tools/mutation.py)"
    muts = [{"id": f"m{i}", "killed": i != 0} for i in range(20)] + [{"id": "stale", "killed": None}]
    g = {r["goal"]: r for r in B.goals([{"name": "mutation", "counted": 20, "killed": 19, "kill_fraction": 0.95,
                                          "mutations": muts}])}
    assert g[goal]["status"] == "met" and "19/20" in g[goal]["measured"] and "survivors: m0" in g[goal]["measured"]
    g = {r["goal"]: r for r in B.goals([{"name": "mutation", "counted": 20, "killed": 18, "kill_fraction": 0.9}])}
    assert g[goal]["status"] == "NOT met"


def test_default_book_goal_sums_the_notebooks_and_fails_on_a_failed_notebook():
    goal = "Default-profile book <= 5 minutes on the 2-vCPU machine (sum of notebook wall times)"
    rows = [{"notebook": "chapters/a/x.md", "seconds": 200.0, "failed": 0, "error": ""},
            {"notebook": "chapters/b/y.md", "seconds": 90.0, "failed": 0, "error": ""}]
    g = {r["goal"]: r for r in B.goals([{"name": "notebooks_default", "rows": rows}])}
    assert g[goal]["status"] == "met" and g[goal]["measured"].startswith("4.8 min")     # 290 s
    rows[1]["seconds"] = 101.0                                                           # 301 s
    assert {r["goal"]: r for r in B.goals([{"name": "notebooks_default", "rows": rows}])}[goal]["status"] == "NOT met"
    rows[1].update(seconds=10.0, failed=1)
    assert {r["goal"]: r for r in B.goals([{"name": "notebooks_default", "rows": rows}])}[goal]["status"] == "NOT met"


def test_alternatives_goal_reads_the_slowest_and_fastest_ratio():
    goal = "Paper 3: DLN simulation faster than PyTorch autograd and JAX jit on the same trajectory (same run)"
    rows = [{"model": "deep linear network", "size": "D = 200", "time_over_ours_1_thread": 12.4,
             "time_over_ours_all_threads": 8.6},
            {"model": "deep linear network", "size": "D = 400", "time_over_ours_1_thread": 0.8},
            {"model": "random features", "size": "M = 9", "time_over_ours_1_thread": 0.1},
            {"model": "deep linear network", "size": "D = 200", "status": "not run: .venv-nt missing"}]
    g = {r["goal"]: r for r in B.goals([{"name": "alternatives", "rows": rows}])}
    assert g[goal]["status"] == "NOT met" and g[goal]["measured"].startswith("theirs take 1-12x")
    del rows[1]
    g = {r["goal"]: r for r in B.goals([{"name": "alternatives", "rows": rows}])}
    assert g[goal]["status"] == "met" and "9-12x" in g[goal]["measured"]
