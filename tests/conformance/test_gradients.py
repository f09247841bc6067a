"""Every backward against central differences of its forward, on every backend (float64).

Each test reduces the forward to a scalar, loss = Σ forward(x) · R with a fixed random R, whose
gradient with respect to the forward's output is R itself: so backward(R, ...) must equal the
numerical gradient of that scalar.
"""

import numpy as np
import pytest

import reference as ref
from support import EDGE_SHAPES, GRADIENT_STEP, GRADIENT_TOLERANCE, as_numpy, native

SHAPE_IDS = [f"{rows}x{columns}" for rows, columns in EDGE_SHAPES]


def numeric(backend, scalar_of_values, values):
    return ref.numerical_gradient(scalar_of_values, values, h=GRADIENT_STEP)


def check(backend, analytic, numerical):
    __tracebackhide__ = True
    np.testing.assert_allclose(as_numpy(backend, analytic), numerical, **GRADIENT_TOLERANCE)


def weighted_sum(backend, forward, weights):
    """x -> Σ forward(native x) · weights, a scalar function of a float64 array."""
    return lambda values: float((as_numpy(backend, forward(native(backend, values))) * weights).sum())


@pytest.mark.parametrize("shape", EDGE_SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("n_neurons", [1, 3])
def test_dense_backward_matches_central_differences(backend, shape, n_neurons):
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape)
    w = rng.normal(size=(n_neurons, shape[1]))
    b = rng.normal(size=n_neurons)
    upstream = rng.normal(size=(shape[0], n_neurons))
    dinputs, dweights, dbiases = backend.dense_backward(native(backend, upstream), native(backend, x),
                                                       native(backend, w))
    forward = backend.dense_forward
    check(backend, dinputs, numeric(backend, weighted_sum(
        backend, lambda xn: forward(xn, native(backend, w), native(backend, b)), upstream), x))
    check(backend, dweights, numeric(backend, weighted_sum(
        backend, lambda wn: forward(native(backend, x), wn, native(backend, b)), upstream), w))
    check(backend, dbiases, numeric(backend, weighted_sum(
        backend, lambda bn: forward(native(backend, x), native(backend, w), bn), upstream), b))


# activation -> which array its backward takes: the input z or the forward's outputs
ACTIVATIONS = {"relu": "z", "sigmoid": "outputs", "tanh": "outputs", "softmax": "outputs", "linear": "z"}


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("shape", EDGE_SHAPES, ids=SHAPE_IDS)
def test_activation_backward_matches_central_differences(backend, name, shape):
    rng = np.random.default_rng(1)
    z = rng.normal(size=shape) * 2
    if name == "relu":
        z[np.abs(z) < 1e-3] = 0.5  # keep clear of the kink, where central differences straddle it
    upstream = rng.normal(size=shape)
    forward = getattr(backend, name)
    saved = native(backend, z) if ACTIVATIONS[name] == "z" else forward(native(backend, z))
    analytic = getattr(backend, name + "_backward")(native(backend, upstream), saved)
    check(backend, analytic, numeric(backend, weighted_sum(backend, forward, upstream), z))


def test_step_backward_is_the_zero_derivative_of_a_flat_function(backend):
    z = np.array([[-1.0, -0.2, 0.3, 2.0]])
    numerical = numeric(backend, lambda v: float(as_numpy(backend, backend.step(native(backend, v))).sum()), z)
    assert np.all(numerical == 0.0)
    check(backend, backend.step_backward(native(backend, np.ones_like(z)), native(backend, z)), numerical)


@pytest.mark.parametrize("shape", EDGE_SHAPES[:4] + [(6, 3)], ids=SHAPE_IDS[:4] + ["6x3"])
def test_categorical_cross_entropy_backward_matches_central_differences(backend, shape):
    rng = np.random.default_rng(2)
    probs = rng.uniform(0.05, 0.95, size=shape)  # any positive values: the loss reads only the true class
    classes = rng.integers(0, shape[1], size=shape[0])
    loss = lambda p: backend.categorical_cross_entropy(native(backend, p), classes)  # noqa: E731
    check(backend, backend.categorical_cross_entropy_backward(native(backend, probs), classes),
          numeric(backend, loss, probs))


@pytest.mark.parametrize("shape", EDGE_SHAPES[:4] + [(6, 3)], ids=SHAPE_IDS[:4] + ["6x3"])
def test_fused_softmax_cross_entropy_backward_matches_central_differences_in_the_logits(backend, shape):
    rng = np.random.default_rng(3)
    logits = rng.normal(size=shape)
    classes = rng.integers(0, shape[1], size=shape[0])
    loss = lambda z: backend.categorical_cross_entropy(backend.softmax(native(backend, z)), classes)  # noqa: E731
    analytic = backend.softmax_cross_entropy_backward(backend.softmax(native(backend, logits)), classes)
    check(backend, analytic, numeric(backend, loss, logits))


@pytest.mark.parametrize("loss", ["binary_cross_entropy", "mean_squared_error", "mean_absolute_error"])
@pytest.mark.parametrize("shape", EDGE_SHAPES, ids=SHAPE_IDS)
def test_elementwise_loss_backward_matches_central_differences(backend, loss, shape):
    rng = np.random.default_rng(4)
    predictions = rng.uniform(0.05, 0.95, size=shape)
    targets = rng.uniform(0.0, 1.0, size=shape)
    if loss == "mean_absolute_error":
        targets = np.where(np.abs(targets - predictions) < 1e-3, predictions + 0.1, targets)
    forward = getattr(backend, loss)
    scalar = lambda p: forward(native(backend, p), native(backend, targets))  # noqa: E731
    analytic = getattr(backend, loss + "_backward")(native(backend, predictions), native(backend, targets))
    check(backend, analytic, numeric(backend, scalar, predictions))


@pytest.mark.parametrize("shape", [(3, 4), (1, 1), (5,)], ids=["3x4", "1x1", "5"])
def test_regularization_backward_matches_central_differences(backend, shape):
    rng = np.random.default_rng(5)
    param = rng.normal(size=shape)
    param[np.abs(param) < 1e-3] = 0.5  # keep clear of |p|'s kink at 0
    analytic = backend.regularization_backward(native(backend, np.zeros(shape)), native(backend, param), 1e-2, 3e-2)
    penalty = lambda p: backend.regularization_loss(native(backend, p), 1e-2, 3e-2)  # noqa: E731
    check(backend, analytic, numeric(backend, penalty, param))


def test_multiply_backward_is_multiply_by_the_other_factor(backend):
    rng = np.random.default_rng(6)
    a, c, upstream = rng.normal(size=(3, 2)), rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    numerical = numeric(backend, weighted_sum(backend, lambda an: backend.multiply(an, native(backend, c)), upstream), a)
    check(backend, backend.multiply(native(backend, upstream), native(backend, c)), numerical)
