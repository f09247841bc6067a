"""Timings a chapter may draw a conclusion from, and the conclusions themselves.

A measurement is several rounds of the bench's clock (`benchmarking.timing.measure`), interleaved
between the contenders so a slow moment of the machine hits them all; it carries a 95% interval
(a bootstrap of the median over the rounds) and the CPU time other programs used while it ran.
`speedup` turns two measured contenders into the sentence a chapter prints, and withholds it
("not shown on this run") when the interval contradicts the lesson or the machine was busy.
"""

from __future__ import annotations

import numpy as np

from ..benchmarking.report import format_seconds
from ..benchmarking.rounds import BUSY_OTHER_CORES, CONFIDENCE, RESAMPLES, cpu_clock, cpu_use, interval  # noqa: F401
from ..benchmarking.timing import measure

#: Rounds per contender: each round is one `measure` call with its share of the budget.
ROUNDS = 5


def summarize(samples, cpu: dict) -> dict:
    """One contender's measurement: its round medians, their median, the interval and the CPU use."""
    low, high = interval(samples)
    median = float(np.median(samples))
    return {"samples": list(map(float, samples)), "median": median, "low": low, "high": high, "cpu": cpu,
            "text": f"{format_seconds(median)} (95% interval {format_seconds(low)}–{format_seconds(high)})"}


def compare(calls: dict, budget: float, rounds: int = ROUNDS) -> dict:
    """Time every call of `calls` ({label: zero-argument callable}) in `rounds` interleaved rounds,
    each round one `measure` with budget/rounds seconds per call, the order rotated every round.
    Returns {label: summarize(...)}, all sharing the CPU use of the whole comparison."""
    labels = list(calls)
    samples = {label: [] for label in labels}
    before = cpu_clock()
    for round_number in range(rounds):
        shift = round_number % len(labels)
        for label in labels[shift:] + labels[:shift]:
            samples[label].append(measure(calls[label], budget=budget / rounds, min_repeats=3)["median"])
    cpu = cpu_use(before, cpu_clock())
    return {label: summarize(samples[label], cpu) for label in labels}


def busy_note(cpu: dict) -> str:
    """'' on a quiet measurement, else a sentence saying how busy the machine was while it ran."""
    if not cpu["busy"]:
        return ""
    if cpu["others"] is None:
        return f"this process got {cpu['own_cores']:.0%} of a core while it timed"
    return f"other programs kept {cpu['others']:.2f} cores busy while this was measured"


def speedup(results: dict, fast: str, slow: str, lesson: str | None = None) -> dict:
    """How many times faster `fast` ran than `slow`, from one `compare` of both, as a sentence.

    The ratio's 95% interval is a paired bootstrap over the interleaved rounds. The lesson is that
    `fast` is faster; when the interval says it was slower, or cannot tell, or the machine was busy
    during the measurement, the sentence starts "not shown on this run" and says what was measured,
    "slower" included. Returns {"ratio", "low", "high", "shown", "text"}."""
    a, b = np.asarray(results[fast]["samples"]), np.asarray(results[slow]["samples"])
    rng = np.random.default_rng(0)
    picks = rng.integers(0, len(a), (RESAMPLES, len(a)))
    ratios = np.median(b[picks], axis=1) / np.median(a[picks], axis=1)
    ratio = float(np.median(b) / np.median(a))
    tail = (1 - CONFIDENCE) / 2
    low, high = float(np.quantile(ratios, tail)), float(np.quantile(ratios, 1 - tail))
    lesson = lesson or f"{fast} is faster than {slow}"
    if low <= 1 <= high:  # neither faster nor slower: say it in times, which need no direction
        measured = (f"{fast} took {1 / ratio:.3g}x the time of {slow} "
                    f"(95% interval {1 / high:.3g}x–{1 / low:.3g}x)")
    elif ratio >= 1:
        measured = f"{fast} ran {ratio:.3g}x faster than {slow} (95% interval {low:.3g}x–{high:.3g}x)"
    else:
        measured = (f"{fast} ran {1 / ratio:.3g}x slower than {slow} "
                    f"(95% interval {1 / high:.3g}x–{1 / low:.3g}x slower)")
    busy = busy_note(results[fast]["cpu"]) or busy_note(results[slow]["cpu"])
    if busy:
        reason = f"and {busy}, so the ratio is not this machine's; rerun it when the machine is quiet"
    elif high < 1:
        reason = "which contradicts the lesson; rerun it, and if it holds, the lesson does not hold here"
    elif low <= 1:
        reason = "an interval that holds 1x, so this run cannot tell them apart"
    else:
        reason = ""
    shown = not reason
    text = measured if shown else f"not shown on this run ({lesson}): {measured}, {reason}"
    return {"ratio": ratio, "low": low, "high": high, "shown": shown, "text": text}
