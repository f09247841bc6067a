"""The walkthrough's conclusions (`backends.walkthrough.conclusions`) say what their measurement
decides: a lesson whose interval clears its threshold is stated with the interval ("at least
91×"), on a busy machine too (named); one whose interval holds the threshold or lies on the wrong
side of it reads "not shown on this run". Derived numbers carry their interval. The measurements
these tests judge are made up; no assertion depends on how fast anything ran."""

import contextlib
import io
from pathlib import Path

import pytest

from backends import loadable_backends
from backends.benchmarking import rounds
from backends.benchmarking.rounds import cpu_use
from backends.walkthrough.conclusions import Estimate, faster_or_slower, speedup

QUIET = {"wall": 1.0, "own_cores": 1.0, "others": 0.02, "uncertainty": 0.02, "busy": False}
BUSY = {"wall": 1.0, "own_cores": 0.6, "others": 1.3, "uncertainty": 0.02, "busy": True}


def teaching_chapter(number: int) -> Path:
    return next((Path(__file__).resolve().parent.parent / "docs" / "walkthrough").glob(f"{number:02d}_*.py"))


def measured(samples, cpu=QUIET) -> dict:
    """One contender as `teaching.compare` returns it, from made-up per-round times."""
    return rounds.summary(samples) | {"cpu": cpu, "text": "(made up)"}


def _pair(fast_samples, slow_samples, cpu=QUIET):
    return {"compiled": measured(fast_samples, cpu), "layer by layer": measured(slow_samples, cpu)}


CLEAR = ([1.0, 1.01, 0.99, 1.02, 1.0], [3.0, 3.1, 2.9, 3.05, 3.0])


@pytest.mark.parametrize("cpu", [QUIET, BUSY], ids=["quiet", "busy"])
def test_a_clear_measurement_states_the_lesson_with_its_lower_bound_quiet_or_busy(cpu):
    result = speedup(_pair(*CLEAR, cpu), "compiled", "layer by layer", "compiling is faster")
    assert result["shown"] and 2.8 < result["low"] <= 3 <= result["high"] < 3.2
    assert result["text"].startswith(f"compiling is faster: at least {result['low']:.3g}× (compiled ran 3× "
                                     "faster than layer by layer, 95% interval")
    assert ("machine busy: other programs kept 1.30 cores busy" in result["text"]) == cpu["busy"]
    assert "not shown" not in result["text"]


def test_the_issues_busy_run_now_states_its_lesson():
    # chapter 6 on a busy laptop: "numpy ran 124x faster than python (95% interval 91x–150x)", withheld
    python = [124.0 * t for t in (1.0, 1.1, 0.95, 1.2, 0.9, 1.0, 1.05, 1.3, 0.8, 1.0, 1.1)]
    numpy = [1.0, 1.05, 1.0, 1.1, 0.95, 1.0, 1.0, 1.2, 0.9, 1.02, 1.0]
    times = {"numpy": measured(numpy, BUSY), "python": measured(python, BUSY)}
    result = speedup(times, "numpy", "python", "numpy trains faster than pure Python")
    assert result["shown"] and result["text"].startswith("numpy trains faster than pure Python: at least ")
    assert "machine busy" in result["text"]


def test_a_contradicting_measurement_withholds_the_lesson_and_says_slower():
    # chapter 8's quiet-machine run that printed "compiled, it is 0.8x faster"
    result = speedup(_pair([1.25, 1.24, 1.26, 1.25, 1.27], [1.0, 1.01, 0.99, 1.0, 1.02]), "compiled", "layer by layer")
    assert not result["shown"]
    assert result["text"].startswith("not shown on this run (compiled is faster than layer by layer): "
                                     "compiled ran 1.25× slower than layer by layer")
    assert "contradicts the lesson" in result["text"] and "faster than" not in result["text"].split(":", 1)[1]


@pytest.mark.parametrize("cpu", [QUIET, BUSY], ids=["quiet", "busy"])
def test_an_interval_holding_the_threshold_cannot_decide_and_gives_no_single_direction(cpu):
    result = speedup(_pair([1.0, 1.3, 0.8, 1.1, 0.9], [1.0, 1.2, 0.9, 1.05, 0.95], cpu), "compiled", "layer by layer")
    assert not result["shown"] and result["low"] <= 1 <= result["high"]
    assert "compiled ran somewhere between " in result["text"] and "cannot decide" in result["text"]
    assert "the time of" not in result["text"] and "0." not in result["text"].split("between")[1].split("than")[0]
    assert ("machine busy" in result["text"]) == cpu["busy"]


