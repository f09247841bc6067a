"""Tolerances and the one assert helper of the conformance suite.

Tolerances are stated here once, per dtype. float64 results of different backends differ only by
summation order (BLAS blocks its sums, the loops do not); float32 carries ~7 significant digits.
"""

import contextlib

import numpy as np

from backends import contract
from backends.conformance import SMALLEST_DRAWN  # noqa: F401  (the suite's random inputs: 0 or at least this)
from backends.validation import plain_array

TOLERANCE = {
    "float64": {"rtol": 1e-10, "atol": 1e-12},
    "float32": {"rtol": 2e-5, "atol": 2e-6},
}

#: Central differences with step h have error O(h²) plus rounding O(eps/h): h = 1e-6 in float64
#: leaves about 1e-8 relative, so analytic gradients are held to 1e-6.
GRADIENT_STEP = 1e-6
GRADIENT_TOLERANCE = {"rtol": 1e-6, "atol": 1e-8}

#: Shapes every operation is checked on: the book's 3×4, 1×1, a batch of one, one neuron, tall, wide.
EDGE_SHAPES = [(3, 4), (1, 1), (1, 5), (6, 1), (50, 2), (2, 50)]


def native(backend, values, dtype="float64"):
    """values (anything np.asarray takes) as a native array of backend."""
    return backend.asarray(np.asarray(values, dtype=np.float64), dtype=dtype)


def as_numpy(backend, x):
    """A native array's values as a new float64 ndarray, read without the backend's own tolist (through
    the buffer or DLPack), so a fault in tolist is blamed on tolist alone; tolist where that fails."""
    backend.shape(x)  # a native array of this backend, or its own error
    try:
        return np.array(plain_array(x), dtype=np.float64)
    except (TypeError, ValueError, BufferError, RuntimeError):
        return np.asarray(backend.tolist(x), dtype=np.float64)


def assert_native(backend, actual, expected, dtype="float64", tolerance=None):
    """actual is a native array of backend (its type, element types and dtype, as the backend's own
    checks read them) with the shape of expected, and its values."""
    __tracebackhide__ = True
    expected = np.asarray(expected, dtype=np.float64)
    with _blamed_on_its_operation(backend, actual, expected):
        try:
            shape = tuple(backend.shape(actual))
        except (TypeError, ValueError) as error:
            raise AssertionError(f"{backend.name} returned an array that is not its own native array: {error}")
        actual_dtype = backend.arrays.dtype(actual)
        assert actual_dtype == dtype, f"dtype {actual_dtype}, expected {dtype}"
        assert shape == expected.shape, f"shape {shape}, expected {expected.shape}"
        np.testing.assert_allclose(as_numpy(backend, actual), expected, **(tolerance or TOLERANCE[dtype]))


def assert_scalar(actual, expected, dtype="float64", backend=None):
    __tracebackhide__ = True
    with _blamed_on_its_operation(backend, actual, expected):
        assert type(actual) is float, f"losses return a Python float, got {type(actual)}"
        np.testing.assert_allclose(actual, expected, **TOLERANCE[dtype])


@contextlib.contextmanager
def _blamed_on_its_operation(backend, actual, expected):
    """Under `nn-backends conformance`, a failed comparison counts for the operation whose call made
    `actual`, and its message ends with that call as a reproduction (see backends.contract)."""
    __tracebackhide__ = True
    try:
        yield
    except AssertionError as error:
        call = contract.origin(actual)
        if call is None:
            raise
        contract.blame(call.op)
        try:
            shown = as_numpy(backend, actual) if backend is not None and not isinstance(actual, float) else actual
        except Exception:  # the array is not even readable: the message above says why
            shown = None
        name = getattr(backend, "name", None) or contract.running_backend()
        raise AssertionError(f"{call.op}: {error}\nreproduce:\n" + "\n".join(
            "    " + line for line in call.reproduction(name, expected, shown).splitlines())) from None


def sum_tolerance(dtype, n_terms, magnitude):
    """Tolerance for a sum of n_terms products of size up to magnitude (the classic bound
    n·eps·Σ|terms|): random values near a cancellation would defeat a purely relative tolerance."""
    eps = float(np.finfo(dtype).eps)
    return {"rtol": TOLERANCE[dtype]["rtol"], "atol": 4 * n_terms * eps * magnitude + TOLERANCE[dtype]["atol"]}


def assert_retraces(curve, reference, steps_per_point=1, first=1e-12, growth=1.2):
    """A float64 loss curve retraces the reference within a relative tolerance that grows with the
    step count, first·growth^step: two correct backends start equal to the last bits and drift apart
    as the training amplifies their different rounding (numpy against pure Python: 5e-13 after 50
    Adam steps at lr 0.05), while a wrong one is off at once."""
    __tracebackhide__ = True
    curve, reference = np.asarray(curve, dtype=np.float64), np.asarray(reference, dtype=np.float64)
    assert curve.shape == reference.shape, f"{len(curve)} points, expected {len(reference)}"
    steps = steps_per_point * np.arange(1, len(curve) + 1)
    allowed = first * growth ** steps * np.abs(reference)
    off = np.flatnonzero(~(np.abs(curve - reference) <= allowed))
    assert not off.size, (f"the loss curve leaves the reference at point {off[0]} (step {steps[off[0]]}): "
                          f"{curve[off[0]]!r} against {reference[off[0]]!r}, allowed ±{allowed[off[0]]:.3g}")
