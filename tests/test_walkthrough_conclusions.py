"""The walkthrough's conclusions about speed (`backends.walkthrough.measurements`) say only what
their measurement shows: fed a measurement that contradicts the lesson, taken on a busy machine,
or too close to call, they print "not shown on this run" instead of the lesson. The measurements
these tests judge are made up; no assertion depends on how fast anything ran."""

import contextlib
import io
from pathlib import Path

import pytest

from backends.walkthrough import measurements
from backends.walkthrough.measurements import cpu_use, speedup, summarize

def teaching_chapter(number: int) -> Path:
    return next((Path(__file__).resolve().parent.parent / "docs" / "walkthrough").glob(f"{number:02d}_*.py"))


QUIET = {"wall": 1.0, "own_cores": 1.0, "others": 0.02, "uncertainty": 0.02, "busy": False}
BUSY = {"wall": 1.0, "own_cores": 0.6, "others": 1.3, "uncertainty": 0.02, "busy": True}


def _measured(fast_samples, slow_samples, cpu=QUIET):
    return {"compiled": summarize(fast_samples, cpu), "layer by layer": summarize(slow_samples, cpu)}


def test_a_clear_measurement_gives_the_lesson_with_its_interval():
    result = speedup(_measured([1.0, 1.01, 0.99, 1.02, 1.0], [3.0, 3.1, 2.9, 3.05, 3.0]), "compiled", "layer by layer")
    assert result["shown"] and result["text"].startswith("compiled ran 3x faster than layer by layer (95% interval")
    assert 2.8 < result["low"] <= 3 <= result["high"] < 3.2


def test_a_contradicting_measurement_withholds_the_lesson_and_says_slower():
    # chapter 8's quiet-machine run that printed "compiled, it is 0.8x faster"
    result = speedup(_measured([1.25, 1.24, 1.26, 1.25, 1.27], [1.0, 1.01, 0.99, 1.0, 1.02]), "compiled", "layer by layer")
    assert not result["shown"]
    assert result["text"].startswith("not shown on this run (compiled is faster than layer by layer)")
    assert "slower" in result["text"] and "faster than" not in result["text"].split(":", 1)[1]
    assert "contradicts the lesson" in result["text"]


def test_an_interval_holding_one_cannot_tell_them_apart():
    result = speedup(_measured([1.0, 1.3, 0.8, 1.1, 0.9], [1.0, 1.2, 0.9, 1.05, 0.95]), "compiled", "layer by layer")
    assert not result["shown"] and result["low"] <= 1 <= result["high"]
    assert "cannot tell them apart" in result["text"]


def test_a_busy_measurement_withholds_even_a_clear_lesson():
    # chapter 8 on a busy machine printed "compiled, it is 97.9x faster"
    result = speedup(_measured([1.0, 1.0, 1.0, 1.0, 1.0], [97.9] * 5, BUSY), "compiled", "layer by layer")
    assert not result["shown"] and result["text"].startswith("not shown on this run")
    assert "other programs kept 1.30 cores busy" in result["text"]


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
    reading = measurements.cpu_clock()
    assert reading["wall"] > 0 and reading["own"] > 0


def test_a_busy_clock_flags_every_timing_and_withholds_the_conclusion(monkeypatch):
    """Through teaching.compare, with the machine's counters saying other programs used a core."""
    from backends import teaching

    readings = iter([{"wall": 0.0, "own": 0.0, "machine": 0.0}, {"wall": 1.0, "own": 1.0, "machine": 2.0}])
    monkeypatch.setattr(measurements, "cpu_clock", lambda: next(readings))
    results = teaching.compare({"fast": lambda: None, "slow": lambda: sum(range(1000))}, budget_seconds=0.01)
    assert all("[busy: other programs kept 1.00 cores busy" in result["text"] for result in results.values())
    assert speedup(results, "fast", "slow")["text"].startswith("not shown on this run")


def test_chapter_8_withholds_its_conclusion_when_its_measurement_contradicts_it(monkeypatch, tmp_path):
    """Chapter 8 run with its training-step measurement replaced by one where the compiled step is
    slower (a quiet machine): the chapter prints "not shown on this run" and "slower"."""
    from backends import teaching
    from test_walkthrough_timing import code_cells

    real_compare = teaching.compare

    def contradicting(calls, budget_seconds=None):
        results = real_compare(calls, 0.002)
        if "numba, one compiled step" in calls:
            layer_by_layer = [1.0e-4, 1.01e-4, 0.99e-4, 1.0e-4, 1.02e-4]
            results = {label: summarize(layer_by_layer, QUIET) for label in calls}
            results["numba, one compiled step"] = summarize([1.25 * t for t in layer_by_layer], QUIET)
        return results

    monkeypatch.setattr(teaching, "compare", contradicting)
    monkeypatch.setattr(teaching, "FAST", True)
    monkeypatch.setenv("NN_WALKTHROUGH_OUTPUT", str(tmp_path))
    path = teaching_chapter(8)
    printed = io.StringIO()
    namespace = {"__name__": "__main__"}
    with contextlib.redirect_stdout(printed):
        for cell in code_cells(path):
            exec(compile(cell, str(path), "exec"), namespace)
    verdict = [line for line in printed.getvalue().splitlines() if "one compiled step is faster" in line]
    assert len(verdict) == 1, printed.getvalue()[-2000:]
    assert verdict[0].startswith("not shown on this run") and "1.25x slower" in verdict[0]


def test_too_close_to_call_is_said_in_times_without_a_direction():
    result = speedup(_measured([1.01, 1.3, 0.8, 1.1, 0.9], [1.0, 1.2, 0.9, 1.05, 0.95]), "compiled", "layer by layer")
    assert "compiled took" in result["text"] and "the time of layer by layer" in result["text"]
    assert "faster than" not in result["text"].split(":", 1)[1] and "slower" not in result["text"]