def test_the_lessons_threshold_decides_not_just_one():
    # 3× faster is clear of 1× but contradicts "at least 10× faster"; ~10× with a wide interval cannot decide it
    three = speedup(_pair(*CLEAR), "compiled", "layer by layer", "ten times faster", at_least=10)
    assert not three["shown"] and "contradicts the lesson" in three["text"]
    ten = speedup(_pair([1.0, 1.0, 1.0, 1.0, 1.0], [7.0, 13.0, 9.0, 11.0, 10.0]), "compiled", "layer by layer",
                  "ten times faster", at_least=10)
    assert not ten["shown"] and "that holds 10×, so this run cannot decide it" in ten["text"]
    assert speedup(_pair([1.0] * 5, [20.0, 21.0, 19.0, 20.0, 20.5]), "compiled", "layer by layer",
                   "ten times faster", at_least=10)["shown"]


def test_ratios_read_faster_or_slower_never_a_fraction_of_the_time():
    assert faster_or_slower(7.75) == "7.75× faster"
    assert faster_or_slower(0.129) == "7.75× slower"
    assert faster_or_slower(1.0) == "1× faster"


def test_an_estimate_carries_its_interval_through_the_arithmetic():
    fixed, per_madd = Estimate(3e-6, 2e-6, 4e-6), Estimate(1e-9, 0.5e-9, 2e-9)
    crossing = (fixed / per_madd) ** (1 / 3)
    assert crossing.value == pytest.approx(3000 ** (1 / 3))
    assert crossing.low == pytest.approx(1000 ** (1 / 3)) and crossing.high == pytest.approx(8000 ** (1 / 3))
    added = Estimate(10.0, 9.0, 11.0) - Estimate(8.0, 7.0, 9.5)
    assert (added.low, added.high) == (-0.5, 4.0) and added.side_of(0) is None  # a plateau: no work to read
    assert (Estimate(10.0, 9.5, 11.0) - Estimate(2.0, 1.0, 3.0)).side_of(0) == "above"
    assert (2 * Estimate(1.0, 0.5, 1.5)).high == 3.0
    assert Estimate(2.0, 1.0, 4.0).text() == "2 (95% interval 1–4)"


def _clock(wall, own, machine):
    return {"wall": wall, "own": own, "machine": machine}


def test_busy_is_judged_from_other_programs_cpu_time_during_the_measurement():
    # two seconds of wall time: this process used 2 s of CPU, the machine 2.1 s, then 4 s
    assert not cpu_use(_clock(0, 0, 0), _clock(2, 2.0, 2.1))["busy"]
    busy = cpu_use(_clock(0, 0, 0), _clock(2, 2.0, 4.0))
    assert busy["busy"] and busy["others"] == pytest.approx(1.0)


def test_a_short_measurement_is_not_called_busy_within_the_counters_resolution():
    # 30 ms with two 10 ms ticks of others' work: within what the counters can resolve
    assert not cpu_use(_clock(0, 0, 0), _clock(0.03, 0.03, 0.05))["busy"]


def test_without_the_machines_counters_a_process_made_to_wait_is_busy():
    assert cpu_use(_clock(0, 0, None), _clock(1, 0.5, None))["busy"]
    assert not cpu_use(_clock(0, 0, None), _clock(1, 0.99, None))["busy"]


def test_the_clock_reads_this_machine():
    reading = rounds.cpu_clock()
    assert reading["wall"] > 0 and reading["own"] > 0


@pytest.mark.parametrize("others, busy", [(2.0, True), (1.0, False)], ids=["busy", "quiet"])
def test_teaching_compare_flags_a_busy_clock_and_only_a_busy_one(monkeypatch, others, busy):
    """Through teaching.compare, with the machine's counters saying other programs used a core, or not."""
    from backends import teaching

    readings = iter([{"wall": 0.0, "own": 0.0, "machine": 0.0}, {"wall": 1.0, "own": 1.0, "machine": others}])
    monkeypatch.setattr(rounds, "cpu_clock", lambda: next(readings))
    results = teaching.compare({"fast": lambda: None, "slow": lambda: sum(range(1000))}, budget_seconds=0.01)
    flagged = ["[busy: other programs kept 1.00 cores busy" in result["text"] for result in results.values()]
    assert flagged == [busy, busy]
    assert ("machine busy" in speedup(results, "fast", "slow")["text"]) == busy


