"""The notebook machinery end to end: papermill runs, reproduce command, scorecard."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scalinglaws.book import scorecard
from scalinglaws.book.runner import discover_notebooks, run_notebook

from conftest import TEST_NOTEBOOKS


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    return {k: run_notebook(TEST_NOTEBOOKS / f"{k}.md", out, profile="fast") for k in ("good", "broken", "error")}


def test_good_notebook_passes(runs):
    r = runs["good"]
    assert r.ok, r.summary()
    assert r.record["profile"] == "fast" and r.record["params"]["n"] == 1
    assert r.executed.exists()


def test_broken_claim_fails(runs):
    r = runs["broken"]
    assert r.error is None and not r.ok
    assert [c.id for c in r.failed_claims] == ["test-broken-xi"]


def test_erroring_notebook_reports_error(runs):
    r = runs["error"]
    assert not r.ok and "ZeroDivisionError" in r.error


def test_parameters_reach_the_notebook(tmp_path):
    r = run_notebook(TEST_NOTEBOOKS / "good.md", tmp_path, profile="full")
    assert r.ok and r.record["params"]["n"] == 3


@pytest.mark.parametrize("kind,code", [("good", 0), ("broken", 1), ("error", 1)])
def test_reproduce_command_exit_code(tmp_path, kind, code):
    proc = subprocess.run([sys.executable, "-m", "scalinglaws", "reproduce", "--quiet", "--profile", "fast",
                           "--notebook", str(TEST_NOTEBOOKS / f"{kind}.md"), "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == code, proc.stdout + proc.stderr
    if kind == "broken":
        assert "FAIL  test-broken-xi" in proc.stdout


def test_reproduce_rejects_unknown_chapter(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "scalinglaws", "reproduce", "--chapter", "9", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "chapter 9" in proc.stderr


def _fake_book(tmp_path, root):
    book = tmp_path / "book"
    (book / "chapters" / "ch1-x").mkdir(parents=True)
    shutil.copy(root / "_config.yml", book)
    shutil.copy(root / "_toc.yml", book)
    for k in ("good", "broken"):
        shutil.copy(TEST_NOTEBOOKS / f"{k}.md", book / "chapters" / "ch1-x" / f"0{'12'[k == 'broken']}_{k}.md")
    return book


def test_scorecard_collects_and_detects_missing_and_stale(tmp_path, root):
    book = _fake_book(tmp_path, root)
    assert [p.name for p in discover_notebooks(book)] == ["01_good.md", "02_broken.md"]
    cdir = tmp_path / "claims"
    with pytest.raises(RuntimeError, match="no claims file"):
        scorecard.collect(cdir, book)
    for nb in discover_notebooks(book):
        # run in place (name inside the notebook must match its file name)
        text = nb.read_text().replace(f'"{nb.stem.split("_", 1)[1]}.md"', f'"{nb.name}"')
        nb.write_text(text)
        r = run_notebook(nb, tmp_path / "runs", profile="fast",
                         parameters={"claims_path": str(cdir / f"chapters__ch1-x__{nb.stem}.json")})
        assert r.error is None, r.error
    recs = scorecard.collect(cdir, book)
    assert [len(r["claims"]) for r in recs] == [1, 1]
    text = scorecard.text_table(recs)
    assert "FAIL  test-broken-xi" in text and "PASS  test-good-xi" in text
    html = scorecard.figures_table_html(recs)
    assert "1 claim(s) failing" in html and "#test-broken-fig" in html
    nb = discover_notebooks(book)[0]
    nb.write_text(nb.read_text() + "\n")
    with pytest.raises(RuntimeError, match="stale"):
        scorecard.collect(cdir, book)


def test_scorecard_chapter_filter_ignores_other_chapters(tmp_path, root):
    # a chapter overview page is built before later chapters ran: it must not need their claims
    book = _fake_book(tmp_path, root)
    (book / "chapters" / "ch2-y").mkdir()
    shutil.copy(TEST_NOTEBOOKS / "good.md", book / "chapters" / "ch2-y" / "01_good.md")
    cdir = tmp_path / "claims"
    nb = book / "chapters" / "ch2-y" / "01_good.md"
    nb.write_text(nb.read_text().replace('"good.md"', '"01_good.md"'))
    r = run_notebook(nb, tmp_path / "runs", profile="fast",
                     parameters={"claims_path": str(cdir / "chapters__ch2-y__01_good.json")})
    assert r.ok
    recs = scorecard.collect(cdir, book, chapter=2)
    assert [rec["notebook"] for rec in recs] == ["chapters/ch2-y/01_good"]
    with pytest.raises(RuntimeError, match="ch1-x"):
        scorecard.collect(cdir, book)


def test_expected_seconds_for_the_progress_estimate(tmp_path):
    from scalinglaws.book.cli import expected_seconds
    nbs = ["chapters/ch1-x/01_a.md", "chapters/ch1-x/02_b.md"]
    assert expected_seconds(tmp_path, "fast", nbs) is None            # no benchmark file yet
    res = tmp_path / "benchmarks" / "results"
    res.mkdir(parents=True)
    rows = [{"notebook": nbs[1], "seconds": 4.0}, {"notebook": nbs[0], "seconds": 1.5}]
    (res / "notebooks_fast.json").write_text(json.dumps({"rows": rows}))
    assert expected_seconds(tmp_path, "fast", nbs) == [1.5, 4.0]      # in the order asked
    assert expected_seconds(tmp_path, "fast", nbs + ["chapters/ch1-x/03_new.md"]) is None  # one unknown
    assert expected_seconds(tmp_path, "default", nbs) is None         # other profile
    (res / "notebooks_fast.json").write_text("{not json")
    assert expected_seconds(tmp_path, "fast", nbs) is None


def test_mutation_list_matches_the_library():
    # tools/mutation.py: every snippet is in its file exactly once, every mutated file compiles and
    # every mapped test file exists, so a refactor cannot silently turn mutations stale
    import importlib.util
    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("mutation_tool", root / "tools" / "mutation.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod          # dataclasses look their module up there
    spec.loader.exec_module(mod)
    assert len(mod.MUTATIONS) >= 60
    assert mod.check(mod.MUTATIONS) == []
