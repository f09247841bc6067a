"""Every input check and every error message of the interface, written once.

The backends never check their inputs: `backends.interface.Backend` calls the functions here first, so
the same bad input gets the same exception and the same message on every backend. Messages follow
one grammar::

    "<op>: <what is wrong>; got <name>=<value>"   (then the fix, when there is one)

Native arrays come in two kinds, described by an `ArrayKind`: nested Python lists of floats (the
`python` backend) and float32/float64 `numpy.ndarray` (the `numpy` and `numba` backends). The
kinds know how to read a shape and a dtype off their arrays and what a foreign array looks like.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np


class InvalidInputError(ValueError):
    """A value, shape or range is wrong (a ragged list, mismatched shapes, NaN, a bad label...)."""


class InvalidTypeError(TypeError):
    """A type is wrong (text, booleans, complex numbers, a native array of another backend...)."""


def _fail(op: str, problem: str, got: str, fix: str = "", error=InvalidInputError):
    message = f"{op}: {problem}; got {got}"
    if fix:
        message += f"; {fix}"
    raise error(message)


def _type_name(value) -> str:
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# --------------------------------------------------------------------------------------------
# Conversion: anything array-like -> validated nested list or ndarray, ready for `asarray`
# --------------------------------------------------------------------------------------------

FLOAT_DTYPES = ("float64", "float32")


def dtype_name(op: str, dtype, supported: tuple[str, ...]) -> str | None:
    """Normalize a requested dtype (None, a name, a NumPy type) to one of `supported` (or None)."""
    if dtype is None:
        return None
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = None
    if name not in supported:
        _fail(op, f"dtype must be one of {', '.join(supported)} on this backend", f"dtype={_short(dtype)}")
    return name


def _is_real_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _check_scalar(op: str, name: str, where: str, value):
    if isinstance(value, (bool, np.bool_)):
        _fail(op, f"{name} must hold real numbers, not booleans", f"{where}={value!r}", error=InvalidTypeError)
    if isinstance(value, (complex, np.complexfloating)):
        _fail(op, f"{name} must hold real numbers, not complex numbers", f"{where}={value!r}",
              error=InvalidTypeError)
    if not _is_real_number(value):
        _fail(op, f"{name} must hold real numbers", f"{where}={_short(value)} ({_type_name(value)})",
              error=InvalidTypeError)
    if not math.isfinite(value):
        _fail(op, f"{name} must be finite (no NaN or infinity)", f"{where}={value!r}")


def _check_nested_sequence(op: str, name: str, x: Sequence):
    if len(x) == 0:
        _fail(op, f"{name} is empty; a batch needs at least one sample", f"len({name})=0")
    first = x[0]
    if not isinstance(first, (list, tuple)):
        for j, value in enumerate(x):
            if isinstance(value, (list, tuple, np.ndarray)):
                _fail(op, f"{name} mixes numbers and rows", f"{name}[{j}]={_short(value)}")
            _check_scalar(op, name, f"{name}[{j}]", value)
        return
    width = len(first)
    if width == 0:
        _fail(op, f"{name} has empty rows; each sample needs at least one value", f"len({name}[0])=0")
    for i, row in enumerate(x):
        if not isinstance(row, (list, tuple)):
            _fail(op, f"{name} mixes rows and numbers", f"{name}[{i}]={_short(row)}")
        if len(row) != width:
            _fail(op, f"{name} is ragged: every row must have the length of row 0 ({width})",
                  f"len({name}[{i}])={len(row)}")
        for j, value in enumerate(row):
            if isinstance(value, (list, tuple, np.ndarray)):
                _fail(op, f"{name} must be 1-D or 2-D", f"{name}[{i}][{j}]={_short(value)}")
            _check_scalar(op, name, f"{name}[{i}][{j}]", value)


def _check_ndarray(op: str, name: str, x: np.ndarray):
    kind = x.dtype.kind
    if kind == "b":
        _fail(op, f"{name} must hold real numbers, not booleans", f"{name}.dtype=bool", error=InvalidTypeError)
    if kind == "c":
        _fail(op, f"{name} must hold real numbers, not complex numbers", f"{name}.dtype={x.dtype}",
              error=InvalidTypeError)
    if kind not in "iuf":
        _fail(op, f"{name} must hold real numbers", f"{name}.dtype={x.dtype}", error=InvalidTypeError)
    if x.ndim not in (1, 2):
        _fail(op, f"{name} must be 1-D or 2-D", f"{name}.shape={x.shape}")
    if x.size == 0:
        _fail(op, f"{name} is empty; a batch needs at least one sample", f"{name}.shape={x.shape}")
    if kind == "f":
        finite = np.isfinite(x)
        if not finite.all():
            where = tuple(int(i) for i in np.argwhere(~finite)[0])
            index = "".join(f"[{i}]" for i in where)
            _fail(op, f"{name} must be finite (no NaN or infinity)", f"{name}{index}={float(x[where])!r}")


def check_array_like(op: str, name: str, x):
    """Validate data on its way into a backend: a 1-D or 2-D, rectangular, non-empty, finite array
    of real numbers, given as nested lists/tuples or as an ndarray. Returns it unchanged."""
    if isinstance(x, np.ndarray):
        _check_ndarray(op, name, x)
    elif isinstance(x, (list, tuple)):
        _check_nested_sequence(op, name, x)
    elif _is_real_number(x) or isinstance(x, (bool, np.bool_, complex)):
        _fail(op, f"{name} must be 1-D or 2-D, not a single number", f"{name}={x!r}",
              "wrap it in a list: [[x]]")
    else:
        _fail(op, f"{name} must be nested lists/tuples of numbers or a numpy.ndarray",
              f"type({name})={_type_name(x)}", error=InvalidTypeError)
    return x


# --------------------------------------------------------------------------------------------
# Native arrays: what each backend computes on
# --------------------------------------------------------------------------------------------

class ArrayKind:
    """How one family of backends stores arrays: reading shapes and dtypes, spotting foreigners."""

    description: str

    def shape(self, op: str, name: str, x) -> tuple[int, ...]:
        raise NotImplementedError

    def dtype(self, x) -> str:
        raise NotImplementedError

    def all_valid(self, *arrays) -> bool:
        """The fast path: True only if every array is native, non-empty and of one dtype. False means
        "run the full checks", which find and name the problem (or pass: lists always take them)."""
        return False


class ListArrays(ArrayKind):
    """Native arrays of the `python` backend: a list of floats, or a list of equal-length lists."""

    description = "a list of float (1-D) or a list of lists of float (2-D)"
    backend = "python"

    def shape(self, op, name, x):
        if not isinstance(x, list):
            _foreign(op, name, x, self)
        if not x:
            _fail(op, f"{name} is empty; a batch needs at least one sample", f"len({name})=0")
        first = x[0]
        if not isinstance(first, list):
            if not all(type(value) is float for value in x):
                _not_float(op, name, x, self)
            return (len(x),)
        if not first:
            _fail(op, f"{name} has empty rows; each sample needs at least one value", f"len({name}[0])=0")
        width = len(first)
        for i, row in enumerate(x):
            if not isinstance(row, list) or len(row) != width:
                got = f"len({name}[{i}])={len(row)}" if isinstance(row, list) else f"{name}[{i}]={_short(row)}"
                _fail(op, f"{name} is ragged: every row must have the length of row 0 ({width})", got)
            if not all(type(value) is float for value in row):
                _not_float(op, name, row, self, row_index=i)
        return (len(x), width)

    def dtype(self, x):
        return "float64"


class NdArrays(ArrayKind):
    """Native arrays of the `numpy` and `numba` backends: 1-D or 2-D float32/float64 ndarrays."""

    description = "a numpy.ndarray of float64 or float32"

    def __init__(self, backend: str):
        self.backend = backend

    def shape(self, op, name, x):
        if type(x) is not np.ndarray:
            _foreign(op, name, x, self)
        if x.dtype.type is not np.float64 and x.dtype.type is not np.float32:
            _fail(op, f"{name} must be a native float64 or float32 array", f"{name}.dtype={x.dtype}",
                  f"convert it with get_backend({self.backend!r}).asarray({name})", error=InvalidTypeError)
        if x.ndim != 1 and x.ndim != 2:
            _fail(op, f"{name} must be 1-D or 2-D", f"{name}.shape={x.shape}")
        if x.size == 0:
            _fail(op, f"{name} is empty; a batch needs at least one sample", f"{name}.shape={x.shape}")
        return x.shape

    def dtype(self, x):
        return x.dtype.name

    def all_valid(self, *arrays):
        dtype = arrays[0].dtype if type(arrays[0]) is np.ndarray else None
        if dtype is not _FLOAT64 and dtype is not _FLOAT32:
            return False
        for x in arrays:
            if type(x) is not np.ndarray or x.dtype is not dtype or not x.size:
                return False
        return True


_FLOAT64, _FLOAT32 = np.dtype(np.float64), np.dtype(np.float32)


def to_numpy(x) -> np.ndarray:
    """A native array of any backend as an ndarray (ndarrays as they are, nested lists converted)."""
    if isinstance(x, np.ndarray):
        return x
    return np.array(x, dtype=np.float64) if isinstance(x, list) else np.array(plain_array(x))  # keeps float32


def _foreign(op, name, x, kind: ArrayKind):
    _fail(op, f"{name} is not a native array of the {kind.backend!r} backend ({kind.description})",
          f"type({name})={_type_name(x)}",
          f"convert it with get_backend({kind.backend!r}).asarray({name})", error=InvalidTypeError)


def _not_float(op, name, values, kind: ArrayKind, row_index=None):
    j, bad = next((j, v) for j, v in enumerate(values) if type(v) is not float)
    where = f"{name}[{j}]" if row_index is None else f"{name}[{row_index}][{j}]"
    _fail(op, f"{name} is not a native array of the {kind.backend!r} backend ({kind.description})",
          f"{where}={_short(bad)} ({_type_name(bad)})",
          f"convert it with get_backend({kind.backend!r}).asarray({name})", error=InvalidTypeError)


# --------------------------------------------------------------------------------------------
# Shapes of native arguments
# --------------------------------------------------------------------------------------------

def matrix(kind: ArrayKind, op: str, name: str, x, hint: str = "") -> tuple[int, int]:
    """The (rows, columns) of a native 2-D array."""
    shape = kind.shape(op, name, x)
    if len(shape) != 2:
        _fail(op, f"{name} must be 2-D (one row per sample)", f"{name}.shape={shape}",
              hint or "wrap a single sample as [[...]]")
    return shape


def vector(kind: ArrayKind, op: str, name: str, x, length: int, length_of: str) -> None:
    """A native 1-D array of the given length."""
    shape = kind.shape(op, name, x)
    if shape != (length,):
        _fail(op, f"{name} must be 1-D with one value per {length_of} ({length},)", f"{name}.shape={shape}")


def same_dtype(kind: ArrayKind, op: str, named: dict) -> str:
    """All named native arrays share one dtype; returns it."""
    dtypes = {name: kind.dtype(x) for name, x in named.items()}
    if len(set(dtypes.values())) > 1:
        got = ", ".join(f"{name}.dtype={dtype}" for name, dtype in dtypes.items())
        _fail(op, "arrays must share one dtype", got, "convert them with asarray(..., dtype=...)",
              error=InvalidTypeError)
    return next(iter(dtypes.values()))


def same_shape(kind: ArrayKind, op: str, first: str, a, second: str, b) -> tuple[int, ...]:
    shape_a = kind.shape(op, first, a)
    shape_b = kind.shape(op, second, b)
    if shape_a != shape_b:
        _fail(op, f"{first} and {second} must have the same shape",
              f"{first}.shape={shape_a}, {second}.shape={shape_b}")
    same_dtype(kind, op, {first: a, second: b})
    return shape_a


# --------------------------------------------------------------------------------------------
# One check per operation family
# --------------------------------------------------------------------------------------------

def check_matmul(kind, a, c):
    if kind.all_valid(a, c) and a.ndim == 2 and c.ndim == 2 and a.shape[1] == c.shape[0]:
        return
    rows_a, cols_a = matrix(kind, "matmul", "a", a, "use [[...]] for a row vector")
    rows_c, cols_c = matrix(kind, "matmul", "c", c, "use [[...]] for a row vector")
    if cols_a != rows_c:
        _fail("matmul", "the columns of a must match the rows of c",
              f"a.shape={(rows_a, cols_a)}, c.shape={(rows_c, cols_c)}", "did you mean transpose(c)?")
    same_dtype(kind, "matmul", {"a": a, "c": c})


def check_dense_forward(kind, inputs, weights, biases):
    if (kind.all_valid(inputs, weights, biases) and inputs.ndim == 2 and weights.ndim == 2 and biases.ndim == 1
            and inputs.shape[1] == weights.shape[1] and biases.shape[0] == weights.shape[0]):
        return
    op = "dense_forward"
    n_samples, n_inputs = matrix(kind, op, "inputs", inputs)
    n_neurons, n_weights = matrix(kind, op, "weights", weights, "weights hold one row per neuron")
    if n_weights != n_inputs:
        _fail(op, "weights must have shape (n_neurons, n_inputs), one row per neuron",
              f"inputs.shape={(n_samples, n_inputs)}, weights.shape={(n_neurons, n_weights)}",
              "transpose the weights if they are stored (n_inputs, n_neurons)")
    vector(kind, op, "biases", biases, n_neurons, "neuron")
    same_dtype(kind, op, {"inputs": inputs, "weights": weights, "biases": biases})


def check_dense_backward(kind, dvalues, inputs, weights):
    if (kind.all_valid(dvalues, inputs, weights) and dvalues.ndim == 2 and inputs.ndim == 2 and weights.ndim == 2
            and dvalues.shape[0] == inputs.shape[0] and dvalues.shape[1] == weights.shape[0]
            and inputs.shape[1] == weights.shape[1]):
        return
    op = "dense_backward"
    n_samples, n_outputs = matrix(kind, op, "dvalues", dvalues)
    n_rows, n_inputs = matrix(kind, op, "inputs", inputs)
    n_neurons, n_weights = matrix(kind, op, "weights", weights, "weights hold one row per neuron")
    if n_weights != n_inputs or n_neurons != n_outputs or n_rows != n_samples:
        _fail(op, "expected dvalues (n_samples, n_neurons), inputs (n_samples, n_inputs), "
              "weights (n_neurons, n_inputs)",
              f"dvalues.shape={(n_samples, n_outputs)}, inputs.shape={(n_rows, n_inputs)}, "
              f"weights.shape={(n_neurons, n_weights)}")
    same_dtype(kind, op, {"dvalues": dvalues, "inputs": inputs, "weights": weights})


def check_elementwise(kind, op, z):
    """Element-wise activations take any native 1-D or 2-D array."""
    if kind.all_valid(z) and 0 < z.ndim < 3:
        return
    kind.shape(op, "z", z)


def check_rowwise(kind, op, z):
    if kind.all_valid(z) and z.ndim == 2:
        return
    matrix(kind, op, "z", z, "softmax works on rows; wrap a single sample as [[...]]")


def check_activation_backward(kind, op, dvalues, saved, saved_name):
    if kind.all_valid(dvalues, saved) and 0 < dvalues.ndim < 3 and dvalues.shape == saved.shape:
        return
    same_shape(kind, op, "dvalues", dvalues, saved_name, saved)


def check_class_targets(kind, op, probs, targets):
    """Class targets: indices (a sequence of ints, one per sample) or a one-hot native 2-D array.

    Returns the class indices as a tuple of ints or a 1-D integer ndarray, whichever is cheaper to
    produce; every backend reads both the same way (len() and indexing)."""
    if (kind.all_valid(probs) and probs.ndim == 2 and type(targets) is np.ndarray and targets.ndim == 1
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
            _fail(op, "one-hot targets must be a native float array", f"targets.dtype={targets.dtype}",
                  "pass class indices as a 1-D integer array, or convert the one-hot rows with asarray",
                  error=InvalidTypeError)
        same_shape(kind, op, "probs", probs, "targets", targets)
        return _indices_from_one_hot_array(op, targets)
    if isinstance(targets, np.ndarray):
        if targets.ndim != 1:
            _fail(op, "class indices must be 1-D", f"targets.shape={targets.shape}")
        if targets.dtype.kind not in "iu":
            _fail(op, "class indices must be integers", f"targets.dtype={targets.dtype}",
                  "convert them with targets.astype(int)", error=InvalidTypeError)
        indices = targets
    elif isinstance(targets, (list, tuple)):
        for i, label in enumerate(targets):
            if isinstance(label, (bool, np.bool_)) or not isinstance(label, numbers.Integral):
                _fail(op, "class indices must be integers", f"targets[{i}]={_short(label)} ({_type_name(label)})",
                      error=InvalidTypeError)
        indices = targets
    else:
        _fail(op, "targets must be class indices (a sequence of ints) or one-hot rows (a native 2-D array)",
              f"type(targets)={_type_name(targets)}", error=InvalidTypeError)
    if len(indices) != n_samples:
        _fail(op, "targets must have one class index per sample (row of probs)",
              f"len(targets)={len(indices)}, probs.shape={(n_samples, n_classes)}")
    _check_class_range(op, indices, n_classes)
    return indices


def _check_class_range(op, indices, n_classes):
    if isinstance(indices, np.ndarray):
        bad = np.flatnonzero((indices < 0) | (indices >= n_classes))
        first_bad = int(bad[0]) if bad.size else None
    else:
        first_bad = next((i for i, label in enumerate(indices) if not 0 <= label < n_classes), None)
    if first_bad is not None:
        _fail(op, f"class index out of range for {n_classes} classes (0..{n_classes - 1})",
              f"targets[{first_bad}]={int(indices[first_bad])}")


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
    _fail(op, "one-hot targets need exactly one 1 and zeros elsewhere in each row",
          f"targets[{i}]={_short(row)}", "did you swap probs and targets?")


def check_probabilities_targets(kind, op, probs, targets):
    """Binary cross-entropy: targets of the same shape as probs, each in [0, 1]."""
    matrix(kind, op, "probs", probs, "use shape (n_samples, 1) for a single output")
    same_shape(kind, op, "probs", probs, "targets", targets)
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
        _fail(op, f"{name} must lie in [0, 1]", f"{name}[{where[0]}][{where[1]}]={float(value)!r}")


def check_regression_targets(kind, op, predictions, targets):
    matrix(kind, op, "predictions", predictions, "use shape (n_samples, 1) for a single output")
    same_shape(kind, op, "predictions", predictions, "targets", targets)


# --------------------------------------------------------------------------------------------
# Optimizer updates
# --------------------------------------------------------------------------------------------

def hyperparameter(op: str, name: str, value, low: float, high: float = math.inf, *,
                   low_inclusive=True, high_inclusive=True) -> float:
    """A real, finite hyperparameter in [low, high] (ends open where asked); returns it as float."""
    if type(value) is float and (low < value < high or (low_inclusive and value == low)
                                 or (high_inclusive and value == high and high != math.inf)):
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        _fail(op, f"{name} must be a real number", f"{name}={_short(value)} ({_type_name(value)})",
              error=InvalidTypeError)
    value = float(value)
    above = value >= low if low_inclusive else value > low
    below = value <= high if high_inclusive else value < high
    if not (math.isfinite(value) and above and below):
        left = "[" if low_inclusive else "("
        right = "]" if high_inclusive and math.isfinite(high) else ")"
        _fail(op, f"{name} must lie in {left}{low:g}, {high:g}{right}", f"{name}={value!r}")
    return value


def check_update(kind, op, param, grad, states: dict):
    """param, grad and every optimizer state array share one shape and dtype; states are writable."""
    arrays = (param, grad, *states.values())
    if kind.all_valid(*arrays) and all(x.shape == param.shape for x in arrays) and all(
            x.flags.c_contiguous and x.flags.writeable for x in (param, *states.values())):
        return
    shape = kind.shape(op, "param", param)
    for name, x in {"grad": grad, **states}.items():
        other = kind.shape(op, name, x)
        if other != shape:
            _fail(op, f"{name} must have the shape of param", f"param.shape={shape}, {name}.shape={other}")
    same_dtype(kind, op, {"param": param, "grad": grad, **states})
    for name, x in {"param": param, **states}.items():
        if isinstance(x, np.ndarray) and not x.flags.writeable:
            _fail(op, f"{name} is updated in place but is read-only", f"{name}.flags.writeable=False",
                  "pass a writable copy")
        if isinstance(x, np.ndarray) and not x.flags.c_contiguous:
            _fail(op, f"{name} is updated in place and must be C-ordered, as asarray makes it",
                  f"{name}.flags.c_contiguous=False", "create it with asarray")


def check_step(op: str, step) -> int:
    if type(step) is int and step >= 1:
        return step
    if isinstance(step, (bool, np.bool_)) or not isinstance(step, numbers.Integral):
        _fail(op, "step must be an integer (1 at the first update)", f"step={_short(step)}", error=InvalidTypeError)
    if step < 1:
        _fail(op, "step counts updates from 1", f"step={int(step)}")
    return int(step)


# --------------------------------------------------------------------------------------------
# Plug-in backends: array kinds beyond ndarrays and lists (torch tensors, array-API arrays, ...)
# --------------------------------------------------------------------------------------------

def native_dtype_name(x) -> str:
    """The dtype name of any array with a `.dtype`: numpy.float32, torch.float32 and
    array_api_strict.float32 all give "float32"; an object without one counts as float64 (lists)."""
    return str(getattr(x, "dtype", "float64")).rsplit(".", 1)[-1]


class TypedArrays(ArrayKind):
    """Native arrays of a plug-in backend: instances of `array_type` (a class or a tuple of classes)
    that have `.shape` and `.dtype`, such as torch tensors or arrays of an array-API namespace.

    Give it to `Backend.from_kernels` as `arrays=`. The checks and messages are those of the
    built-in backends: a foreign array, a dtype other than float32/float64, not 1-D or 2-D, empty."""

    def __init__(self, backend: str, array_type, description: str = ""):
        self.backend = backend
        self.array_type = array_type
        first = array_type[0] if isinstance(array_type, tuple) else array_type
        self.description = description or f"a {first.__module__}.{first.__qualname__} of float64 or float32"

    def shape(self, op, name, x):
        if not isinstance(x, self.array_type):
            _foreign(op, name, x, self)
        dtype, shape = self.dtype(x), tuple(int(n) for n in x.shape)
        if dtype not in FLOAT_DTYPES:
            _fail(op, f"{name} must be a native float64 or float32 array", f"{name}.dtype={dtype}",
                  f"convert it with get_backend({self.backend!r}).asarray({name})", error=InvalidTypeError)
        if len(shape) not in (1, 2):
            _fail(op, f"{name} must be 1-D or 2-D", f"{name}.shape={shape}")
        if 0 in shape:
            _fail(op, f"{name} is empty; a batch needs at least one sample", f"{name}.shape={shape}")
        return shape

    def dtype(self, x):
        return native_dtype_name(x)


def plain_array(x) -> np.ndarray | list:
    """A native array as something the checks can read: ndarrays and lists as they are, any other
    array (a plug-in's) as an ndarray, through DLPack when it speaks it."""
    if isinstance(x, (np.ndarray, list, tuple)):
        return x
    try:
        return np.from_dlpack(x)
    except (TypeError, AttributeError, RuntimeError, BufferError):
        return np.asarray(x)