def run_chapter(number: int, monkeypatch, tmp_path, replaces: str, fake) -> str:
    """Chapter `number` in fast mode, its measurement whose calls include `replaces` made up by
    `fake(labels)`; every other timing real and short. Returns what the chapter printed."""
    from backends import teaching
    from test_walkthrough_timing import code_cells

    real_compare = teaching.compare

    def replaced(calls, budget_seconds=None):
        return fake(list(calls)) if replaces in calls else real_compare(calls, 0.002)

    monkeypatch.setattr(teaching, "compare", replaced)
    monkeypatch.setattr(teaching, "FAST", True)
    monkeypatch.setenv("NN_WALKTHROUGH_OUTPUT", str(tmp_path))
    path = teaching_chapter(number)
    printed = io.StringIO()
    namespace = {"__name__": "__main__"}
    with contextlib.redirect_stdout(printed):
        for cell in code_cells(path):
            exec(compile(cell, str(path), "exec"), namespace)
    return printed.getvalue()


@pytest.mark.parametrize("cpu", [QUIET, BUSY], ids=["quiet", "busy"])
def test_chapter_6_states_its_lesson_with_the_interval_on_a_busy_machine_too(monkeypatch, tmp_path, cpu):
    """The issue's run: numpy and numba about 124× faster than pure Python, on a busy machine."""
    numpy = [1.0, 1.05, 1.0, 1.1, 0.95, 1.0, 1.0, 1.2, 0.9, 1.02, 1.0]

    def made_up(labels):
        return {label: measured([t * (124.0 if label == "python" else 1.0) for t in numpy], cpu) for label in labels}

    printed = run_chapter(6, monkeypatch, tmp_path, "python", made_up).splitlines()
    lessons = [line for line in printed if "trains faster than pure Python" in line]
    others = [name for name in loadable_backends() if name != "python"]  # a plug-in installed too
    assert [line.split(":")[0] for line in lessons] == [f"{name} trains faster than pure Python" for name in others]
    assert others[:2] == ["numpy", "numba"]
    assert all(": at least " in line and "not shown" not in line for line in lessons)
    assert all(("machine busy" in line) == cpu["busy"] for line in lessons)


def test_chapter_8_states_or_withholds_its_lessons_as_the_measurement_decides(monkeypatch, tmp_path):
    """Chapter 8 fed a busy measurement where the compiled step is 1.25× slower and the layer-by-layer
    step costs 100 relu calls: it withholds the first lesson, says "slower", states the second
    with its interval, and names the busy machine for both."""
    layer_by_layer = [1.0e-4, 1.01e-4, 0.99e-4, 1.0e-4, 1.02e-4]

    def contradicting(labels):
        results = {label: measured(layer_by_layer, BUSY) for label in labels}
        results["numba, one compiled step"] = measured([1.25 * t for t in layer_by_layer], BUSY)
        results["one relu call"] = measured([t / 100 for t in layer_by_layer], BUSY)
        return results

    printed = run_chapter(8, monkeypatch, tmp_path, "numba, one compiled step", contradicting).splitlines()
    verdict = [line for line in printed if "one compiled step is faster" in line]
    assert len(verdict) == 1 and verdict[0].startswith("not shown on this run") and "1.25× slower" in verdict[0]
    calls = [line for line in printed if "such calls" in line]
    assert calls == [line for line in calls if line.startswith("the layer-by-layer step costs as much as 100 (95%")]
    assert len(calls) == 1 and "machine busy: other programs kept 1.30 cores busy" in calls[0]


def test_a_paired_difference_sees_through_noise_the_rounds_share():
    from backends.walkthrough.conclusions import difference

    # the machine's speed swings threefold from round to round, but b always takes 0.1 more than a
    swing = [1.0, 3.0, 1.5, 2.5, 1.0, 2.0, 3.0]
    times = {"a": measured(swing), "b": measured([t + 0.1 for t in swing])}
    added = difference(times, "b", "a")
    assert added.value == pytest.approx(0.1) and added.side_of(0) == "above"
    assert (Estimate.of(times["b"]) - Estimate.of(times["a"])).side_of(0) is None  # the intervals alone cannot tell


def test_chapter_8_never_prints_work_faster_than_the_machines_peak(monkeypatch, tmp_path):
    """Sizes 16 and 64 made up a femtosecond per multiply-add apart (millions of GFLOP/s): the chapter
    withholds the work and the crossing for those backends, however narrow the interval."""
    def impossible(sizes):
        return {n: measured([1e-6 + n ** 3 * 1e-15] * 5) for n in sizes}

    printed = run_chapter(8, monkeypatch, tmp_path, 64, impossible).splitlines()
    for name in ("numpy", "numba"):
        line = next(line for line in printed if line.strip().startswith(f"{name}: fixed price"))
        assert "work per multiply-add not shown on this run" in line and "above this machine's measured peak" in line
        assert "they are equal at" not in line
