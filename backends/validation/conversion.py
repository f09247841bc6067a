"""Conversion: anything array-like on its way into a backend, checked before `asarray` copies it."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np

from .messages import InvalidTypeError, fail, short, type_name


def dtype_name(op: str, dtype, supported: tuple[str, ...]) -> str | None:
    """Normalize a requested dtype (None, a name, a NumPy type) to one of `supported` (or None)."""
    if dtype is None:
        return None
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = None
    if name not in supported:
        fail(op, f"dtype must be one of {', '.join(supported)} on this backend", f"dtype={short(dtype)}")
    return name


def _is_real_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _check_scalar(op: str, name: str, where: str, value):
    if isinstance(value, (bool, np.bool_)):
        fail(op, f"{name} must hold real numbers, not booleans", f"{where}={value!r}", error=InvalidTypeError)
    if isinstance(value, (complex, np.complexfloating)):
        fail(op, f"{name} must hold real numbers, not complex numbers", f"{where}={value!r}",
             error=InvalidTypeError)
    if not _is_real_number(value):
        fail(op, f"{name} must hold real numbers", f"{where}={short(value)} ({type_name(value)})",
             error=InvalidTypeError)
    if not math.isfinite(value):
        fail(op, f"{name} must be finite (no NaN or infinity)", f"{where}={value!r}")


def _check_nested_sequence(op: str, name: str, x: Sequence):
    if len(x) == 0:
        fail(op, f"{name} is empty; a batch needs at least one sample", f"len({name})=0")
    first = x[0]
    if not isinstance(first, (list, tuple)):
        for j, value in enumerate(x):
            if isinstance(value, (list, tuple, np.ndarray)):
                fail(op, f"{name} mixes numbers and rows", f"{name}[{j}]={short(value)}")
            _check_scalar(op, name, f"{name}[{j}]", value)
        return
    width = len(first)
    if width == 0:
        fail(op, f"{name} has empty rows; each sample needs at least one value", f"len({name}[0])=0")
    for i, row in enumerate(x):
        if not isinstance(row, (list, tuple)):
            fail(op, f"{name} mixes rows and numbers", f"{name}[{i}]={short(row)}")
        if len(row) != width:
            fail(op, f"{name} is ragged: every row must have the length of row 0 ({width})",
                 f"len({name}[{i}])={len(row)}")
        for j, value in enumerate(row):
            if isinstance(value, (list, tuple, np.ndarray)):
                fail(op, f"{name} must be 1-D or 2-D", f"{name}[{i}][{j}]={short(value)}")
            _check_scalar(op, name, f"{name}[{i}][{j}]", value)


def _check_ndarray(op: str, name: str, x: np.ndarray):
    kind = x.dtype.kind
    if kind == "b":
        fail(op, f"{name} must hold real numbers, not booleans", f"{name}.dtype=bool", error=InvalidTypeError)
    if kind == "c":
        fail(op, f"{name} must hold real numbers, not complex numbers", f"{name}.dtype={x.dtype}",
             error=InvalidTypeError)
    if kind not in "iuf":
        fail(op, f"{name} must hold real numbers", f"{name}.dtype={x.dtype}", error=InvalidTypeError)
    if x.ndim not in (1, 2):
        fail(op, f"{name} must be 1-D or 2-D", f"{name}.shape={x.shape}")
    if x.size == 0:
        fail(op, f"{name} is empty; a batch needs at least one sample", f"{name}.shape={x.shape}")
    if kind == "f":
        finite = np.isfinite(x)
        if not finite.all():
            where = tuple(int(i) for i in np.argwhere(~finite)[0])
            index = "".join(f"[{i}]" for i in where)
            fail(op, f"{name} must be finite (no NaN or infinity)", f"{name}{index}={float(x[where])!r}")


def check_array_like(op: str, name: str, x):
    """Validate data on its way into a backend: a 1-D or 2-D, rectangular, non-empty, finite array
    of real numbers, given as nested lists/tuples or as an ndarray. Returns it unchanged."""
    if isinstance(x, np.ndarray):
        _check_ndarray(op, name, x)
    elif isinstance(x, (list, tuple)):
        _check_nested_sequence(op, name, x)
    elif _is_real_number(x) or isinstance(x, (bool, np.bool_, complex)):
        fail(op, f"{name} must be 1-D or 2-D, not a single number", f"{name}={x!r}",
             "wrap it in a list: [[x]]")
    else:
        fail(op, f"{name} must be nested lists/tuples of numbers or a numpy.ndarray",
             f"type({name})={type_name(x)}", error=InvalidTypeError)
    return x
