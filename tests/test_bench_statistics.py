"""The bench's statistics: interleaved rounds, ratios with intervals, the comparison of two runs,
the closing summary, and the machine's limits. The clock is faked where a test needs to know what
the machine did, so nothing here depends on this machine's speed."""

import subprocess
import sys

import numpy as np
import pytest

from backends.benchmarking import compare, machine_limits, rounds, summary
from backends.benchmarking.report import ratio_of, ratio_text, tables
from backends.benchmarking.workloads import Ratio


class FakeClock:
    """perf_counter for `rounds`: each call of a fake contender advances it by cost x the drift now."""

    def __init__(self, drift):
        self.now, self.drift = 0.0, drift

    def perf_counter(self):
        return self.now

    def contender(self, cost, log=None, name=None):
        def call():
            self.now += cost * self.drift(self.now)
            if log is not None:
                log.append(name)
        return call


def test_rounds_interleave_every_contender_in_a_rotating_order(monkeypatch):
    clock, order = FakeClock(lambda now: 1.0), []
    monkeypatch.setattr(rounds.time, "perf_counter", clock.perf_counter)
    calls = {name: clock.contender(1e-3, order, name) for name in ("a", "b", "c")}
    pauses, warmed = [], []
    timed = rounds.interleaved(calls, budget=0.03, rounds=3, pause=lambda: pauses.append(len(order)),
                               warm=lambda call: warmed.append(len(order)))
    assert {len(t["samples"]) for t in timed.values()} == {3}
    assert all(t["number"] == 10 for t in timed.values())  # budget/rounds = 10 ms of 1 ms calls
    timed_part = order[6:]  # after each contender's warming and calibrating call
    turns = [timed_part[i] for i in range(0, len(timed_part), 10)]
    assert turns == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]
    assert len(pauses) == 3 + 9  # before each calibration and before every turn
    assert warmed == pauses[3:]  # every turn warmed after its pause, untimed


def test_a_drift_of_the_machine_hits_every_contender_of_a_round_alike(monkeypatch):
    # the machine slows down threefold halfway through: timed in blocks, one contender would take
    # all of it; in interleaved rounds the per-round ratio stays 2, with a tight interval
    clock = FakeClock(lambda now: 1.0 if now < 0.05 else 3.0)
    monkeypatch.setattr(rounds.time, "perf_counter", clock.perf_counter)
    timed = rounds.interleaved({"slow": clock.contender(2e-3), "fast": clock.contender(1e-3)}, budget=0.05,
                               rounds=7, pause=lambda: None, warm=lambda call: None)
    assert max(timed["slow"]["samples"]) / min(timed["slow"]["samples"]) > 2  # the drift is in the samples
    ratio, low, high = rounds.paired_ratio(timed["slow"]["samples"], timed["fast"]["samples"])
    assert ratio == pytest.approx(2.0, rel=0.05) and low <= ratio <= high and high - low < 0.5


def test_paired_ratio_is_the_median_of_per_round_ratios_with_an_interval_around_it():
    slower = [2.0, 2.2, 1.8, 2.1, 9.0, 2.0, 1.9]  # one round the machine stalled on both
    faster = [1.0, 1.1, 0.9, 1.0, 4.5, 1.0, 1.0]
    ratio, low, high = rounds.paired_ratio(slower, faster)
    assert ratio == pytest.approx(2.0) and low <= 2.0 <= high
    with pytest.raises(ValueError, match="paired_ratio: the two contenders need the same rounds; got 7 and 2"):
        rounds.paired_ratio(slower, faster[:2])


def test_the_interval_holds_the_median_and_narrows_with_less_noise():
    rng = np.random.default_rng(1)
    noisy, quiet = 1 + 0.3 * rng.random(15), 1 + 0.01 * rng.random(15)
    for samples in (noisy, quiet):
        low, high = rounds.interval(samples)
        assert low <= np.median(samples) <= high
    assert np.subtract(*rounds.interval(quiet)[::-1]) < np.subtract(*rounds.interval(noisy)[::-1]) / 10


class FakeTimes:
    """time.perf_counter, time.process_time and time.sleep for `rounds`, on a clock that only moves
    when told: `busy_cores` of CPU time accrue while asleep until wall time `spin_until`."""

    def __init__(self, monkeypatch, spin_until=0.0, busy_cores=1.5):
        self.wall = self.cpu = 0.0
        self.spin_until, self.busy_cores = spin_until, busy_cores
        monkeypatch.setattr(rounds.time, "perf_counter", lambda: self.wall)
        monkeypatch.setattr(rounds.time, "process_time", lambda: self.cpu)
        monkeypatch.setattr(rounds.time, "sleep", self.sleep)

    def sleep(self, seconds):
        self.cpu += seconds * (self.busy_cores if self.wall < self.spin_until else 0.0)
        self.wall += seconds


