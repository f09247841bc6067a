"""The optimizer updates against the oracle, over several steps, for weights (2-D) and biases (1-D),
on every backend and dtype. An update returns the updated (param, *state), changed in place or new
(the contract checks which, call by call); the tests go on with what it returns, as the optimizers do."""

import numpy as np
import pytest

import reference as ref
from support import as_numpy, assert_native, native

# update name -> (hyperparameters, state names)
UPDATES = {
    "sgd_update": ({"lr": 0.1, "momentum": 0.9}, ["velocity"]),
    "adagrad_update": ({"lr": 0.5, "eps": 1e-7}, ["cache"]),
    "rmsprop_update": ({"lr": 0.02, "rho": 0.9, "eps": 1e-7}, ["cache"]),
    "adam_update": ({"lr": 0.05, "beta1": 0.9, "beta2": 0.999, "eps": 1e-7}, ["m", "v"]),
}
ARGUMENT_ORDER = {
    "sgd_update": ["lr", "momentum", "velocity"],
    "adagrad_update": ["lr", "cache", "eps"],
    "rmsprop_update": ["lr", "cache", "rho", "eps"],
    "adam_update": ["lr", "m", "v", "beta1", "beta2", "eps", "step"],
}


def arguments(name, hyper, states, step):
    named = {**hyper, **states, "step": step}
    return [named[key] for key in ARGUMENT_ORDER[name]]


@pytest.mark.parametrize("name", UPDATES)
@pytest.mark.parametrize("shape", [(3, 4), (1, 1), (4,), (1,)], ids=["3x4", "1x1", "4", "1"])
def test_update_matches_the_oracle_over_five_steps(backend, dtype, name, shape):
    hyper, state_names = UPDATES[name]
    rng = np.random.default_rng(0)
    param = native(backend, rng.normal(size=shape), dtype)
    states = {state: native(backend, np.zeros(shape), dtype) for state in state_names}
    expected_param = as_numpy(backend, param)
    expected_states = {state: np.zeros(shape) for state in state_names}
    for step in range(1, 6):
        grad = native(backend, rng.normal(size=shape), dtype)
        result = getattr(backend, name)(param, grad, *arguments(name, hyper, states, step))
        assert isinstance(result, tuple) and len(result) == 1 + len(state_names), f"{name} returned {result!r}"
        param, states = result[0], dict(zip(state_names, result[1:]))
        expected = getattr(ref, name)(expected_param, as_numpy(backend, grad),
                                      *arguments(name, hyper, expected_states, step))
        expected_param = expected[0]
        expected_states = dict(zip(state_names, expected[1:]))
    assert_native(backend, param, expected_param, dtype)
    for state in state_names:
        assert_native(backend, states[state], expected_states[state], dtype)


def test_sgd_without_momentum_is_plain_gradient_descent(backend):
    param = backend.asarray([[1.0, -2.0]])
    velocity = backend.asarray([[0.0, 0.0]])
    param, velocity = backend.sgd_update(param, backend.asarray([[0.5, -1.0]]), 0.1, 0.0, velocity)
    np.testing.assert_allclose(backend.tolist(param), [[0.95, -1.9]], rtol=1e-15)


def test_adam_first_step_moves_each_parameter_by_about_lr(backend):
    """With bias correction, Adam's first step is lr·g/(|g| + eps): ≈ lr in the direction of -g."""
    param = backend.asarray([3.0, -3.0, 0.5])
    m, v = backend.asarray([0.0, 0.0, 0.0]), backend.asarray([0.0, 0.0, 0.0])
    param, m, v = backend.adam_update(param, backend.asarray([10.0, -0.001, 2.0]), 0.01, m, v, 0.9, 0.999, 1e-12, 1)
    np.testing.assert_allclose(backend.tolist(param), [2.99, -2.99, 0.49], rtol=1e-9)


def test_updates_of_a_1d_parameter_return_what_they_wrote(backend):
    """Biases are 1-D: an in-place update writes into the caller's array, not into a reshaped copy
    that it then drops; whichever array it returns holds the update."""
    biases = backend.asarray([1.0, 2.0])
    cache = backend.asarray([0.0, 0.0])
    biases, cache = backend.adagrad_update(biases, backend.asarray([1.0, 1.0]), 1.0, cache, 1e-12)
    np.testing.assert_allclose(backend.tolist(biases), [0.0, 1.0], atol=1e-9)
    assert backend.tolist(cache) == [1.0, 1.0]
