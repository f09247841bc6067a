"""nn-backends bench: it runs, prints its tables, writes JSON and a plot, compares with a saved run,
and works without numba or torch. (Speed itself is measured in bench/, never asserted here.)"""

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest

from backends.benchmarking import cases as bench_cases
from backends.benchmarking.plots import fitted_slope
from backends.benchmarking.timing import COMPILED_KERNELS
from backends.cli import main
from backends.validation import to_numpy


def run_bench(tmp_path, *extra):
    arguments = ["bench", "--operations", "dense_forward", "training_step", "--budget", "0.002",
                 "--python-limit", "0.05", "--max-size", "300", "--json", str(tmp_path / "run.json"), "--plot", str(tmp_path / "run.png"),
                 "--quiet", *extra]
    return main(arguments)


@pytest.fixture
def quick_run(once_per_run):
    """One quick run, read by the tests below: (its output, its folder). A run measures the machine's
    limits and starts three processes for the start-up figures, so the tests share it (once per test
    run, whichever workers they land on)."""
    def bench(folder):
        shown = io.StringIO()
        with contextlib.redirect_stdout(shown):
            assert run_bench(folder) == 0
        return [shown.getvalue(), str(folder)]
    shown, folder = once_per_run("bench-quick-run", bench)
    return shown, Path(folder)


def test_bench_prints_tables_and_writes_json_and_plot(quick_run):
    shown, tmp_path = quick_run
    assert "thread settings: cpus=" in shown and "blas_threads=" in shown
    assert "== dense_forward" in shown and "== training_step" in shown
    assert "median   ± spread  GFLOP/s of peak        vs python [95%]    of BLAS [95%]" in shown
    assert "machine limits (measured): clock" in shown and "peak float64:" in shown
    assert "== summary: how much faster, at what" in shown
    assert shown.startswith("nn-backends bench: the quick run, 8 of ")
    assert "nn-backends bench --full times all" in shown and "bench wall time: " in shown.splitlines()[-1]
    document = json.loads((tmp_path / "run.json").read_text())
    measured = {(r["operation"], r["label"], r["dtype"], r["contender"]) for r in document["results"] if "median" in r}
    book = next(case for case in bench_cases.all_cases() if case.operation == "dense_forward" and case.sizes == (3, 4, 3))
    for contender in filter(book.applies_to, bench_cases.contenders()):  # a headline row: every contender
        assert ("dense_forward", "3x4x3", "float64", contender) in measured
    # a row of speed targets and summary ratios only: the contenders they compare
    assert {r[3] for r in measured if r[:3] == ("dense_forward", "32x64x64", "float64")} == {"numba", "numpy"}
    assert ("training_step", "300x2x64x3", "float64", "python") in measured
    assert (tmp_path / "run.png").read_bytes()[:4] == b"\x89PNG"
    assert set(document) == {"settings", "limits", "summary", "results"}
    assert document["limits"]["peak"]["float64"]["one_core"] > 0 and document["limits"]["bandwidth"]["all_cores"] > 0
    timed = [r for r in document["results"] if r["operation"] == "dense_forward" and "median" in r]
    rounds = {len(r["samples"]) for r in timed}
    assert len(rounds) == 1 and rounds.pop() >= 5  # every contender of every case in the same rounds
    assert all(r["low"] <= r["median"] <= r["high"] for r in timed)
    assert {(row["contender"], row["other"]) for row in document["summary"]} >= {("numba", "numpy")}
    startup = {r["label"] for r in document["results"] if r["operation"] == "startup"}
    assert startup == ({"import_backends", "first_numba_call_warm_cache"} if "numba" in bench_cases.contenders()
                       else set())


def test_bench_compares_with_a_saved_run(quick_run, tmp_path, monkeypatch, capsys):
    from backends.cli import bench as bench_command
    monkeypatch.setattr(bench_command, "startup_seconds", lambda: {})  # quick_run times the start-up
    (tmp_path / "old.json").write_text((quick_run[1] / "run.json").read_text())
    assert run_bench(tmp_path, "--compare", str(tmp_path / "old.json")) == 0
    shown = capsys.readouterr().out
    assert "== change against the saved run" in shown
    rows = [line for line in shown.splitlines() if line.lstrip().startswith("dense_forward") and "3x4x3" in line]
    assert rows and all(line.endswith(("faster", "slower", "within noise")) for line in rows)
    assert "warning: the runs come from different" not in shown


def test_the_quick_run_says_when_it_has_no_case_of_an_operation_and_full_times_it(tmp_path, monkeypatch, capsys):
    from backends.cli import bench as bench_command
    monkeypatch.setattr(bench_command, "startup_seconds", lambda: {})  # quick_run times the start-up
    arguments = ["bench", "--operations", "softmax_cross_entropy", "--max-size", "3",
                 "--json", str(tmp_path / "r.json"), "--plot", str(tmp_path / "r.png"), "--budget", "0.002", "--quiet"]
    assert main(arguments) == 2
    assert capsys.readouterr().err == ("nn-backends bench: error: bench: the quick run has no case of "
                                       "softmax_cross_entropy (--full times every case); "
                                       "got --operations=softmax_cross_entropy\n")
    assert main([*arguments, "--full"]) == 0
    shown = capsys.readouterr().out
    assert "nn-backends bench: every case, 2 of " in shown and "== softmax_cross_entropy" in shown
    assert "skipped: the python backend computes in float64 only" in shown
    assert "--full times all" not in shown
    compiled = {r["label"] for r in json.loads((tmp_path / "r.json").read_text())["results"]
                if r["operation"] == "numba_compile"}
    assert compiled == (set(COMPILED_KERNELS) if "numba" in bench_cases.contenders() else set())