def test_warm_up_calls_for_its_time_and_at_least_once(monkeypatch):
    times, calls = FakeTimes(monkeypatch), []

    def call():
        calls.append(times.wall)
        times.wall += 0.001
    rounds.warm_up(call, seconds=0.0)
    assert len(calls) == 1
    rounds.warm_up(call, seconds=0.005)
    assert len(calls) == 1 + 5


def test_settle_waits_while_this_process_spins_and_not_longer(monkeypatch):
    times = FakeTimes(monkeypatch)
    assert rounds.settle(longest=0.3, poll=0.005) == pytest.approx(0.005)  # nothing spins: one poll
    times.wall, times.spin_until = 0.0, 0.08  # a pool on 1.5 cores for 80 ms
    assert 0.08 <= rounds.settle(longest=0.3, poll=0.005) <= 0.09
    times.wall, times.spin_until = 0.0, 10.0
    assert rounds.settle(longest=0.3, poll=0.005) == pytest.approx(0.3, abs=0.006)  # gives up at the limit


def row(contender, samples, operation="dense_forward", label="64x64x64", dtype="float64", flops=5e5):
    samples = list(samples)
    return {"operation": operation, "sizes": [64, 64, 64], "label": label, "dtype": dtype, "contender": contender,
            "flops": flops} | rounds.summary(samples)


def test_a_table_shows_each_ratio_with_its_interval_and_the_fraction_of_peak():
    results = [row("python", [10e-3, 11e-3, 10e-3, 9e-3, 10e-3]), row("numba", [10e-6, 11e-6, 10e-6, 9e-6, 10e-6]),
               row("blas", [20e-6, 22e-6, 20e-6, 18e-6, 20e-6])]
    limits = {"peak": {"float64": {"one_core": 100.0, "all_cores": 200.0}}}
    shown = tables(results, limits=limits, settings={"numba_threads": 2})
    lines = {line.split()[2]: line for line in shown.splitlines() if line.strip().startswith("64x64x64")}
    numba_line = lines["numba"]
    assert "1e+03x [1e+03–1e+03]" in numba_line and "200% [200%–200%]" in numba_line
    assert " 25% " in numba_line  # 50 GFLOP/s of the 2-thread peak of 200
    python_line = lines["python"]
    assert " 0% " in python_line and python_line.split()[-3:] == ["1x", "0%", "[0%–0%]"]


def test_a_run_from_before_the_rounds_shows_ratios_without_an_interval():
    old_style = [{"operation": "dense_forward", "label": "8", "dtype": "float64", "contender": c, "median": m}
                 for c, m in (("numpy", 2.0), ("numba", 1.0))]
    assert ratio_of(old_style[0], old_style[1]) == (2.0, None, None)
    assert ratio_text((2.0, None, None)) == "2x" and ratio_text((0.5, None, None), percent=True) == "50%"


def test_compare_says_faster_slower_or_within_noise_from_both_runs_intervals():
    old = {"settings": {"cpu_model": "A"}, "results": [row("numba", [1.0, 1.02, 0.98, 1.01, 0.99]),
                                                       row("numpy", [1.0, 1.02, 0.98, 1.01, 0.99]),
                                                       row("blas", [1.0, 1.02, 0.98, 1.01, 0.99])]}
    new = [row("numba", [0.50, 0.51, 0.49, 0.5, 0.5]), row("numpy", [2.0, 2.02, 1.98, 2.0, 2.01]),
           row("blas", [1.01, 0.99, 1.0, 1.03, 0.98])]
    shown = compare.comparison(old, new, {"cpu_model": "A"})
    verdicts = {line.split()[3]: line.rsplit("  ", 1)[1] for line in shown.splitlines() if "dense_forward" in line}
    assert verdicts == {"numba": "faster", "numpy": "slower", "blas": "within noise"}
    assert "warning" not in shown and "in all: 1 faster, 1 slower, 1 within noise" in shown


