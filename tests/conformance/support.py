"""Tolerances and the one assert helper of the conformance suite.

Tolerances are stated here once, per dtype. float64 results of different backends differ only by
summation order (BLAS blocks its sums, the loops do not); float32 carries ~7 significant digits.
"""

import contextlib

import numpy as np

from backends import contract
from backends.numerics import SMALLEST_DRAWN  # noqa: F401  (the suite's random inputs: 0 or at least this)
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
        values = as_numpy(backend, actual)
        np.testing.assert_allclose(values, expected, **(tolerance or TOLERANCE[dtype]))
    _note_errors(actual, values, expected, tolerance or TOLERANCE[dtype])


def assert_scalar(actual, expected, dtype="float64", backend=None):
    __tracebackhide__ = True
    with _blamed_on_its_operation(backend, actual, expected):
        assert type(actual) is float, f"losses return a Python float, got {type(actual)}"
        np.testing.assert_allclose(actual, expected, **TOLERANCE[dtype])
    _note_errors(actual, actual, expected, TOLERANCE[dtype])


def _note_errors(actual, values, expected, tolerance):
    """The largest absolute and relative error of a passing comparison, for the report; relative to
    |expected|, or to atol/rtol where the value is smaller (there the absolute tolerance decided)."""
    difference = np.abs(np.asarray(values, dtype=np.float64) - expected)
    scale = np.maximum(np.abs(expected), tolerance["atol"] / tolerance["rtol"])
    contract.note_errors(actual, float(np.max(difference, initial=0.0)), float(np.max(difference / scale, initial=0.0)))


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


def update_tolerance(dtype, before, after, operations=16):
    """Tolerance for a parameter after an update, param - step: each of the update's few operations
    (squares, a square root, divisions, the bias corrections) rounds once, so the result is off by
    at most about operations·eps·(|param| + |step|), norm-wise; a step that nearly cancels param
    leaves a result far smaller than its error, which a relative tolerance alone would refuse (a
    textbook-order Adam failed that way on one random draw in six)."""
    eps = float(np.finfo(dtype).eps)
    before, after = np.asarray(before, dtype=np.float64), np.asarray(after, dtype=np.float64)
    scale = float(np.max(np.abs(before) + np.abs(before - after)))
    return {"rtol": TOLERANCE[dtype]["rtol"], "atol": operations * eps * scale + TOLERANCE[dtype]["atol"]}


class RoundedAtTheBound:
    """numpy's kernels with every sum of the dense layer off by up to its rounding bound, n·eps·Σ|terms|
    (the classic bound of a sum of n terms), in a random direction per value. A training run on it
    strays from the exact one as far as a correct backend's rounding could make it: the error model
    of the training checks (see `rounding_band`)."""

    def __init__(self, seed):
        from backends import numpy_backend
        self._numpy, self._rng = numpy_backend, np.random.default_rng(seed)

    def __getattr__(self, name):
        return getattr(self._numpy, name)

    def _off(self, exact, bound):
        return exact + self._rng.uniform(-1.0, 1.0, exact.shape) * float(np.finfo(exact.dtype).eps) * bound

    def dense_forward(self, inputs, weights, biases):
        bound = (inputs.shape[1] + 1) * (np.abs(inputs) @ np.abs(weights).T + np.abs(biases))
        return self._off(self._numpy.dense_forward(inputs, weights, biases), bound)

    def dense_backward(self, dvalues, inputs, weights, need_dinputs=True):
        dinputs, dweights, dbiases = self._numpy.dense_backward(dvalues, inputs, weights, need_dinputs)
        size = np.abs(dvalues)
        if dinputs is not None:
            dinputs = self._off(dinputs, weights.shape[0] * (size @ np.abs(weights)))
        n = inputs.shape[0]
        return dinputs, self._off(dweights, n * (size.T @ np.abs(inputs))), self._off(dbiases, n * size.sum(axis=0))


def rounding_band(train, reference, runs=3):
    """How far a correct float64 training curve may stray from `reference` at each point: the largest
    distance of `runs` runs of `train(backend_name)` on `RoundedAtTheBound` kernels, plus the loss's
    own rounding (16·n·eps·|loss| for the n ≤ 64 values it averages). The band grows with the terms
    summed and the steps taken, and with the training's conditioning: Adagrad's first step divides
    each gradient by its own size, so a small gradient's rounding moves its weight a visible amount
    (5.7e-10 of the loss after one step, where SGD stays at 2e-16)."""
    from backends import Backend, NdArrays
    from backends.registry import registered
    reference = np.asarray(reference, dtype=np.float64)
    band = np.zeros_like(reference)
    for seed in range(runs):
        name = f"rounded_at_the_bound_{seed}"
        with registered(Backend.from_kernels(name, RoundedAtTheBound(seed), NdArrays(name), ("float64",))):
            band = np.maximum(band, np.abs(np.asarray(train(name), dtype=np.float64) - reference))
    return band + 16 * 64 * float(np.finfo(np.float64).eps) * np.abs(reference)