def test_the_pytest_benchmark_suite_says_which_extra_it_needs(tmp_path, monkeypatch, capsys):
    from backends.cli import bench as bench_command
    real = bench_command.importlib.util.find_spec
    monkeypatch.setattr(bench_command.importlib.util, "find_spec",
                        lambda name: None if name == "pytest_benchmark" else real(name))
    assert main(["bench", "--pytest-benchmark", "--json", str(tmp_path / "r.json")]) == 2
    assert capsys.readouterr().err == ("nn-backends bench --pytest-benchmark: the suite needs pytest_benchmark, not "
                                       "installed here; install the test extra: pip install -e '.[test]'\n")


def test_compare_with_a_file_that_is_not_a_run(tmp_path, capsys):
    (tmp_path / "other.json").write_text('{"benchmarks": []}')
    assert run_bench(tmp_path, "--compare", str(tmp_path / "other.json")) == 2
    assert "bench --compare: not a results file of nn-backends bench" in capsys.readouterr().err


def test_bench_works_without_numba_and_torch(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(bench_cases, "available_backends", lambda: ["python", "numpy"])
    monkeypatch.setattr(bench_cases.importlib.util, "find_spec", lambda name: None)
    assert bench_cases.contenders() == ["python", "numpy", "blas"]
    assert run_bench(tmp_path, "--operations", "dense_forward", "--max-size", "16") == 0
    contenders = {r["contender"] for r in json.loads((tmp_path / "run.json").read_text())["results"]}
    assert contenders == {"python", "numpy", "blas"}
    assert "(pip install -e '.[torch]' adds the PyTorch peer)" in capsys.readouterr().out


#: operations whose every contender computes the same arrays from the same inputs
DETERMINISTIC = ("matmul", "dense_forward", "dense_backward", "softmax_cross_entropy")


def as_arrays(result) -> list:
    """A benchmark call's result (a native array, a tensor, a float, or a tuple of them) as ndarrays."""
    parts = result if isinstance(result, tuple) else (result,)
    return [np.asarray(p.detach() if hasattr(p, "detach") else to_numpy(p) if hasattr(p, "shape") or
                       isinstance(p, list) else p, dtype=np.float64) for p in parts]


def test_every_case_runs_on_every_contender_or_says_why():
    """Every contender computes what the raw NumPy call ("blas") computes, or says why it cannot run."""
    for case in bench_cases.all_cases():
        if case.sizes[0] > 300 or max(case.sizes) > 784:
            continue
        expected = as_arrays(case.callable_for("blas")()) if case.operation in DETERMINISTIC else None
        for contender in filter(case.applies_to, bench_cases.contenders()):
            try:
                call = case.callable_for(contender, python_limit=1e-4)
            except bench_cases.Unsupported as reason:
                assert str(reason)
                continue
            result = call()
            if expected is None and contender in bench_cases.PEERS:
                continue
            if expected is None:  # a training step or fit of the project's Model: its loss
                history = result if isinstance(result, dict) else {"loss": [result[-1] if isinstance(result, tuple) else result]}
                assert np.isfinite(np.asarray(history["loss"], dtype=np.float64)).all(), (case, contender)
                continue
            for actual, wanted in zip(as_arrays(result), expected, strict=True):
                tolerance = 1e-10 if case.dtype == "float64" else 1e-4
                np.testing.assert_allclose(actual, wanted, rtol=tolerance, atol=tolerance * np.abs(wanted).max(),
                                           err_msg=f"{case.group} on {contender}")


def test_fitted_slope_reads_the_power_law():
    sizes = [16, 64, 256, 1024]
    assert fitted_slope(sizes, [3e-9 * n**3 for n in sizes]) == pytest.approx(3.0)
    assert fitted_slope(sizes, [1e-6 + 0 * n for n in sizes]) == pytest.approx(0.0, abs=1e-9)


def test_the_quick_run_times_the_contenders_a_case_is_marked_for_and_every_one_asked_for():
    from backends.cli.bench import chosen_cases, compared
    every = ["python", "numpy", "numba", "blas", "torch", "plugin"]
    by_key = {case.key: case for case in chosen_cases()}
    headline = by_key[("dense_forward", (3, 4, 3), "float64", "")]
    assert compared(headline, every) == every
    target_only = by_key[("matmul", (256, 256, 256), "float64", "")]  # numba ≥ 0.85× BLAS
    assert compared(target_only, every) == ["numba", "blas"]
    assert compared(target_only, every, asked=["plugin"]) == ["numba", "blas", "plugin"]
