"""Tolerances and the one assert helper of the conformance suite.

Tolerances are stated here once, per dtype. float64 results of different backends differ only by
summation order (BLAS blocks its sums, the loops do not); float32 carries ~7 significant digits.
"""

import numpy as np

TOLERANCE = {
    "float64": {"rtol": 1e-10, "atol": 1e-12},
    "float32": {"rtol": 2e-5, "atol": 2e-6},
}

#: Central differences with step h have error O(h²) plus rounding O(eps/h): h = 1e-6 in float64
#: leaves about 1e-8 relative, so analytic gradients are held to 1e-6.
GRADIENT_STEP = 1e-6
GRADIENT_TOLERANCE = {"rtol": 1e-6, "atol": 1e-8}

#: Shapes every operation is checked on: the seeds' 3×4, 1×1, a batch of one, one neuron, tall, wide.
EDGE_SHAPES = [(3, 4), (1, 1), (1, 5), (6, 1), (50, 2), (2, 50)]


def native(backend, values, dtype="float64"):
    """values (anything np.asarray takes) as a native array of backend."""
    return backend.asarray(np.asarray(values, dtype=np.float64), dtype=dtype)


def as_numpy(backend, x):
    return np.asarray(backend.tolist(x), dtype=np.float64)


def assert_native(backend, actual, expected, dtype="float64", tolerance=None):
    """actual is a native array of backend with the dtype and shape of expected, and its values."""
    __tracebackhide__ = True
    expected = np.asarray(expected, dtype=np.float64)
    if backend.name == "python":
        assert isinstance(actual, list), f"expected a list from the python backend, got {type(actual)}"
        values = np.asarray(actual, dtype=np.float64)
        kinds = {type(v) for v in np.ravel(np.asarray(actual, dtype=object))}
        assert kinds == {float}, f"python backend returned element types {kinds}, expected float"
    else:
        assert isinstance(actual, np.ndarray), f"expected an ndarray from {backend.name}, got {type(actual)}"
        assert actual.dtype == np.dtype(dtype), f"dtype {actual.dtype}, expected {dtype}"
        values = actual.astype(np.float64)
    assert values.shape == expected.shape, f"shape {values.shape}, expected {expected.shape}"
    np.testing.assert_allclose(values, expected, **(tolerance or TOLERANCE[dtype]))


def assert_scalar(actual, expected, dtype="float64"):
    __tracebackhide__ = True
    assert type(actual) is float, f"losses return a Python float, got {type(actual)}"
    np.testing.assert_allclose(actual, expected, **TOLERANCE[dtype])


def sum_tolerance(dtype, n_terms, magnitude):
    """Tolerance for a sum of n_terms products of size up to magnitude (the classic bound
    n·eps·Σ|terms|): random values near a cancellation would defeat a purely relative tolerance."""
    eps = float(np.finfo(dtype).eps)
    return {"rtol": TOLERANCE[dtype]["rtol"], "atol": 4 * n_terms * eps * magnitude + TOLERANCE[dtype]["atol"]}
