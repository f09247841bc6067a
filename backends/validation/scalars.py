"""Single numbers: hyperparameters, step counts, sizes."""

from __future__ import annotations

import math
import numbers

import numpy as np

from .messages import InvalidTypeError, fail, short, type_name


def hyperparameter(op: str, name: str, value, low: float, high: float = math.inf, *,
                   low_inclusive=True, high_inclusive=True) -> float:
    """A real, finite hyperparameter in [low, high] (ends open where asked); returns it as float."""
    if type(value) is float and (low < value < high or (low_inclusive and value == low)
                                 or (high_inclusive and value == high and high != math.inf)):
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        fail(op, f"{name} must be a real number", f"{name}={short(value)} ({type_name(value)})",
             error=InvalidTypeError)
    value = float(value)
    above = value >= low if low_inclusive else value > low
    below = value <= high if high_inclusive else value < high
    if not (math.isfinite(value) and above and below):
        left = "[" if low_inclusive else "("
        right = "]" if high_inclusive and math.isfinite(high) else ")"
        fail(op, f"{name} must lie in {left}{low:g}, {high:g}{right}", f"{name}={value!r}")
    return value


def check_step(op: str, step) -> int:
    if type(step) is int and step >= 1:
        return step
    if isinstance(step, (bool, np.bool_)) or not isinstance(step, numbers.Integral):
        fail(op, "step must be an integer (1 at the first update)", f"step={short(step)}", error=InvalidTypeError)
    if step < 1:
        fail(op, "step counts updates from 1", f"step={int(step)}")
    return int(step)


def positive_int(op: str, name: str, value) -> int:
    """A count of at least one (an epoch count, a batch size, a layer's width); returns it as int."""
    if not _is_integer_at_least(value, 1):
        fail(op, f"{name} must be a positive integer", f"{name}={value!r}")
    return int(value)


def integer_at_least(op: str, name: str, value, minimum: int) -> int:
    """An integer >= minimum (the data generators' sizes); returns it as int."""
    if not _is_integer_at_least(value, minimum):
        fail(op, f"{name} must be an integer >= {minimum}", f"{name}={value!r}")
    return int(value)


def _is_integer_at_least(value, minimum) -> bool:
    return not isinstance(value, (bool, np.bool_)) and isinstance(value, numbers.Integral) and value >= minimum
