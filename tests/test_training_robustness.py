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


def _adagrad_update_torch(param, grad, lr, cache, eps):
    # torch.optim.Adagrad: state_sum.addcmul_(grad, grad); param.addcdiv_(grad, state_sum.sqrt().add_(eps), value=-lr)
    cache += grad * grad
    param += -lr * (grad / (np.sqrt(cache) + eps))


def _rmsprop_update_torch(param, grad, lr, cache, rho, eps):
    # torch.optim.RMSprop: square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha), then addcdiv_ as above
    cache *= rho
    cache += (1 - rho) * (grad * grad)
    param += -lr * (grad / (np.sqrt(cache) + eps))


def _adam_update_textbook(param, grad, lr, m, v, beta1, beta2, eps, step):
    # Kingma and Ba's Algorithm 1, line by line: m̂ and v̂ formed, then the step; new arrays returned
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1**step), v / (1 - beta2**step)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def _adagrad_update_eps_inside(param, grad, lr, cache, eps):
    cache += grad * grad
    param -= lr * grad / np.sqrt(cache + eps)  # wrong: eps under the root moves small-gradient weights less


def _relu_backward_inverted(dvalues, z):
    return dvalues * (z <= 0)


def numpy_with(name, **kernels):
    module = types.ModuleType(name)
    module.__dict__.update({k: v for k, v in vars(correct).items() if not k.startswith("__")} | kernels)
    return Backend.from_kernels(name, module, NdArrays(name), ("float64", "float32"))


ROUNDING = dict(dense_forward=_dense_forward, dense_backward=_dense_backward, adam_update=_adam_update,
                adagrad_update=_adagrad_update_torch, rmsprop_update=_rmsprop_update_torch)


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


@pytest.mark.slow
def test_textbook_adam_passes_the_training_checks():
    report = conformance.run(numpy_with("textbook", adam_update=_adam_update_textbook), modules=TRAINING,
                             select=CURVES)
    assert report["ok"], conformance.format_report(report)


def test_a_training_check_names_the_first_operation_that_differs():
    report = conformance.run(numpy_with("eps_inside", adagrad_update=_adagrad_update_eps_inside),
                             modules=("test_model.py",), select="test_every_optimizer_trains and adagrad")
    failure, = report["failures"]
    assert failure["blamed"] == ["adagrad_update"], failure
    assert "the first operation that differs from numpy's on its own inputs: adagrad_update" in failure["assertion"]


def test_update_orders_that_round_differently_pass_the_update_tolerance_on_every_draw():
    """The property test's tolerance for adam_update (support.update_tolerance) holds for torch's and
    the textbook's arrangements on 3,000 draws per dtype shaped as the suite draws them (magnitudes
    from 1e-18 to 1e3, zeros, steps to 10,000; half of them with param all but cancelled by the
    step), where the fixed rtol 1e-5/atol 1e-9 it replaces refused some; a wrong Adam (no bias
    correction) fails it on most draws."""
    import reference as ref
    from support import update_tolerance

    rng = np.random.default_rng(0)

    def draw(shape):
        values = 10.0 ** rng.uniform(-18, 3, shape) * rng.choice([-1.0, 1.0], shape)
        return np.where(rng.random(shape) < 0.1, 0.0, values)

    def within(actual, expected, tolerance):
        return np.all(np.abs(actual - expected) <= tolerance["atol"] + tolerance["rtol"] * np.abs(expected))

    def no_correction(param, grad, lr, m, v, beta1, beta2, eps, step):
        return _adam_update_textbook(param, grad, lr, m, v, beta1, beta2, eps, 1_000_000)

    refused = {"torch": 0, "textbook": 0, "fixed tolerance": 0, "no bias correction": 0}
    for dtype in ("float64", "float32"):
        for _ in range(3000):
            shape = tuple(rng.integers(1, 8, 2))
            param, grad, step = draw(shape), draw(shape).astype(dtype), int(rng.integers(1, 10_001))
            if rng.random() < 0.5:  # param all but cancelled by the step: the draws hypothesis homes in on
                moved = ref.adam_update(np.zeros(shape), grad, 0.01, np.zeros(shape), np.zeros(shape), 0.9, 0.999,
                                        1e-7, step)[0]
                param = -moved * (1 + rng.uniform(-1e-4, 1e-4, shape))
            param = param.astype(dtype)
            expected = ref.adam_update(param, grad, 0.01, np.zeros(shape), np.zeros(shape), 0.9, 0.999, 1e-7, step)[0]
            tolerance = update_tolerance(dtype, param, expected)
            for name, update in (("torch", _adam_update), ("textbook", _adam_update_textbook),
                                 ("no bias correction", no_correction)):
                p, m, v = param.copy(), np.zeros(shape, dtype), np.zeros(shape, dtype)
                result = update(p, grad, 0.01, m, v, 0.9, 0.999, 1e-7, step)
                p = p if result is None else result[0]
                refused[name] += not within(p.astype(np.float64), expected, tolerance)
                if name == "textbook" and dtype == "float32":
                    fixed = {"rtol": 1e-5, "atol": 1e-9}
                    refused["fixed tolerance"] += not within(p.astype(np.float64), expected, fixed)
    assert refused["torch"] == refused["textbook"] == 0, refused
    assert refused["fixed tolerance"] > 0 and refused["no bias correction"] > 3000, refused
