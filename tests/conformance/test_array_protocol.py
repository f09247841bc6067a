"""What nn-backends reads off a backend's native arrays beyond its kernels, one test per requirement
(the backend guide, "What nn-backends needs from your arrays"): the shape, the dtype, and
the values through NumPy. Everything else `Model`, the optimizers and the divergence guard do goes
through the kernels, so arrays that cannot change (JAX's) are enough."""

import numpy as np
import pytest

from backends.validation import to_numpy

VALUES = {"2-D": [[1.5, -2.0, 0.25], [3.0, 0.0, -7.125]], "1-D": [0.5, -1.0, 4.0], "1x1": [[2.0]]}


@pytest.mark.parametrize("given", VALUES)
def test_native_arrays_have_the_shape_and_dtype_they_were_made_with(backend, dtype, given):
    values = np.asarray(VALUES[given])
    x = backend.asarray(values, dtype=dtype)
    assert tuple(backend.shape(x)) == values.shape and all(type(n) is int for n in backend.shape(x))
    assert backend.arrays.dtype(x) == dtype


@pytest.mark.parametrize("given", VALUES)
def test_numpy_reads_native_arrays_through_dlpack_or_asarray(backend, dtype, given):
    """`Model` reads outputs for accuracy and `predict`, and the guard copies parameters, this way."""
    values = np.asarray(VALUES[given])
    x = backend.asarray(values, dtype=dtype)
    read = to_numpy(x)
    assert isinstance(read, np.ndarray) and read.shape == values.shape, f"NumPy read {type(read)}, {np.shape(read)}"
    assert read.dtype == (np.float64 if isinstance(x, list) else np.dtype(dtype))
    np.testing.assert_array_equal(read, values.astype(dtype))
