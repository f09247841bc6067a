"""Timings come with their spread, their thread counts, and a warning exactly when other programs
used the CPU while they were measured: the demo is run with the machine's CPU counters faked busy
and faked quiet, and must say which. One timer: the deleted ones stay deleted."""

import itertools
import os

import pytest

from backends.benchmarking import rounds, timing
from backends.cli import main


def counters(others: float):
    """A fake `rounds.cpu_clock`: every reading one second later, this process on one core and
    other programs on `others` cores meanwhile."""
    seconds = itertools.count()
    return lambda: (lambda t: {"wall": float(t), "own": float(t), "machine": float(t) * (1 + others)})(next(seconds))


@pytest.mark.parametrize("others, busy", [(1.5, True), (0.0, False)], ids=["busy", "quiet"])
def test_demo_says_busy_exactly_when_other_programs_used_the_cores(monkeypatch, capsys, others, busy):
    monkeypatch.setattr(rounds, "cpu_clock", counters(others))
    assert main(["demo", "--size", "8"]) == 0
    shown = capsys.readouterr().out
    assert "threads: BLAS" in shown and "Numba" in shown
    assert f"other programs used {others:.2f} of {os.cpu_count()} cores while this timed" in shown
    assert ("BUSY MACHINE" in shown) == busy and ("quiet enough to time" in shown) == (not busy)
    timed_rows = [line for line in shown.splitlines() if line.strip().startswith(("python |", "numpy |", "numba |"))]
    assert len(timed_rows) == 3
    assert all(line.count("±") == 2 for line in timed_rows), timed_rows


def test_one_timer_the_others_are_gone():
    from backends.cli import demo, ladder
    from backends.walkthrough import conclusions

    for gone in ("measure", "machine_load", "SETTLE_SECONDS"):
        assert not hasattr(timing, gone), f"benchmarking.timing.{gone} is back: time with benchmarking.rounds"
    for module in (demo, ladder, conclusions):
        assert "rounds" in vars(module) or "paired_ratio" in vars(module), module.__name__
    with pytest.raises(ImportError):
        from backends.walkthrough import measurements  # noqa: F401
