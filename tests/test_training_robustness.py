"""Proof that the training checks test what training promises, not one backend's rounding: a
correct backend that rounds differently from numpy passes them, and a wrong one fails them.

The rounding variant is the numpy kernels with the sums taken another way, as a plug-in author
writes them: einsum for the dense products (no BLAS blocking), the bias gradient as ones @ dvalues,
and Adam in torch's arrangement (step size lr / (1 - β1^t), denominator √v / √(1 - β2^t) + eps).
"""

import types

import numpy as np
import pytest

from backends import Backend, NdArrays, conformance
from backends import numpy_backend as correct

TRAINING = ("test_training.py", "test_model.py")
CURVES = "test_same_seed_same_loss_curve or test_every_optimizer_trains or test_training_in_each_dtype"


def _dense_forward(inputs, weights, biases):
    return np.einsum("si,ni->sn", inputs, weights) + biases


def _dense_backward(dvalues, inputs, weights, need_dinputs=True):
    ones = np.ones(dvalues.shape[0], dtype=dvalues.dtype)
    return (np.einsum("sn,ni->si", dvalues, weights) if need_dinputs else None,
            np.einsum("sn,si->ni", dvalues, inputs), ones @ dvalues)


def _adam_update(param, grad, lr, m, v, beta1, beta2, eps, step):
    m *= beta1
    m += (1 - beta1) * grad
    v *= beta2
    v += (1 - beta2) * grad * grad
    param -= (lr / (1 - beta1**step)) * m / (np.sqrt(v) / np.sqrt(1 - beta2**step) + eps)


def _relu_backward_inverted(dvalues, z):
    return dvalues * (z <= 0)


def numpy_with(name, **kernels):
    module = types.ModuleType(name)
    module.__dict__.update({k: v for k, v in vars(correct).items() if not k.startswith("__")} | kernels)
    return Backend.from_kernels(name, module, NdArrays(name), ("float64", "float32"))


ROUNDING = dict(dense_forward=_dense_forward, dense_backward=_dense_backward, adam_update=_adam_update)


def test_the_variant_rounds_differently_from_numpy():
    """Not a copy of numpy: the same training run differs in the last bits (and only there)."""
    from backends import Dense, Model, ReLU, Softmax, data
    from backends.optim import Adam
    from backends.registry import registered
    X, y = data.spiral(samples=20, classes=3, seed=0)
    curves = {}
    variant = numpy_with("rounding_check", **ROUNDING)
    with registered(variant):
        for name in ("numpy", "rounding_check"):
            model = Model([Dense(2, 16), ReLU(), Dense(16, 3), Softmax()], optimizer=Adam(0.05), backend=name)
            curves[name] = np.array(model.fit(X, y, epochs=50, verbose=False)["loss"])
    assert not np.array_equal(curves["numpy"], curves["rounding_check"])
    np.testing.assert_allclose(curves["rounding_check"], curves["numpy"], rtol=1e-10)


@pytest.mark.slow
def test_a_correct_backend_that_rounds_differently_passes_the_training_checks():
    report = conformance.run(numpy_with("rounding", **ROUNDING), modules=TRAINING,
                             select=f"test_sine_regression_learns or {CURVES}")
    assert report["ok"], conformance.format_report(report)
    assert report["operations"][conformance.COMBINED]["passed"] == 1 + 4 + 3 + 2  # the sine run and 9 curves


@pytest.mark.slow
def test_a_wrong_backend_fails_them():
    report = conformance.run(numpy_with("wrong_relu", relu_backward=_relu_backward_inverted), modules=TRAINING,
                             select=f"test_sine_regression_learns or {CURVES}")
    failed = {failure["id"].split("[")[0] for failure in report["failures"]}
    assert {"test_sine_regression_learns", "test_same_seed_same_loss_curve_on_every_backend"} <= failed
