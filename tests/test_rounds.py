"""`benchmarking.rounds`, the one timer, on a fake clock: its verdict on the machine (whether other
programs used the cores while it timed) is carried by every measurement it returns."""

import pytest

from backends.benchmarking import rounds


class Clock:
    """perf_counter and cpu_clock for `rounds`: each call of a contender costs 1 ms of wall time,
    during which other programs use `others` cores (the machine's counters see it)."""

    def __init__(self, others):
        self.now, self.others = 0.0, others

    def perf_counter(self):
        return self.now

    def cpu_clock(self):
        return {"wall": self.now, "own": self.now, "machine": self.now * (1 + self.others)}

    def call(self):
        self.now += 1e-3


@pytest.mark.parametrize("others, busy", [(0.0, False), (0.1, False), (1.2, True)])
def test_every_measurement_carries_the_cpu_use_of_other_programs(monkeypatch, others, busy):
    clock = Clock(others)
    monkeypatch.setattr(rounds.time, "perf_counter", clock.perf_counter)
    monkeypatch.setattr(rounds, "cpu_clock", clock.cpu_clock)
    timed = rounds.interleaved({"a": clock.call, "b": clock.call}, budget=0.5, rounds=5, pause=lambda: None,
                               warm=lambda call: None)
    for result in timed.values():
        assert result["cpu"]["others"] == pytest.approx(others) and result["cpu"]["busy"] == busy
        assert result["median"] == pytest.approx(1e-3)
        assert (rounds.busy_note(result["cpu"]) != "") == busy
    if busy:
        assert rounds.busy_note(timed["a"]["cpu"]) == "other programs kept 1.20 cores busy while this was measured"


def test_without_the_machines_counters_the_note_says_how_much_of_a_core_this_process_got():
    cpu = rounds.cpu_use({"wall": 0.0, "own": 0.0, "machine": None}, {"wall": 1.0, "own": 0.4, "machine": None})
    assert cpu["busy"] and cpu["others"] is None
    assert rounds.busy_note(cpu) == "this process got 40% of a core while it timed"
