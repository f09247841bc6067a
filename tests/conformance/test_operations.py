"""Every operation of the interface against the independent oracle (reference.py, beside it), on every
backend and dtype, over the edge shapes: the book's 3×4, 1×1, a batch of one, one feature, tall, wide."""

import numpy as np
import pytest

import reference as ref
from backends import NdArrays
from support import EDGE_SHAPES, as_numpy, assert_native, assert_scalar, native, sum_tolerance

SHAPE_IDS = [f"{rows}x{columns}" for rows, columns in EDGE_SHAPES]


def random_native(backend, dtype, shape, seed, low=-3.0, high=3.0):
    """A random native array and its float64 values as the backend holds them (after rounding)."""
    x = native(backend, np.random.default_rng(seed).uniform(low, high, size=shape), dtype)
    return x, as_numpy(backend, x)


def random_probs(backend, dtype, shape, seed):
    logits = np.random.default_rng(seed).normal(size=shape)
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    x = native(backend, probs, dtype)
    return x, as_numpy(backend, x)


def classes_for(n_samples, n_classes, seed):
    return np.random.default_rng(seed).integers(0, n_classes, size=n_samples)


# ---------------------------------------------------------------- the course notebooks' first lessons
@pytest.mark.parametrize("shape", EDGE_SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("n_columns", [1, 3])
def test_matmul(backend, dtype, shape, n_columns):
    a, a_values = random_native(backend, dtype, shape, 1)
    c, c_values = random_native(backend, dtype, (shape[1], n_columns), 2)
    assert_native(backend, backend.matmul(a, c), ref.matmul(a_values, c_values), dtype)


@pytest.mark.parametrize("shape", EDGE_SHAPES, ids=SHAPE_IDS)
def test_transpose(backend, dtype, shape):
    a, values = random_native(backend, dtype, shape, 3)
    assert_native(backend, backend.transpose(a), values.T, dtype)


def test_transpose_result_feeds_other_operations(backend, dtype):
    a, values = random_native(backend, dtype, (3, 4), 4)
    product = backend.matmul(a, backend.transpose(a))
    assert_native(backend, product, values @ values.T, dtype)


# ---------------------------------------------------------------- dense layer
@pytest.mark.parametrize("shape", EDGE_SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("n_neurons", [1, 3])
def test_dense_forward(backend, dtype, shape, n_neurons):
    inputs, x = random_native(backend, dtype, shape, 5)
    weights, w = random_native(backend, dtype, (n_neurons, shape[1]), 6)
    biases, b = random_native(backend, dtype, (n_neurons,), 7)
    assert_native(backend, backend.dense_forward(inputs, weights, biases), ref.dense_forward(x, w, b), dtype)


@pytest.mark.parametrize("shape", EDGE_SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("n_neurons", [1, 3])
def test_dense_backward(backend, dtype, shape, n_neurons):
    inputs, x = random_native(backend, dtype, shape, 8)
    weights, w = random_native(backend, dtype, (n_neurons, shape[1]), 9)
    dvalues, d = random_native(backend, dtype, (shape[0], n_neurons), 10)
    dinputs, dweights, dbiases = backend.dense_backward(dvalues, inputs, weights)
    expected = ref.dense_backward(d, x, w)
    assert_native(backend, dinputs, expected[0], dtype)
    assert_native(backend, dweights, expected[1], dtype)
    assert_native(backend, dbiases, expected[2], dtype)


# Shapes past the edge shapes: odd sizes that leave partial tiles, and products big enough for the
# numba backend's blocked, multi-threaded path (over 3 MFLOP). Pure Python takes them too (~1 s).
LARGER = [(37, 53, 29), (200, 150, 120), (1, 600, 7), (130, 7, 300)]


@pytest.mark.parametrize("n_samples, n_inputs, n_neurons", LARGER, ids=["x".join(map(str, s)) for s in LARGER])
def test_dense_layer_and_matmul_on_larger_shapes(backend, dtype, n_samples, n_inputs, n_neurons):
    inputs, x = random_native(backend, dtype, (n_samples, n_inputs), 35)
    weights, w = random_native(backend, dtype, (n_neurons, n_inputs), 36)
    biases, b = random_native(backend, dtype, (n_neurons,), 37)
    dvalues, d = random_native(backend, dtype, (n_samples, n_neurons), 38)
    tolerance = sum_tolerance(dtype, max(n_samples, n_inputs, n_neurons), 9.0)
    assert_native(backend, backend.dense_forward(inputs, weights, biases), ref.dense_forward(x, w, b), dtype, tolerance)
    expected = ref.dense_backward(d, x, w)
    for actual, wanted in zip(backend.dense_backward(dvalues, inputs, weights), expected):
        assert_native(backend, actual, wanted, dtype, tolerance)
    assert_native(backend, backend.matmul(inputs, backend.transpose(weights)), ref.matmul(x, w.T), dtype, tolerance)


def test_dense_backward_can_skip_dinputs(backend, dtype):
    inputs, x = random_native(backend, dtype, (4, 3), 8)
    weights, w = random_native(backend, dtype, (2, 3), 9)
    dvalues, d = random_native(backend, dtype, (4, 2), 10)
    dinputs, dweights, dbiases = backend.dense_backward(dvalues, inputs, weights, need_dinputs=False)
    assert dinputs is None
    expected = ref.dense_backward(d, x, w)
    assert_native(backend, dweights, expected[1], dtype)
    assert_native(backend, dbiases, expected[2], dtype)


@pytest.mark.parametrize("shape", EDGE_SHAPES + [(5,)], ids=SHAPE_IDS + ["5"])
def test_multiply(backend, dtype, shape):
    a, a_values = random_native(backend, dtype, shape, 31)
    c, c_values = random_native(backend, dtype, shape, 32)
    assert_native(backend, backend.multiply(a, c), a_values * c_values, dtype)


# ---------------------------------------------------------------- activations
ELEMENTWISE = {
    "step": ref.step,
    "linear": lambda z: z,
    "relu": ref.relu,
    "sigmoid": ref.sigmoid,
    "tanh": ref.tanh,
}


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("shape", EDGE_SHAPES + [(5,), (1,)], ids=SHAPE_IDS + ["5", "1"])
def test_elementwise_activation(backend, dtype, name, shape):
    z, values = random_native(backend, dtype, shape, 11)
    assert_native(backend, getattr(backend, name)(z), ELEMENTWISE[name](values), dtype)


AT_ZERO = {  # op -> (call with z = [0.0], exact result): one operation per test, so a failure names it
    "step": (lambda b, z: b.step(z), [0.0]),
    "relu": (lambda b, z: b.relu(z), [0.0]),
    "sigmoid": (lambda b, z: b.sigmoid(z), [0.5]),
    "relu_backward": (lambda b, z: b.relu_backward(b.asarray([1.0]), z), [0.0]),  # z > 0 only, as in torch
}


@pytest.mark.parametrize("op", AT_ZERO)
def test_activations_at_zero(backend, op):
    call, expected = AT_ZERO[op]
    assert backend.tolist(call(backend, backend.asarray([0.0]))) == expected


@pytest.mark.parametrize("op", ["linear", "linear_backward"])
def test_linear_returns_a_new_array(backend, op):
    """The documented copy: a caller that changes the result in place must not change the input."""
    x = backend.asarray([[1.0, -2.0]])
    result = backend.linear(x) if op == "linear" else backend.linear_backward(x, backend.asarray([[0.5, 0.5]]))
    assert result is not x and backend.tolist(result) == [[1.0, -2.0]]
    if isinstance(backend.arrays, NdArrays):
        assert not np.shares_memory(result, x)


# name -> (forward whose outputs the backward takes, or None when it takes the input z; oracle)
BACKWARD = {
    "step_backward": (None, lambda d, z: np.zeros_like(d)),
    "linear_backward": (None, lambda d, z: d),
    "relu_backward": (None, ref.relu_backward),
    "sigmoid_backward": (ref.sigmoid, ref.sigmoid_backward),
    "tanh_backward": (ref.tanh, ref.tanh_backward),
}


@pytest.mark.parametrize("name", BACKWARD)
@pytest.mark.parametrize("shape", EDGE_SHAPES + [(5,)], ids=SHAPE_IDS + ["5"])
def test_elementwise_activation_backward(backend, dtype, name, shape):
    forward, oracle = BACKWARD[name]
    saved, saved_values = random_native(backend, dtype, shape, 12)
    if forward is not None:
        saved = native(backend, forward(saved_values), dtype)
        saved_values = as_numpy(backend, saved)
    dvalues, d = random_native(backend, dtype, shape, 13)
    assert_native(backend, getattr(backend, name)(dvalues, saved), oracle(d, saved_values), dtype)


@pytest.mark.parametrize("shape", EDGE_SHAPES, ids=SHAPE_IDS)
def test_softmax(backend, dtype, shape):
    z, values = random_native(backend, dtype, shape, 14)
    probs = backend.softmax(z)
    assert_native(backend, probs, ref.softmax(values), dtype)
    np.testing.assert_allclose(as_numpy(backend, probs).sum(axis=1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("shape", EDGE_SHAPES, ids=SHAPE_IDS)
def test_softmax_backward(backend, dtype, shape):
    outputs, s = random_probs(backend, dtype, shape, 15)
    dvalues, d = random_native(backend, dtype, shape, 16)
    assert_native(backend, backend.softmax_backward(dvalues, outputs), ref.softmax_backward(d, s), dtype)


# ---------------------------------------------------------------- losses
# One operation per test, so a failure names the operation (nn-backends conformance reports by it).
def assert_loss_operation(backend, op, args, oracle_args, dtype):
    __tracebackhide__ = True
    expected = getattr(ref, op)(*oracle_args)
    if op.endswith("_backward"):
        assert_native(backend, getattr(backend, op)(*args), expected, dtype)
    else:
        assert_scalar(getattr(backend, op)(*args), expected, dtype)


@pytest.mark.parametrize("op", ["categorical_cross_entropy", "categorical_cross_entropy_backward",
                                "softmax_cross_entropy_backward"])
@pytest.mark.parametrize("shape", EDGE_SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("target_form", ["indices", "one-hot"])
def test_categorical_cross_entropy(backend, dtype, shape, target_form, op):
    probs, p = random_probs(backend, dtype, shape, 17)
    classes = classes_for(shape[0], shape[1], 18)
    targets = classes if target_form == "indices" else native(backend, ref.one_hot(classes, shape[1]), dtype)
    assert_loss_operation(backend, op, (probs, targets), (p, classes), dtype)


@pytest.mark.parametrize("container", [list, tuple, np.array], ids=["list", "tuple", "ndarray"])
def test_class_indices_in_any_sequence(backend, container):
    probs = backend.asarray([[0.7, 0.2, 0.1], [0.1, 0.5, 0.4]])
    targets = container([0, 1])
    assert_scalar(backend.categorical_cross_entropy(probs, targets), -(np.log(0.7) + np.log(0.5)) / 2)


def test_fused_backward_equals_the_chained_backwards(backend, dtype):
    """softmax_cross_entropy_backward is the cheap form of softmax_backward ∘ categorical_cross_entropy_backward."""
    z, _ = random_native(backend, dtype, (5, 4), 19)
    probs = backend.softmax(z)
    classes = classes_for(5, 4, 20)
    chained = backend.softmax_backward(backend.categorical_cross_entropy_backward(probs, classes), probs)
    tolerance = {"rtol": 1e-7, "atol": 1e-9} if dtype == "float64" else None
    assert_native(backend, backend.softmax_cross_entropy_backward(probs, classes),
                  as_numpy(backend, chained), dtype, tolerance)


@pytest.mark.parametrize("op", ["binary_cross_entropy", "binary_cross_entropy_backward"])
@pytest.mark.parametrize("shape", EDGE_SHAPES, ids=SHAPE_IDS)
def test_binary_cross_entropy(backend, dtype, shape, op):
    probs, p = random_native(backend, dtype, shape, 21, low=0.01, high=0.99)
    targets, t = random_native(backend, dtype, shape, 22, low=0.0, high=1.0)
    assert_loss_operation(backend, op, (probs, targets), (p, t), dtype)


@pytest.mark.parametrize("op", ["mean_squared_error", "mean_squared_error_backward",
                                "mean_absolute_error", "mean_absolute_error_backward"])
@pytest.mark.parametrize("shape", EDGE_SHAPES, ids=SHAPE_IDS)
def test_regression_losses(backend, dtype, op, shape):
    predictions, p = random_native(backend, dtype, shape, 23)
    targets, t = random_native(backend, dtype, shape, 24)
    assert_loss_operation(backend, op, (predictions, targets), (p, t), dtype)


def test_mean_absolute_error_gradient_is_zero_where_prediction_is_exact(backend):
    predictions = backend.asarray([[1.0, 2.0]])
    targets = backend.asarray([[1.0, 3.0]])
    assert backend.tolist(backend.mean_absolute_error_backward(predictions, targets)) == [[0.0, -0.5]]


# ---------------------------------------------------------------- regularization
@pytest.mark.parametrize("shape", [(3, 4), (1, 1), (4,)], ids=["3x4", "1x1", "4"])
@pytest.mark.parametrize("l1, l2", [(0.0, 0.0), (1e-3, 0.0), (0.0, 5e-4), (2e-3, 5e-4)])
def test_regularization_loss(backend, dtype, shape, l1, l2):
    param, p = random_native(backend, dtype, shape, 33)
    assert_scalar(backend.regularization_loss(param, l1, l2), ref.regularization_loss(p, l1, l2), dtype)


@pytest.mark.parametrize("shape", [(3, 4), (1, 1), (4,)], ids=["3x4", "1x1", "4"])
@pytest.mark.parametrize("l1, l2", [(0.0, 0.0), (1e-3, 0.0), (0.0, 5e-4), (2e-3, 5e-4)])
def test_regularization_backward(backend, dtype, shape, l1, l2):
    param, p = random_native(backend, dtype, shape, 33)
    grad, g = random_native(backend, dtype, shape, 34)
    assert_native(backend, backend.regularization_backward(grad, param, l1, l2),
                  ref.regularization_backward(g, p, l1, l2), dtype)


# ---------------------------------------------------------------- the backends agree with each other
def test_every_backend_gives_the_numpy_oracle_on_a_whole_forward_and_backward_pass(backend, dtype):
    """A tiny network pass, chained through the interface, against the same chain in the oracle."""
    x, xv = random_native(backend, dtype, (7, 2), 25)
    w1, w1v = random_native(backend, dtype, (5, 2), 26)
    b1, b1v = random_native(backend, dtype, (5,), 27)
    w2, w2v = random_native(backend, dtype, (3, 5), 28)
    b2, b2v = random_native(backend, dtype, (3,), 29)
    classes = classes_for(7, 3, 30)

    hidden = backend.relu(backend.dense_forward(x, w1, b1))
    probs = backend.softmax(backend.dense_forward(hidden, w2, b2))
    loss = backend.categorical_cross_entropy(probs, classes)
    dlogits = backend.softmax_cross_entropy_backward(probs, classes)
    dhidden, dw2, db2 = backend.dense_backward(dlogits, hidden, w2)
    _, dw1, db1 = backend.dense_backward(backend.relu_backward(dhidden, backend.dense_forward(x, w1, b1)), x, w1)

    z1 = ref.dense_forward(xv, w1v, b1v)
    h = ref.relu(z1)
    p = ref.softmax(ref.dense_forward(h, w2v, b2v))
    d_logits = ref.softmax_cross_entropy_backward(p, classes)
    d_hidden, d_w2, d_b2 = ref.dense_backward(d_logits, h, w2v)
    _, d_w1, d_b1 = ref.dense_backward(ref.relu_backward(d_hidden, z1), xv, w1v)

    assert_scalar(loss, ref.categorical_cross_entropy(p, classes), dtype)
    for actual, expected in [(dw2, d_w2), (db2, d_b2), (dw1, d_w1), (db1, d_b1)]:
        assert_native(backend, actual, expected, dtype)
