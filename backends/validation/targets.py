"""Loss targets: class indices, one-hot rows, probabilities and regression targets."""

from __future__ import annotations

import numbers

import numpy as np

from .arrays import matrix, plain_array, same_shape
from .messages import InvalidTypeError, fail, short, type_name
from .operations import Signature, check_probability_shapes

_probs_accepts = Signature(probs="sample class").accepts


def check_class_targets(kind, op, probs, targets):
    """Class targets: indices (a sequence of ints, one per sample) or a one-hot native 2-D array.

    Returns the class indices as a tuple of ints or a 1-D integer ndarray, whichever is cheaper to
    produce; every backend reads both the same way (len() and indexing)."""
    if (_probs_accepts(kind, probs) and type(targets) is np.ndarray and targets.ndim == 1
            and targets.dtype.kind in "iu" and len(targets) == probs.shape[0]
            and targets.min() >= 0 and targets.max() < probs.shape[1]):
        return targets
    n_samples, n_classes = matrix(kind, op, "probs", probs)
    if isinstance(targets, (list, tuple)) and targets and isinstance(targets[0], (list, tuple)):
        # python backend one-hot: a native list of lists
        same_shape(kind, op, "probs", probs, "targets", targets)
        return _indices_from_one_hot_rows(op, targets)
    if not isinstance(targets, (np.ndarray, list, tuple)) and hasattr(targets, "shape"):
        # one-hot rows native to a plug-in backend (a tensor, an array-API array)
        same_shape(kind, op, "probs", probs, "targets", targets)
        return _indices_from_one_hot_array(op, plain_array(targets))
    if isinstance(targets, np.ndarray) and targets.ndim == 2:
        if targets.dtype.kind != "f":
            fail(op, "one-hot targets must be a native float array", f"targets.dtype={targets.dtype}",
                 "pass class indices as a 1-D integer array, or convert the one-hot rows with asarray",
                 error=InvalidTypeError)
        same_shape(kind, op, "probs", probs, "targets", targets)
        return _indices_from_one_hot_array(op, targets)
    if isinstance(targets, np.ndarray):
        if targets.ndim != 1:
            fail(op, "class indices must be 1-D", f"targets.shape={targets.shape}")
        integer_class_indices(op, "targets", targets, "convert them with targets.astype(int)")
        indices = targets
    elif isinstance(targets, (list, tuple)):
        for i, label in enumerate(targets):
            if isinstance(label, (bool, np.bool_)) or not isinstance(label, numbers.Integral):
                fail(op, "class indices must be integers", f"targets[{i}]={short(label)} ({type_name(label)})",
                     error=InvalidTypeError)
        indices = targets
    else:
        fail(op, "targets must be class indices (a sequence of ints) or one-hot rows (a native 2-D array)",
             f"type(targets)={type_name(targets)}", error=InvalidTypeError)
    if len(indices) != n_samples:
        fail(op, "targets must have one class index per sample (row of probs)",
             f"len(targets)={len(indices)}, probs.shape={(n_samples, n_classes)}")
    class_range(op, "targets", indices, n_classes)
    return indices


def integer_class_indices(op: str, name: str, indices: np.ndarray, fix: str = "") -> None:
    """An ndarray of class indices holds integers."""
    if indices.dtype.kind not in "iu":
        fail(op, "class indices must be integers", f"{name}.dtype={indices.dtype}", fix, error=InvalidTypeError)


def class_range(op: str, name: str, indices, n_classes: int) -> None:
    """Every class index (a sequence or an integer ndarray) lies in 0..n_classes - 1."""
    if isinstance(indices, np.ndarray):
        bad = np.flatnonzero((indices < 0) | (indices >= n_classes))
        first_bad = int(bad[0]) if bad.size else None
    else:
        first_bad = next((i for i, label in enumerate(indices) if not 0 <= label < n_classes), None)
    if first_bad is not None:
        fail(op, f"class index out of range for {n_classes} classes (0..{n_classes - 1})",
             f"{name}[{first_bad}]={int(indices[first_bad])}")


def _indices_from_one_hot_rows(op, rows):
    indices = []
    for i, row in enumerate(rows):
        if any(value != 0.0 and value != 1.0 for value in row) or sum(row) != 1.0:
            _not_one_hot(op, i, row)
        indices.append(row.index(1.0))
    return tuple(indices)


def _indices_from_one_hot_array(op, targets):
    is_binary = (targets == 0.0) | (targets == 1.0)
    row_ok = is_binary.all(axis=1) & (targets.sum(axis=1) == 1.0)
    if not row_ok.all():
        i = int(np.flatnonzero(~row_ok)[0])
        _not_one_hot(op, i, targets[i].tolist())
    return targets.argmax(axis=1)


def _not_one_hot(op, i, row):
    fail(op, "one-hot targets need exactly one 1 and zeros elsewhere in each row",
         f"targets[{i}]={short(row)}", "did you swap probs and targets?")


def check_probabilities_targets(kind, op, probs, targets):
    """Binary cross-entropy: targets of the same shape as probs, each in [0, 1]."""
    check_probability_shapes(kind, op, probs, targets)
    _check_unit_interval(op, "targets", targets)


def _check_unit_interval(op, name, x):
    x = plain_array(x)
    if isinstance(x, np.ndarray):
        outside = np.argwhere((x < 0.0) | (x > 1.0))
        where = tuple(int(i) for i in outside[0]) if outside.size else None
    else:
        where = next(((i, j) for i, row in enumerate(x) for j, v in enumerate(row) if not 0.0 <= v <= 1.0), None)
    if where is not None:
        value = x[where] if isinstance(x, np.ndarray) else x[where[0]][where[1]]
        fail(op, f"{name} must lie in [0, 1]", f"{name}[{where[0]}][{where[1]}]={float(value)!r}")
