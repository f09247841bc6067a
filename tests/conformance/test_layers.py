"""Layers on every backend: identical initial weights, the chain rule through each layer, penalties,
and dropout that knows training from inference and drops the same units everywhere."""

import numpy as np
import pytest

import backends
import reference as ref
from backends import Dense, Dropout, InvalidInputError, ReLU, Step
from support import TOLERANCE, as_numpy, native


def built(layer, backend, seed=0, dtype="float64"):
    layer.build(backend, dtype, np.random.default_rng(seed))
    return layer


@pytest.mark.parametrize("init", ["small", "he", "glorot"])
def test_dense_starts_from_the_same_weights_on_every_backend(backend, init):
    layer = built(Dense(3, 5, init=init), backend)
    expected = Dense(3, 5, init=init).initial_weights(np.random.default_rng(0))
    np.testing.assert_array_equal(as_numpy(backend, layer.weights), expected)
    np.testing.assert_array_equal(as_numpy(backend, layer.biases), np.zeros(5))


def test_initializations_have_their_documented_scale():
    rng = np.random.default_rng(0)
    assert np.std(Dense(400, 500, init="small").initial_weights(rng)) == pytest.approx(0.01, rel=0.02)
    assert np.std(Dense(400, 500, init="he").initial_weights(rng)) == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    glorot = Dense(400, 500, init="glorot").initial_weights(rng)
    assert np.abs(glorot).max() <= np.sqrt(6 / 900)


def test_dense_layer_forward_and_backward_with_penalties(backend):
    layer = built(Dense(4, 3, weight_l1=1e-3, weight_l2=2e-3, bias_l1=3e-3, bias_l2=4e-3), backend)
    x = np.random.default_rng(1).normal(size=(5, 4))
    w, bias = as_numpy(backend, layer.weights), np.zeros(3)
    out = layer.forward(native(backend, x), training=True)
    np.testing.assert_allclose(as_numpy(backend, out), ref.dense_forward(x, w, bias), **TOLERANCE["float64"])
    upstream = np.random.default_rng(2).normal(size=(5, 3))
    dinputs = layer.backward(native(backend, upstream))
    expected_dx, expected_dw, expected_db = ref.dense_backward(upstream, x, w)
    np.testing.assert_allclose(as_numpy(backend, dinputs), expected_dx, **TOLERANCE["float64"])
    np.testing.assert_allclose(as_numpy(backend, layer.dweights),
                               ref.regularization_backward(expected_dw, w, 1e-3, 2e-3), **TOLERANCE["float64"])
    np.testing.assert_allclose(as_numpy(backend, layer.dbiases),
                               ref.regularization_backward(expected_db, bias, 3e-3, 4e-3), **TOLERANCE["float64"])
    assert layer.regularization_loss() == pytest.approx(ref.regularization_loss(w, 1e-3, 2e-3), rel=1e-12)


def test_dense_without_bias_has_only_weights(backend):
    layer = built(Dense(2, 3, bias=False), backend)
    assert [id(p) for p in layer.parameters()] == [id(layer.weights)]
    x, upstream = [[1.0, 2.0]], [[1.0, -2.0, 0.5]]
    w = as_numpy(backend, layer.weights)
    out = layer.forward(native(backend, x), training=True)
    np.testing.assert_allclose(as_numpy(backend, out), np.asarray(x) @ w.T, **TOLERANCE["float64"])
    layer.backward(native(backend, upstream))
    assert [id(g) for g in layer.gradients()] == [id(layer.dweights)]
    np.testing.assert_allclose(as_numpy(backend, layer.dweights), ref.dense_backward(np.asarray(upstream), np.asarray(x), w)[1],
                               **TOLERANCE["float64"])


def test_dropout_is_identity_at_inference(backend):
    layer = built(Dropout(0.5), backend)
    x = native(backend, np.ones((4, 6)))
    assert layer.forward(x, training=False) is x
    assert layer.backward(x) is x


def test_dropout_drops_and_rescales_while_training(backend):
    layer = built(Dropout(0.25), backend, seed=3)
    out = as_numpy(backend, layer.forward(native(backend, np.ones((200, 50))), training=True))
    kept = out != 0
    np.testing.assert_allclose(out[kept], 1 / 0.75)
    assert kept.mean() == pytest.approx(0.75, abs=0.01)
    gradient = as_numpy(backend, layer.backward(native(backend, np.ones((200, 50)))))
    np.testing.assert_array_equal(gradient, out)  # the same mask on the way back


def test_dropout_draws_the_same_masks_on_every_backend(backend):
    """The masks of the backend under test are those the numpy backend draws from the same seed."""
    masks = []
    for b in (backends.get_backend("numpy"), backend):
        layer = built(Dropout(0.3), b, seed=7)
        masks.append([as_numpy(b, layer.forward(b.asarray(np.ones((5, 8))), training=True)) for _ in range(3)])
    for first, second in zip(*masks):
        np.testing.assert_array_equal(first, second)
    assert not np.array_equal(masks[0][0], masks[0][1])  # a fresh mask each call


def test_step_layer_refuses_to_train(backend):
    layer = built(Step(), backend)
    assert backend.tolist(layer.forward(native(backend, [[-1.0, 2.0]]), training=False)) == [[0.0, 1.0]]
    with pytest.raises(InvalidInputError, match="Step.backward: the step function has zero gradient everywhere"):
        layer.backward(native(backend, [[1.0, 1.0]]))


@pytest.mark.parametrize("make, message", [
    (lambda: Dense(0, 3), "Dense: n_inputs must be a positive integer; got n_inputs=0"),
    (lambda: Dense(2, 2.5), "Dense: n_neurons must be a positive integer; got n_neurons=2.5"),
    (lambda: Dense(2, 3, init="zeros"), "Dense: init must be one of small, he, glorot; got init='zeros'"),
    (lambda: Dense(2, 3, weight_l2=-1.0), "Dense: weight_l2 must lie in [0, inf); got weight_l2=-1.0"),
    (lambda: Dropout(1.0), "Dropout: rate must lie in [0, 1); got rate=1.0"),
])
def test_bad_layer_settings(make, message):
    with pytest.raises(InvalidInputError) as raised:
        make()
    assert str(raised.value) == message


def test_layers_have_readable_reprs():
    assert repr(Dense(2, 64, weight_l2=5e-4)) == ("Dense(n_inputs=2, n_neurons=64, init='small', bias=True, "
                                                 "weight_l2=0.0005)")
    assert repr(ReLU()) == "ReLU()"
    assert repr(Dropout(0.1)) == "Dropout(rate=0.1)"
