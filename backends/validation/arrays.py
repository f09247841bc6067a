"""Native arrays: the kinds of array the backends compute on, and reading shapes off them."""

from __future__ import annotations

import numpy as np

from .messages import InvalidTypeError, fail, short, type_name


class ArrayKind:
    """How one family of backends stores arrays: reading shapes and dtypes, spotting foreigners."""

    description: str

    def shape(self, op: str, name: str, x) -> tuple[int, ...]:
        raise NotImplementedError

    def dtype(self, x) -> str:
        raise NotImplementedError

    #: True where the arrays have no `.flags` (a plug-in's): the fast path then leaves out the flag
    #: checks of arrays updated in place, which only ndarrays need.
    flagless = False

    def all_valid(self, *arrays) -> bool:
        """The fast path: True only if every array is native, non-empty and of one dtype. False means
        "run the full checks", which find and name the problem (or pass: lists always take them).

        After True, the operations' signatures go on to read `.ndim` and `.shape` (and `.flags`
        unless `flagless`) off the arrays, as on an ndarray (see `backends.validation.operations`)."""
        return False


class ListArrays(ArrayKind):
    """Native arrays of the `python` backend: a list of floats, or a list of equal-length lists."""

    description = "a list of float (1-D) or a list of lists of float (2-D)"
    backend = "python"

    def shape(self, op, name, x):
        if not isinstance(x, list):
            _foreign(op, name, x, self)
        if not x:
            fail(op, f"{name} is empty; a batch needs at least one sample", f"len({name})=0")
        first = x[0]
        if not isinstance(first, list):
            if not all(type(value) is float for value in x):
                _not_float(op, name, x, self)
            return (len(x),)
        if not first:
            fail(op, f"{name} has empty rows; each sample needs at least one value", f"len({name}[0])=0")
        width = len(first)
        for i, row in enumerate(x):
            if not isinstance(row, list) or len(row) != width:
                got = f"len({name}[{i}])={len(row)}" if isinstance(row, list) else f"{name}[{i}]={short(row)}"
                fail(op, f"{name} is ragged: every row must have the length of row 0 ({width})", got)
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
            fail(op, f"{name} must be a native float64 or float32 array", f"{name}.dtype={x.dtype}",
                 f"convert it with get_backend({self.backend!r}).asarray({name})", error=InvalidTypeError)
        if x.ndim != 1 and x.ndim != 2:
            fail(op, f"{name} must be 1-D or 2-D", f"{name}.shape={x.shape}")
        if x.size == 0:
            fail(op, f"{name} is empty; a batch needs at least one sample", f"{name}.shape={x.shape}")
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
    fail(op, f"{name} is not a native array of the {kind.backend!r} backend ({kind.description})",
         f"type({name})={type_name(x)}",
         f"convert it with get_backend({kind.backend!r}).asarray({name})", error=InvalidTypeError)


def _not_float(op, name, values, kind: ArrayKind, row_index=None):
    j, bad = next((j, v) for j, v in enumerate(values) if type(v) is not float)
    where = f"{name}[{j}]" if row_index is None else f"{name}[{row_index}][{j}]"
    fail(op, f"{name} is not a native array of the {kind.backend!r} backend ({kind.description})",
         f"{where}={short(bad)} ({type_name(bad)})",
         f"convert it with get_backend({kind.backend!r}).asarray({name})", error=InvalidTypeError)


def matrix(kind: ArrayKind, op: str, name: str, x, hint: str = "") -> tuple[int, int]:
    """The (rows, columns) of a native 2-D array."""
    shape = kind.shape(op, name, x)
    if len(shape) != 2:
        fail(op, f"{name} must be 2-D (one row per sample)", f"{name}.shape={shape}",
             hint or "wrap a single sample as [[...]]")
    return shape


def vector(kind: ArrayKind, op: str, name: str, x, length: int, length_of: str) -> None:
    """A native 1-D array of the given length."""
    shape = kind.shape(op, name, x)
    if shape != (length,):
        fail(op, f"{name} must be 1-D with one value per {length_of} ({length},)", f"{name}.shape={shape}")


def same_dtype(kind: ArrayKind, op: str, named: dict) -> str:
    """All named native arrays share one dtype; returns it."""
    dtypes = {name: kind.dtype(x) for name, x in named.items()}
    if len(set(dtypes.values())) > 1:
        got = ", ".join(f"{name}.dtype={dtype}" for name, dtype in dtypes.items())
        fail(op, "arrays must share one dtype", got, "convert them with asarray(..., dtype=...)",
             error=InvalidTypeError)
    return next(iter(dtypes.values()))


def same_shape(kind: ArrayKind, op: str, first: str, a, second: str, b) -> tuple[int, ...]:
    shape_a = kind.shape(op, first, a)
    shape_b = kind.shape(op, second, b)
    if shape_a != shape_b:
        fail(op, f"{first} and {second} must have the same shape",
             f"{first}.shape={shape_a}, {second}.shape={shape_b}")
    same_dtype(kind, op, {first: a, second: b})
    return shape_a


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
        self._floats = {}  # {a dtype object of the array library: whether it is float32/float64}, as met
        self.description = description or f"a {first.__module__}.{first.__qualname__} of float64 or float32"

    def shape(self, op, name, x):
        if not isinstance(x, self.array_type):
            _foreign(op, name, x, self)
        dtype, shape = self.dtype(x), tuple(int(n) for n in x.shape)
        if dtype not in ("float64", "float32"):
            fail(op, f"{name} must be a native float64 or float32 array", f"{name}.dtype={dtype}",
                  f"convert it with get_backend({self.backend!r}).asarray({name})", error=InvalidTypeError)
        if len(shape) not in (1, 2):
            fail(op, f"{name} must be 1-D or 2-D", f"{name}.shape={shape}")
        if 0 in shape:
            fail(op, f"{name} is empty; a batch needs at least one sample", f"{name}.shape={shape}")
        return shape

    def dtype(self, x):
        return native_dtype_name(x)

    flagless = True

    def all_valid(self, *arrays):
        array_type = self.array_type
        dtype = getattr(arrays[0], "dtype", None)
        try:
            floating = self._floats.get(dtype)
        except TypeError:  # a dtype that cannot be a dict key: the full checks read it
            return False
        if floating is None:
            floating = self._floats[dtype] = native_dtype_name(_Dtyped(dtype)) in ("float64", "float32")
        if not floating:
            return False
        for x in arrays:
            # `is not` first: a library's dtype == can be a Python method (array_api_strict's is)
            if not isinstance(x, array_type) or (x.dtype is not dtype and x.dtype != dtype) or 0 in x.shape:
                return False
        return True


class _Dtyped:
    def __init__(self, dtype):
        self.dtype = dtype


def plain_array(x) -> np.ndarray | list:
    """A native array as something the checks can read: ndarrays and lists as they are, any other
    array (a plug-in's) as an ndarray, through DLPack when it speaks it."""
    if isinstance(x, (np.ndarray, list, tuple)):
        return x
    try:
        return np.from_dlpack(x)
    except (TypeError, AttributeError, RuntimeError, BufferError):
        return np.asarray(x)
