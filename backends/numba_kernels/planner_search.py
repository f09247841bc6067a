"""How the GEMM planner picks among candidates: the choice logic, apart from what it times.

    best, log = search(rule, axes, cost, clock, deadline)
    threshold = threshold_from([(flops, serial_seconds, parallel_seconds), ...])

`search` is a coordinate descent from the rule's settings: for each axis (a field and its candidate
values) it times the incumbent and each candidate in interleaved rounds (`interleaved_medians`: one
call of each per round, so a machine that slows down for a while slows every candidate alike) and
moves to a candidate only if its median beats the incumbent's by `MARGIN`: on a busy machine, noise
alone must not move the settings away from the rule (`beats`). When the clock passes the deadline, the axes
left are skipped and said so. Every function here takes its clock and its cost as arguments, so
the tests drive them with fake ones.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from .gemm_settings import NEVER, GemmSettings

#: A candidate replaces the incumbent only if its median time is this fraction lower.
MARGIN = 0.03
#: Untimed rounds first (caches, page faults, the thread pool waking), then the timed ones.
WARMUP_ROUNDS = 1
ROUNDS = 4


@dataclass(frozen=True)
class Axis:
    """One thing to choose: a settings field and the values to try besides the incumbent's."""

    field: str
    values: tuple[int, ...]
    workload: str  # which workload `cost` times for this axis (its name, as `cost` knows it)


def interleaved_rounds(candidates: list, cost, rounds: int = ROUNDS, warmup: int = WARMUP_ROUNDS) -> list[list[float]]:
    """`cost(candidate)` of each candidate in each of `rounds` rounds, one call of each per round,
    after `warmup` untimed rounds."""
    times: list[list[float]] = [[] for _ in candidates]
    for round_number in range(warmup + rounds):
        for index, candidate in enumerate(candidates):
            seconds = cost(candidate)
            if round_number >= warmup:
                times[index].append(seconds)
    return times


def interleaved_medians(candidates: list, cost, rounds: int = ROUNDS, warmup: int = WARMUP_ROUNDS) -> list[float]:
    """The median of each candidate's `interleaved_rounds`."""
    return [statistics.median(series) for series in interleaved_rounds(candidates, cost, rounds, warmup)]


def beats(challenger: list[float], incumbent: list[float], margin: float = MARGIN) -> bool:
    """True if the challenger's rounds beat the incumbent's clearly: its median lower by `margin`, and
    even its slowest round faster than the incumbent's median (on a busy machine, a lucky round or
    two must not move the settings)."""
    target = statistics.median(incumbent)
    return statistics.median(challenger) < target * (1 - margin) and max(challenger) < target


def search(rule: GemmSettings, axes: list[Axis], cost, clock, deadline: float,
           rounds: int = ROUNDS) -> tuple[GemmSettings, list[dict]]:
    """The settings that won, starting from `rule`, and one record per axis (the values tried, their
    median costs relative to the incumbent's, the winner, or why the axis was skipped).
    cost(settings, workload) -> a time. An axis is skipped when the clock says it would end past the
    deadline, judging by what one candidate of its workload took on an earlier axis."""
    best = rule
    log = []
    per_candidate: dict[str, float] = {}  # clock time of one candidate's rounds, per workload
    for axis in axes:
        incumbent = getattr(best, axis.field)
        values = [incumbent] + [value for value in dict.fromkeys(axis.values) if value != incumbent]
        expected = per_candidate.get(axis.workload, 0.0) * len(values)
        if clock() + expected >= deadline:
            log.append({"field": axis.field, "skipped": "time budget spent"})
            continue
        candidates = [best.replace(**{axis.field: value}) for value in values]
        started = clock()
        times = interleaved_rounds(candidates, lambda settings: cost(settings, axis.workload), rounds)
        per_candidate[axis.workload] = (clock() - started) / len(values)
        medians = [statistics.median(series) for series in times]
        winner = min(range(len(values)), key=medians.__getitem__)
        if beats(times[winner], times[0]):
            best = candidates[winner]
        log.append({"field": axis.field, "workload": axis.workload, "values": values,
                    "relative": [round(median / medians[0], 4) for median in medians],
                    "chosen": getattr(best, axis.field)})
    return best, log


def threshold_from(measured: list[tuple[float, float, float]], margin: float = MARGIN) -> int:
    """The flops from which every thread pays, from (flops, seconds on one thread, seconds on all)
    per size: the smallest size from which all threads beat one by `margin` at that size and every
    larger one. If none does, twice the largest size measured (parallel only beyond what lost; NEVER
    if nothing was measured)."""
    ordered = sorted(measured)
    if not ordered:
        return NEVER
    threshold = None
    for flops, serial, parallel in reversed(ordered):
        if parallel < serial * (1 - margin):
            threshold = flops
        else:
            break
    return int(threshold) if threshold is not None else int(min(NEVER, 2 * ordered[-1][0]))
