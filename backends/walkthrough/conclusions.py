"""What a chapter may conclude from a measurement, and the words it says it in.

A measurement comes from `benchmarking.rounds` (through `teaching.compare`): per contender its
per-round times, the median's 95% interval, and how many cores other programs used meanwhile.
Every number a chapter derives from it (a speedup, a cost per multiply-add, a crossing, a call
count) is an `Estimate`: a value with a 95% interval, carried through the arithmetic. A chapter
states a conclusion when the interval decides it, with the interval and a "machine busy" note
where other programs used the CPU, and withholds it ("not shown on this run") only when the
interval holds the lesson's threshold or lies on the wrong side of it.

    e = speedup(times, "numpy", "python", "numpy trains faster than pure Python")
    e["text"]  # "numpy trains faster than pure Python: at least 91× (numpy ran 124× faster than python,
               #  95% interval 91×–150×; machine busy: other programs kept 0.86 cores busy ...)"
"""

from __future__ import annotations

from dataclasses import dataclass

from ..benchmarking.rounds import busy_note, paired_difference, paired_ratio


@dataclass(frozen=True)
class Estimate:
    """A measured quantity and its 95% interval. Arithmetic combines the bounds (the widest interval
    the operands allow), so a derived number is never more certain than its parts. The bounds stay
    in order for positive quantities: check a difference with `side_of(0)` before dividing by it."""

    value: float
    low: float
    high: float

    @classmethod
    def of(cls, measured: dict) -> "Estimate":
        """A time from `teaching.compare`: its median and interval."""
        return cls(measured["median"], measured["low"], measured["high"])

    def __mul__(self, other):
        other = _estimate(other)
        return Estimate(self.value * other.value, self.low * other.low, self.high * other.high)

    __rmul__ = __mul__

    def __truediv__(self, other):
        other = _estimate(other)
        return Estimate(self.value / other.value, self.low / other.high, self.high / other.low)

    def __rtruediv__(self, other):
        return _estimate(other) / self

    def __sub__(self, other):
        other = _estimate(other)
        return Estimate(self.value - other.value, self.low - other.high, self.high - other.low)

    def __pow__(self, exponent: float):  # a positive exponent: the bounds stay in order
        return Estimate(self.value ** exponent, self.low ** exponent, self.high ** exponent)

    def side_of(self, threshold: float) -> str | None:
        """'above' or 'below' when the whole interval lies on that side of `threshold`, else None."""
        return "above" if self.low > threshold else "below" if self.high < threshold else None

    def text(self, show=lambda value: f"{value:.3g}") -> str:
        """'1.43 (95% interval 1.2–1.7)', each number through `show`."""
        return f"{show(self.value)} (95% interval {show(self.low)}–{show(self.high)})"


def _estimate(value) -> Estimate:
    return value if isinstance(value, Estimate) else Estimate(value, value, value)


def ratio(results: dict, fast: str, slow: str) -> Estimate:
    """How many times faster `fast` ran than `slow` (below 1: slower), both from one
    `teaching.compare`: the median of the per-round ratios with its interval."""
    return Estimate(*paired_ratio(results[slow]["samples"], results[fast]["samples"]))


def difference(results: dict, more: str, less: str) -> Estimate:
    """How much longer `more` took than `less`, both from one `teaching.compare`: the median of the
    per-round differences with its interval (narrower than two intervals subtracted)."""
    return Estimate(*paired_difference(results[more]["samples"], results[less]["samples"]))


def faster_or_slower(times: float) -> str:
    """'7.75× faster' for a ratio above 1, '1.25× slower' below: never '0.8× faster'."""
    return f"{times:.3g}× faster" if times >= 1 else f"{1 / times:.3g}× slower"


def measured_ratio(estimate: Estimate, fast: str, slow: str) -> str:
    """What was measured, in words a learner reads one way: faster, slower, or between the two."""
    if estimate.low > 1:
        return (f"{fast} ran {faster_or_slower(estimate.value)} than {slow}, "
                f"95% interval {estimate.low:.3g}×–{estimate.high:.3g}×")
    if estimate.high < 1:
        return (f"{fast} ran {faster_or_slower(estimate.value)} than {slow}, "
                f"95% interval {1 / estimate.high:.3g}×–{1 / estimate.low:.3g}× slower")
    return (f"{fast} ran somewhere between {faster_or_slower(estimate.low)} and "
            f"{faster_or_slower(estimate.high)} than {slow} (95% interval)")


def busy_of(*measured: dict) -> str:
    """'' when every measurement was quiet, else '; machine busy: <how busy>'."""
    notes = [busy_note(m["cpu"]) for m in measured if m.get("cpu")]
    notes = [note for note in notes if note]
    return f"; machine busy: {notes[0]}" if notes else ""


def speedup(results: dict, fast: str, slow: str, lesson: str | None = None, at_least: float = 1.0) -> dict:
    """The lesson "`fast` is at least `at_least` times faster than `slow`", judged from one
    `teaching.compare` of both. When the ratio's interval lies above `at_least`, the text states the
    lesson with the lower end of the interval ("... at least 91×"); otherwise it starts "not shown
    on this run" and says what was measured, and whether the interval holds the threshold (this run
    cannot decide) or lies below it (contradicts the lesson). Either way a busy machine is named.
    Returns {"ratio", "low", "high", "shown", "text"}."""
    estimate = ratio(results, fast, slow)
    lesson = lesson or f"{fast} is faster than {slow}"
    measured, busy = measured_ratio(estimate, fast, slow), busy_of(results[fast], results[slow])
    side = estimate.side_of(at_least)
    if side == "above":
        text = f"{lesson}: at least {estimate.low:.3g}× ({measured}{busy})"
    elif side == "below":
        text = (f"not shown on this run ({lesson}): {measured}, which contradicts the lesson; rerun it, "
                f"and if it holds, the lesson does not hold here{busy}")
    else:
        text = (f"not shown on this run ({lesson}): {measured}; that holds {at_least:.3g}×, "
                f"so this run cannot decide it{busy}")
    return {"ratio": estimate.value, "low": estimate.low, "high": estimate.high, "shown": side == "above",
            "text": text}