def test_compare_warns_when_the_runs_come_from_different_machines_and_judges_no_old_run_without_samples():
    old = {"settings": {"cpu_model": "Intel X", "numba_isa": "avx512", "numba_threads": 2},
           "results": [{"operation": "dense_forward", "label": "64x64x64", "dtype": "float64", "contender": "numba",
                        "median": 1.0}]}
    shown = compare.comparison(old, [row("numba", [0.5] * 5)], {"cpu_model": "AMD Y", "numba_isa": "avx2",
                                                                  "numba_threads": 2})
    assert "warning: the runs come from different CPU: saved run 'Intel X', this run 'AMD Y'" in shown
    assert "different ISA Numba compiled for" in shown and "different Numba threads" not in shown
    assert shown.rstrip().endswith("1 no samples in the saved run")


def test_the_summary_says_faster_slower_or_within_noise_in_words():
    faster = Ratio("numba", "python", "a layer")
    assert summary.sentence(faster, (12.0, 11.0, 13.0)) == ("On a layer, the numba backend ran 12x as fast as pure "
                                                            "Python (95% interval 11–13x).")
    assert summary.sentence(faster, (0.5, 0.4, 0.6)) == ("On a layer, the numba backend took 2x the time of pure "
                                                         "Python (95% interval 1.67–2.5x).")
    assert "within noise of each other" in summary.sentence(faster, (1.02, 0.9, 1.1))
    results = [row("numba", [1e-6] * 5, label="100x100x100"), row("python", [1e-3] * 5, label="100x100x100")]
    measured = summary.measured(results)
    assert [(r["contender"], r["other"]) for r in measured] == [("numba", "python")]  # numpy not run: left out
    assert measured[0]["ratio"] == pytest.approx(1000)
    table = summary.side_by_side([{"summary": measured}, {"summary": [dict(measured[0], ratio=1100.0)]},
                                  {"summary": [dict(measured[0], ratio=900.0)]}], ["run 1", "run 2", "run 3"])
    assert "| 1e+03 | 10% |" in table


def test_the_fma_kernel_is_vectors_of_the_targets_width_with_one_fused_multiply_add_per_chain():
    ir = machine_limits._fma_chains_ir("double", 8, 24)
    assert ir.count("call <8 x double> @llvm.fmuladd.v8f64") == 24
    kernel, flops_per_turn, lanes = machine_limits._fma_kernel("float64")
    chains = flops_per_turn // (2 * lanes)
    assert chains in (12, 24)
    # each chain is c <- c*x + y from c = y, n times: c = x**n * y + y * (1 - x**n) / (1 - x); returned summed
    x, y, n = 0.5, 0.25, 10
    assert kernel(n, x, y) == pytest.approx(chains * (x ** n * y + y * (1 - x ** n) / (1 - x)), rel=1e-12)


ISA_PROBE = """
import re, llvmlite.binding as llvm
from backends.benchmarking import machine_limits as m
from backends.numba_kernels.target import compile_target, vector_isa
llvm.initialize_native_target(); llvm.initialize_native_asmprinter()
cpu, features = compile_target()
machine = llvm.Target.from_default_triple().create_target_machine(cpu=cpu, features=features, opt=3)
isa = vector_isa()
lanes, chains = isa.lanes(8), 24 if isa.registers >= 32 else 12
assembly = machine.emit_assembly(llvm.parse_assembly(m._fma_chains_ir("double", lanes, chains)))
loop = assembly.split(".LBB0_1:")[1].split("jb\\t")[0] if ".LBB0_1:" in assembly else assembly
print(isa.name, len(re.findall(r"vfmadd\\w+pd\\s", loop)), len(re.findall(r"\\bmulpd\\s", loop)),
      sorted(set(re.findall(r"%([xyz])mm", loop))), len(re.findall(r"\\(%rsp", loop)))
"""


@pytest.mark.skipif(not machine_limits.reported_clock_ghz() or sys.platform != "linux" or
                    not __import__("platform").machine().lower() in ("x86_64", "amd64"),
                    reason="the ISA stand-ins are x86 CPU names")
@pytest.mark.parametrize("cpu, isa, fused, register", [("haswell", "avx2", 12, "y"), ("x86-64", "sse2", 0, "x")])
def test_the_fma_kernel_fills_each_isas_registers_without_spilling(cpu, isa, fused, register):
    environment = dict(__import__("os").environ, NUMBA_CPU_NAME=cpu, NUMBA_CPU_FEATURES="")
    shown = subprocess.run([sys.executable, "-c", ISA_PROBE], capture_output=True, text=True, env=environment,
                           check=True).stdout.split(maxsplit=3)
    name, fmas, multiplies, rest = shown
    assert name == isa and int(fmas) == fused
    assert fused or int(multiplies) == 12  # no FMA: a multiply (and an add) per chain
    assert f"['{register}']" in rest and rest.split("]")[1].strip() == "0"  # only that width, no stack access


