"""Hypothesis-generated shapes and values, every operation family against the oracle."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import reference as ref
from support import (SMALLEST_DRAWN, as_numpy, assert_native, assert_scalar, native, sum_tolerance,
                     update_tolerance)

SETTINGS = settings(max_examples=40, deadline=None)
sizes = st.integers(min_value=1, max_value=7)


def number(bound=1e3, signed=True):
    """A float in [-bound, bound] ([0, bound] unsigned) that is 0 or at least SMALLEST_DRAWN in magnitude,
    so no input, difference or product of two of them is subnormal, in float64 or float32: a backend
    that flushes subnormals to zero (XLA on the CPU does) is judged on the same results as one that does not."""
    magnitude = st.floats(SMALLEST_DRAWN, bound)
    return st.one_of(st.just(0.0), magnitude, *([magnitude.map(lambda v: -v)] if signed else []))


def values(shape, bound=1e3):
    return arrays(np.float64, shape, elements=number(bound))


@st.composite
def dense_problem(draw, bound=1e3):
    n_samples, n_inputs, n_neurons = draw(sizes), draw(sizes), draw(sizes)
    return (draw(values((n_samples, n_inputs), bound)), draw(values((n_neurons, n_inputs), bound)),
            draw(values((n_neurons,), bound)), draw(values((n_samples, n_neurons), bound)))


@SETTINGS
@given(problem=dense_problem())
def test_dense_forward_on_random_shapes(backend, dtype, problem):
    x, w, b, _ = (as_numpy(backend, native(backend, v, dtype)) for v in problem)
    forward = backend.dense_forward(native(backend, x, dtype), native(backend, w, dtype), native(backend, b, dtype))
    assert_native(backend, forward, ref.dense_forward(x, w, b), dtype, sum_tolerance(dtype, x.shape[1] + 1, 1e6))


@SETTINGS
@given(problem=dense_problem())
def test_dense_backward_on_random_shapes(backend, dtype, problem):
    x, w, _, d = (as_numpy(backend, native(backend, v, dtype)) for v in problem)
    dinputs, dweights, dbiases = backend.dense_backward(native(backend, d, dtype), native(backend, x, dtype),
                                                        native(backend, w, dtype))
    expected = ref.dense_backward(d, x, w)
    assert_native(backend, dinputs, expected[0], dtype, sum_tolerance(dtype, w.shape[0], 1e6))
    assert_native(backend, dweights, expected[1], dtype, sum_tolerance(dtype, x.shape[0], 1e6))
    assert_native(backend, dbiases, expected[2], dtype, sum_tolerance(dtype, x.shape[0], 1e3))


@SETTINGS
@given(data=st.data())
def test_matmul_on_random_shapes(backend, dtype, data):
    n, k, m = data.draw(sizes), data.draw(sizes), data.draw(sizes)
    a = as_numpy(backend, native(backend, data.draw(values((n, k))), dtype))
    c = as_numpy(backend, native(backend, data.draw(values((k, m))), dtype))
    result = backend.matmul(native(backend, a, dtype), native(backend, c, dtype))
    assert_native(backend, result, ref.matmul(a, c), dtype, sum_tolerance(dtype, k, 1e6))


@SETTINGS
@given(data=st.data())
def test_softmax_rows_are_distributions_for_any_logits(backend, dtype, data):
    z = data.draw(values((data.draw(sizes), data.draw(sizes)), bound=1e4))
    native_z = native(backend, z, dtype)
    probs = backend.softmax(native_z)
    p = as_numpy(backend, probs)
    assert np.isfinite(p).all() and (p >= 0).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    # softmax is unchanged by a shift of the whole row: the oracle sees the values the backend holds
    assert_native(backend, probs, ref.softmax(as_numpy(backend, native_z)), dtype,
                  {"rtol": 1e-9 if dtype == "float64" else 1e-4, "atol": 1e-12 if dtype == "float64" else 1e-6})


ACTIVATIONS = {"relu": ref.relu, "sigmoid": ref.sigmoid, "tanh": ref.tanh, "step": ref.step}


# One operation per test from here on, so a failure names the operation (nn-backends conformance reports by it).
@pytest.mark.parametrize("name", ACTIVATIONS)
@SETTINGS
@given(data=st.data())
def test_elementwise_activations_for_any_values(backend, dtype, name, data):
    z = as_numpy(backend, native(backend, data.draw(values((data.draw(sizes), data.draw(sizes)), bound=1e4)), dtype))
    assert_native(backend, getattr(backend, name)(native(backend, z, dtype)), ACTIVATIONS[name](z), dtype)


@pytest.mark.parametrize("op", ["categorical_cross_entropy", "categorical_cross_entropy_backward",
                                "softmax_cross_entropy_backward"])
@SETTINGS
@given(data=st.data())
def test_categorical_cross_entropy_for_any_probabilities(backend, dtype, op, data):
    n_samples, n_classes = data.draw(sizes), data.draw(sizes)
    raw = data.draw(arrays(np.float64, (n_samples, n_classes), elements=number(1.0, signed=False)))
    probs = as_numpy(backend, native(backend, raw, dtype))
    classes = data.draw(arrays(np.int64, n_samples, elements=st.integers(0, n_classes - 1)))
    result = getattr(backend, op)(native(backend, probs, dtype), classes)
    expected = getattr(ref, op)(probs, classes)
    if op == "categorical_cross_entropy":
        assert np.isfinite(result), f"{op} gave {result} for probabilities {probs.tolist()}"
        if dtype == "float64":  # in float32 the upper clip bound rounds; test_stability covers it
            assert_scalar(result, expected, dtype)
    elif op == "softmax_cross_entropy_backward" or dtype == "float64":
        assert_native(backend, result, expected, dtype)


@pytest.mark.parametrize("op", ["mean_squared_error", "mean_squared_error_backward", "mean_absolute_error",
                                "mean_absolute_error_backward", "binary_cross_entropy",
                                "binary_cross_entropy_backward"])
@SETTINGS
@given(data=st.data())
def test_elementwise_losses_for_any_values(backend, dtype, op, data):
    shape = (data.draw(sizes), data.draw(sizes))
    unit = number(1.0, signed=False)
    p = as_numpy(backend, native(backend, data.draw(arrays(np.float64, shape, elements=unit)), dtype))
    t = as_numpy(backend, native(backend, data.draw(arrays(np.float64, shape, elements=unit)), dtype))
    result = getattr(backend, op)(native(backend, p, dtype), native(backend, t, dtype))
    if op.startswith("binary"):  # probabilities of exactly 0 and 1 included: finite, by the clip
        assert np.isfinite(as_numpy(backend, result) if op.endswith("_backward") else result).all(), \
            f"{op} is not finite for probabilities {p.tolist()} and targets {t.tolist()}"
        if dtype == "float64" and op == "binary_cross_entropy":
            assert_scalar(result, ref.binary_cross_entropy(p, t), dtype)
    elif op.endswith("_backward"):
        assert_native(backend, result, getattr(ref, op)(p, t), dtype)
    else:
        assert_scalar(result, getattr(ref, op)(p, t), dtype)


@SETTINGS
@given(data=st.data())
def test_adam_update_for_any_gradients(backend, dtype, data):
    shape = (data.draw(sizes), data.draw(sizes))
    param = native(backend, data.draw(values(shape)), dtype)
    grad = native(backend, data.draw(values(shape)), dtype)
    m, v = native(backend, np.zeros(shape), dtype), native(backend, np.zeros(shape), dtype)
    step = data.draw(st.integers(1, 10_000))
    before = as_numpy(backend, param)
    expected = ref.adam_update(before, as_numpy(backend, grad), 0.01, np.zeros(shape),
                               np.zeros(shape), 0.9, 0.999, 1e-7, step)
    param, m, v = backend.adam_update(param, grad, 0.01, m, v, 0.9, 0.999, 1e-7, step)
    assert_native(backend, param, expected[0], dtype, update_tolerance(dtype, before, expected[0]))
    assert_native(backend, m, expected[1], dtype)
    assert_native(backend, v, expected[2], dtype)
