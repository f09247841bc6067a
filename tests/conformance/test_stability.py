"""Stable numerics: logits of ±1000 and probabilities of exactly 0 and 1 give finite, correct
results on every backend, and no RuntimeWarning (pyproject turns every warning into an error; the
tests below also check that nothing was even emitted)."""

import math
import warnings

import numpy as np
import pytest

from support import as_numpy, native

CLIP = 1e-7  # backends.PROBABILITY_CLIP, restated so the expected values are independent


def one_minus_clip(dtype):
    """The upper clip bound as the dtype holds it: 1 - 1e-7 rounds to 1 - 2**-23 in float32."""
    return float(np.dtype(dtype).type(1 - CLIP))


@pytest.fixture(autouse=True)
def no_warnings():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    assert [str(w.message) for w in caught] == []


EXTREMES = [[-1000.0, 0.0, 1000.0], [1000.0, 1000.0, -1000.0], [-1000.0, -1000.0, -1000.0]]


def test_softmax_of_huge_logits(backend, dtype):
    probs = as_numpy(backend, backend.softmax(native(backend, EXTREMES, dtype)))
    assert np.isfinite(probs).all()
    np.testing.assert_allclose(probs, [[0, 0, 1], [0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]], atol=1e-7)


def test_sigmoid_of_huge_inputs(backend, dtype):
    s = as_numpy(backend, backend.sigmoid(native(backend, [-1000.0, -30.0, 0.0, 30.0, 1000.0], dtype)))
    assert np.isfinite(s).all()
    np.testing.assert_allclose(s, [0.0, math.exp(-30) / (1 + math.exp(-30)), 0.5, 1 / (1 + math.exp(-30)), 1.0],
                               rtol=1e-6, atol=0)
    assert s[1] > 0  # exp(-30) is representable: no underflow to 0 on the negative side


def test_tanh_of_huge_inputs(backend, dtype):
    t = as_numpy(backend, backend.tanh(native(backend, [-1000.0, 0.0, 1000.0], dtype)))
    np.testing.assert_array_equal(t, [-1.0, 0.0, 1.0])


@pytest.mark.parametrize("name, saturated", [("sigmoid", [[0.0, 1.0]]), ("tanh", [[-1.0, 1.0]])])
def test_sigmoid_and_tanh_backward_at_saturation_are_zero_not_nan(backend, dtype, name, saturated):
    """The outputs a forward gives at ±1000 (its own test above checks that it gives them)."""
    ones = native(backend, [[1.0, 1.0]], dtype)
    gradient = getattr(backend, name + "_backward")(ones, native(backend, saturated, dtype))
    np.testing.assert_array_equal(as_numpy(backend, gradient), [[0.0, 0.0]])


# One operation per test, so a failure names the operation (nn-backends conformance reports by it).
def test_categorical_cross_entropy_with_probabilities_of_exactly_0_and_1(backend, dtype):
    probs = native(backend, [[1.0, 0.0], [0.0, 1.0]], dtype)
    confident_right = backend.categorical_cross_entropy(probs, [0, 1])
    confident_wrong = backend.categorical_cross_entropy(probs, [1, 0])
    assert confident_right == pytest.approx(-math.log(one_minus_clip(dtype)), abs=1e-6)
    assert confident_wrong == pytest.approx(-math.log(CLIP), rel=1e-6)


def test_categorical_cross_entropy_backward_with_probabilities_of_exactly_0_and_1(backend, dtype):
    probs = native(backend, [[1.0, 0.0], [0.0, 1.0]], dtype)
    gradient = as_numpy(backend, backend.categorical_cross_entropy_backward(probs, [1, 0]))
    assert np.isfinite(gradient).all(), f"categorical_cross_entropy_backward is not finite: {gradient.tolist()}"
    np.testing.assert_allclose(gradient, [[0, -1 / CLIP / 2], [-1 / CLIP / 2, 0]], rtol=1e-5)


# What softmax and sigmoid give for logits of ±1000 (their own tests above check that they give it).
CERTAIN = [[1.0, 0.0]]


def test_cross_entropy_of_a_certain_wrong_answer_is_finite(backend, dtype):
    assert backend.categorical_cross_entropy(native(backend, CERTAIN, dtype), [1]) == pytest.approx(-math.log(CLIP),
                                                                                                    rel=1e-5)


def test_fused_backward_of_a_certain_wrong_answer(backend, dtype):
    gradient = as_numpy(backend, backend.softmax_cross_entropy_backward(native(backend, CERTAIN, dtype), [1]))
    np.testing.assert_allclose(gradient, [[1.0, -1.0]], atol=1e-7)


def test_binary_cross_entropy_with_probabilities_of_exactly_0_and_1(backend, dtype):
    probs = native(backend, [[0.0, 1.0, 0.0, 1.0]], dtype)
    targets = native(backend, [[0.0, 1.0, 1.0, 0.0]], dtype)
    loss = backend.binary_cross_entropy(probs, targets)
    # p is read through clip(p, CLIP, high): right answers cost -log(1 - CLIP) and -log(high), wrong ones
    # -log(CLIP) and -log(1 - high); in float32, high = 1 - 2**-23, so 1 - high is not 1e-7
    high = one_minus_clip(dtype)
    expected = (-math.log1p(-CLIP) - math.log(high) - math.log(CLIP) - math.log(1 - high)) / 4
    assert loss == pytest.approx(expected, rel=1e-5)
    assert backend.binary_cross_entropy(native(backend, [[1.0], [0.0]], dtype), native(backend, [[0.0], [1.0]], dtype)) \
        == pytest.approx((-math.log(1 - high) - math.log(CLIP)) / 2, rel=1e-5)


def test_binary_cross_entropy_backward_with_probabilities_of_exactly_0_and_1(backend, dtype):
    probs = native(backend, [[0.0, 1.0, 0.0, 1.0]], dtype)
    targets = native(backend, [[0.0, 1.0, 1.0, 0.0]], dtype)
    gradient = as_numpy(backend, backend.binary_cross_entropy_backward(probs, targets))
    assert np.isfinite(gradient).all(), f"binary_cross_entropy_backward is not finite: {gradient.tolist()}"
    # p clipped to [CLIP, high]: -(t/p - (1 - t)/(1 - p)) / 4 at each clipped p
    high = one_minus_clip(dtype)
    low_p, high_p = np.dtype(dtype).type(CLIP), high
    expected = [[1 / (1 - low_p), -1 / high_p, -1 / low_p, 1 / (1 - high_p)]]
    np.testing.assert_allclose(gradient, np.asarray(expected) / 4, rtol=1e-4)
