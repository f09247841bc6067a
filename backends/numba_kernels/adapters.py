"""The two adapters between the numba backend's public functions and its compiled kernels.

A Numba kernel compiles once per argument type, so the adapters hand every kernel the same kinds of
arrays: C-ordered ones (a transposed view is copied), flattened for element-wise kernels (so one
compiled kernel serves 1-D and 2-D arrays), and class indices as an int64 array. Used as decorators
over the `@njit` kernel, so the public function reads as the loops it runs.
"""

import numpy as np


def _flat(x):
    return np.ascontiguousarray(x).reshape(-1)


def _flat_if_array(x):
    return _flat(x) if isinstance(x, np.ndarray) else x


def _two_dimensional(x):
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return np.ascontiguousarray(x)
    return np.asarray(x, dtype=np.int64)  # class indices: a tuple of ints or an integer array


def _scalar(result):
    return None if result is None else float(result)  # None: an in-place update


def _named_like(adapter, kernel):
    adapter.__name__ = adapter.__qualname__ = kernel.__name__
    adapter.__doc__ = kernel.__doc__
    adapter.kernel = kernel  # the compiled kernel itself, for compiled callers and tests
    return adapter


def elementwise(kernel):
    """For a kernel over flat arrays. Array arguments arrive flattened (views of C-ordered arrays, so
    in-place updates land in the caller's arrays); an array result takes the first argument's shape,
    a reduction comes back as a Python float, an in-place update as None."""
    def adapter(*args):
        result = kernel(*map(_flat_if_array, args))
        return result.reshape(args[0].shape) if isinstance(result, np.ndarray) else _scalar(result)
    return _named_like(adapter, kernel)


def rowwise(kernel):
    """For a kernel over 2-D arrays (softmax, the losses over class indices): float arrays arrive
    C-ordered, class indices as an int64 array; a reduction comes back as a Python float."""
    def adapter(*args):
        result = kernel(*map(_two_dimensional, args))
        return result if isinstance(result, np.ndarray) else _scalar(result)
    return _named_like(adapter, kernel)
