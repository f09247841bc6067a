"""Timings come with their spread, their thread counts and a warning when the machine is busy."""

import os

import pytest

from backends.benchmarking import timing
from backends.cli import main


def test_demo_prints_medians_with_spread_threads_and_the_machines_load(capsys):
    assert main(["demo", "--size", "8"]) == 0
    shown = capsys.readouterr().out
    assert "threads: BLAS" in shown and "Numba" in shown
    assert f"on {os.cpu_count()} cores" in shown
    assert "BUSY MACHINE" in shown or "quiet enough to time" in shown
    timed_rows = [line for line in shown.splitlines() if line.strip().startswith(("python |", "numpy |", "numba |"))]
    assert len(timed_rows) == 3
    assert all(line.count("±") == 2 for line in timed_rows), timed_rows


def test_a_load_above_half_a_core_each_makes_the_machine_busy(monkeypatch):
    monkeypatch.setattr(os, "getloadavg", lambda: (4.0 * (os.cpu_count() or 1), 0.0, 0.0))
    load = timing.machine_load(repeats=5)
    assert load["busy"] is True
    assert load["load"] == pytest.approx(4.0 * (os.cpu_count() or 1))
    assert load["verdict"].startswith("BUSY MACHINE (load ")
    assert 0.0 <= load["calibration_spread"]


def test_without_a_load_average_the_calibration_loop_decides(monkeypatch):
    def no_load_average():
        raise OSError("no load average here")

    monkeypatch.setattr(os, "getloadavg", no_load_average)
    load = timing.machine_load(repeats=5)
    assert load["load"] is None and "load unknown" in load["verdict"]
    assert load["busy"] == (load["calibration_spread"] > timing.BUSY_CALIBRATION_SPREAD)