def assert_retraces(curve, reference, band, steps_per_point=1, diagnose=None):
    """A float64 loss curve retraces the reference within the rounding band (`rounding_band`): two
    correct backends part only as far as rounding at its bound can take them, a wrong one at once.
    On a failure, `diagnose(step)` (if given) names the first operation that differs (`first_difference`)."""
    __tracebackhide__ = True
    curve, reference = np.asarray(curve, dtype=np.float64), np.asarray(reference, dtype=np.float64)
    assert curve.shape == reference.shape, f"{len(curve)} points, expected {len(reference)}"
    steps = steps_per_point * np.arange(1, len(curve) + 1)
    off = np.flatnonzero(~(np.abs(curve - reference) <= band))
    if off.size:
        where = (f"the loss curve leaves the reference at point {off[0]} (step {steps[off[0]]}): {curve[off[0]]!r} "
                 f"against {reference[off[0]]!r}, allowed ±{band[off[0]]:.3g} (the rounding band)")
        raise AssertionError(where + ("" if diagnose is None else "\n" + diagnose(int(steps[off[0]]))))


def first_difference(backend, train, steps):
    """Replay: train again on `backend` for `steps` steps with every kernel call recorded, then redo
    each call on numpy's kernels with the same inputs. Returns (operation, a sentence): the first
    call whose result differs by more than 1e-9 of its largest value, which the caller blames; or
    (None, a sentence) when every call agrees and the curves part by rounding accumulated over steps."""
    from backends import Backend, numpy_backend
    from backends.updates import MUTABLE
    from backends.registry import registered
    calls = []

    class Recorded:
        def __init__(self, kernels):
            self._kernels = kernels

        def __getattr__(self, name):
            kernel = getattr(self._kernels, name)
            if name in ("asarray", "tolist") or not callable(kernel):
                return kernel

            def recorded(*args):
                inputs = [_readable(backend, a) for a in args]
                result = kernel(*args)
                if result is None and name in MUTABLE:  # an in-place update: what it wrote is in its arguments
                    outputs = tuple(args[i] for i in MUTABLE[name])
                else:
                    outputs = result if isinstance(result, tuple) else (result,)
                calls.append((name, inputs, [_readable(backend, r) for r in outputs]))
                return result
            return recorded

    name = f"{backend.name}_replayed"
    with registered(Backend.from_kernels(name, Recorded(backend.kernels), backend.arrays, backend.dtypes)):
        train(name, steps)
    for number, (op, inputs, outputs) in enumerate(calls, 1):
        arguments = [np.array(a) if isinstance(a, np.ndarray) else a for a in inputs]
        expected = getattr(numpy_backend, op)(*arguments)
        if expected is None:  # an in-place update: what it wrote is in its arguments
            expected = tuple(arguments[i] for i in MUTABLE[op])
        expected = expected if isinstance(expected, tuple) else (expected,)
        for position, (got, want) in enumerate(zip(outputs, expected)):
            if want is None or got is None:
                continue
            got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
            scale = max(float(np.max(np.abs(want), initial=0.0)), 1e-300)
            if got.shape != want.shape or np.max(np.abs(got - want), initial=0.0) > 1e-9 * scale:
                detail = (f"shape {got.shape}, expected {want.shape}" if got.shape != want.shape else
                          f"largest difference {np.max(np.abs(got - want)):.3g} where its values reach {scale:.3g}")
                return op, (f"the first operation that differs from numpy's on its own inputs: {op} (call {number} of "
                            f"the replayed run, result {position}): {detail}")
    return None, (f"every one of the {len(calls)} kernel calls of the first {steps} steps agrees with numpy's on its "
                  "own inputs to 1e-9 of its values: the curves part by rounding accumulated over the steps")


def _readable(backend, x):
    if x is None or isinstance(x, (int, float, bool, tuple)):
        return np.asarray(x, dtype=np.int64) if isinstance(x, tuple) else x
    if isinstance(x, np.ndarray) and x.dtype.kind == "i":
        return x.copy()
    try:
        return as_numpy(backend, x)
    except (TypeError, ValueError):
        return x