def test_the_nominal_peak_and_the_notes_follow_from_the_measurement(monkeypatch):
    monkeypatch.setattr(machine_limits, "measured_clock_ghz", lambda: 4.0)
    monkeypatch.setattr(machine_limits, "reported_clock_ghz", lambda: 2.0)
    monkeypatch.setattr(machine_limits, "peak_gflops", lambda dtype, threads: {1: 60.0, 2: 118.0}[threads])
    monkeypatch.setattr(machine_limits, "bandwidth_gbs", lambda threads, l3: {"one_core": 20.0, "all_cores": 30.0})
    machine_limits._measure.cache_clear()
    try:
        limits = machine_limits.measure(2)
    finally:
        machine_limits._measure.cache_clear()
    lanes = limits["peak"]["float64"]["lanes"]
    assert limits["peak"]["float64"]["nominal_one_core"] == pytest.approx(2 * lanes * 2 * 4.0)
    assert any("the operating system reports 2.00 GHz" in note for note in limits["notes"])
    shown = "\n".join(machine_limits.limit_lines(limits))
    assert "peak float64: 60 GFLOP/s on 1 thread, 118 on 2" in shown and "triad bandwidth 20 GB/s" in shown
    assert machine_limits.peak_for(limits, "float64", 1) == 60.0 and machine_limits.peak_for(limits, "float64", 2) == 118.0
    assert machine_limits.peak_for(None, "float64", 1) is None


def pytest_benchmark_file(path, samples, cpu="A"):
    """A file as the pytest-benchmark suite saves it with --benchmark-save-data (only the fields read)."""
    benchmarks = [{"group": f"dense_forward 64x64x64 float64", "stats": {"median": float(np.median(data)), "data": data},
                   "extra_info": {"operation": "dense_forward", "sizes": [64, 64, 64], "dtype": "float64",
                                  "contender": contender, "flops": 5e5, "steps_per_call": 1}}
                  for contender, data in samples.items()]
    benchmarks.append({"group": "numba compile", "stats": {"median": 1.0}, "extra_info": {}})
    path.write_text(__import__("json").dumps({"machine_info": {"nn_backends": {"cpu_model": cpu}},
                                              "benchmarks": benchmarks}))
    return path


def test_compare_reads_two_saved_runs_of_either_kind(tmp_path, capsys):
    from backends.cli import main

    old = pytest_benchmark_file(tmp_path / "old.json", {"numba": [1.0, 1.01, 0.99, 1.0, 1.02]})
    new = pytest_benchmark_file(tmp_path / "new.json", {"numba": [0.5, 0.51, 0.49, 0.5, 0.5]}, cpu="B")
    assert main(["compare", str(old), str(new)]) == 0
    shown = capsys.readouterr().out
    assert "different CPU: saved run 'A', this run 'B'" in shown
    assert "dense_forward" in shown and shown.splitlines()[-2].endswith("faster")
    bench_run = tmp_path / "bench.json"
    bench_run.write_text(__import__("json").dumps({"settings": {"cpu_model": "B"},
                                                   "results": [row("numba", [2.0, 2.01, 1.99, 2.0, 2.0])]}))
    assert main(["compare", str(new), str(bench_run)]) == 0
    shown = capsys.readouterr().out
    assert "warning" not in shown and shown.splitlines()[-2].endswith("slower")
    (tmp_path / "other.json").write_text('{"something": 1}')
    assert main(["compare", str(new), str(tmp_path / "other.json")]) == 2
    assert "compare: not a results file of nn-backends bench or of its pytest-benchmark suite" in capsys.readouterr().err


def test_targets_summary_puts_the_runs_side_by_side(tmp_path, capsys):
    from backends.cli import main

    paths = []
    for number, scale in enumerate((1.0, 1.1, 0.95)):
        path = tmp_path / f"run{number}.json"
        results = [row("numba", [1e-6] * 5, label="100x100x100"), row("python", [scale * 1e-3] * 5, label="100x100x100")]
        path.write_text(__import__("json").dumps({"settings": {}, "results": results}))
        paths.append(str(path))
    assert main(["targets", "--summary", *paths]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith("| ratio | run0.json | run1.json | run2.json | median |")
    assert "| numba vs python, dense_forward 100x100x100 float64 | 1e+03 [1e+03–1e+03] | 1.1e+03" in shown
    assert shown.rstrip().endswith("| 1e+03 | 10% |")
