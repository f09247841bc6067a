"""The loops the numba backend and its compiled training step share: softmax's backward, the losses,
the penalties and the optimizer updates, as in `python_backend.py`, compiled.

They live here, below both, so that the two compute every number the same way and neither imports
the other: `numba_backend.py` puts each behind its adapter under the operation's name, and the
compiled step (`step_layers`, `step_losses`, `step_updates`) calls them as they are. The numba
backend's docstring says which outer loops are `prange` loops.
"""

import math

import numpy as np
from numba import njit, prange

from ..numerics import PROBABILITY_CLIP


@njit(cache=True, inline="always")
def _clip_bounds(like):
    # the bounds in the array's own dtype: 1 - 1e-7 rounds to 1 - 1.19e-7 in float32, as in NumPy
    bounds = np.empty(2, dtype=like.dtype)
    bounds[0] = PROBABILITY_CLIP
    bounds[1] = 1.0 - PROBABILITY_CLIP
    return bounds[0], bounds[1]


# ---------------------------------------------------------------- softmax's backward
@njit(cache=True, parallel=True)
def softmax_backward(dvalues, outputs):
    n_samples, n_classes = outputs.shape
    gradient = np.empty_like(dvalues)
    for s in prange(n_samples):
        weighted = 0.0
        for j in range(n_classes):
            weighted += dvalues[s, j] * outputs[s, j]
        for j in range(n_classes):
            gradient[s, j] = outputs[s, j] * (dvalues[s, j] - weighted)
    return gradient


# ---------------------------------------------------------------- losses
@njit(cache=True)
def categorical_cross_entropy(probs, classes):
    low, high = _clip_bounds(probs)
    total = 0.0
    for s in range(probs.shape[0]):
        total -= math.log(min(max(probs[s, classes[s]], low), high))
    return total / probs.shape[0]


@njit(cache=True)
def categorical_cross_entropy_backward(probs, classes):
    low, high = _clip_bounds(probs)
    n_samples = probs.shape[0]
    gradient = np.zeros_like(probs)
    for s in range(n_samples):
        gradient[s, classes[s]] = -1.0 / min(max(probs[s, classes[s]], low), high) / n_samples
    return gradient


@njit(cache=True, parallel=True)
def softmax_cross_entropy_backward(probs, classes):
    n_samples, n_classes = probs.shape
    gradient = np.empty_like(probs)
    for s in prange(n_samples):
        for j in range(n_classes):
            gradient[s, j] = probs[s, j] / n_samples
        gradient[s, classes[s]] = (probs[s, classes[s]] - 1.0) / n_samples
    return gradient


@njit(cache=True)
def binary_cross_entropy(probs, targets):
    low, high = _clip_bounds(probs)
    total = 0.0
    for i in range(probs.size):
        p = min(max(probs[i], low), high)
        t = targets[i]
        total -= t * math.log(p) + (1.0 - t) * math.log(1.0 - p)
    return total / probs.size


@njit(cache=True, parallel=True)
def binary_cross_entropy_backward(probs, targets):
    low, high = _clip_bounds(probs)
    gradient = np.empty_like(probs)
    for i in prange(probs.size):
        p = min(max(probs[i], low), high)
        t = targets[i]
        gradient[i] = -(t / p - (1.0 - t) / (1.0 - p)) / probs.size
    return gradient


@njit(cache=True)
def mean_squared_error(predictions, targets):
    total = 0.0
    for i in range(predictions.size):
        difference = targets[i] - predictions[i]
        total += difference * difference
    return total / predictions.size


@njit(cache=True, parallel=True)
def mean_squared_error_backward(predictions, targets):
    gradient = np.empty_like(predictions)
    for i in prange(predictions.size):
        gradient[i] = 2.0 * (predictions[i] - targets[i]) / predictions.size
    return gradient


@njit(cache=True)
def mean_absolute_error(predictions, targets):
    total = 0.0
    for i in range(predictions.size):
        total += abs(targets[i] - predictions[i])
    return total / predictions.size


@njit(cache=True, parallel=True)
def mean_absolute_error_backward(predictions, targets):
    gradient = np.empty_like(predictions)
    for i in prange(predictions.size):
        difference = predictions[i] - targets[i]
        sign = 1.0 if difference > 0.0 else -1.0 if difference < 0.0 else 0.0
        gradient[i] = sign / predictions.size
    return gradient


# ---------------------------------------------------------------- regularization
@njit(cache=True)
def regularization_loss(param, l1, l2):
    absolute, squared = 0.0, 0.0
    for i in range(param.size):
        absolute += abs(param[i])
        squared += param[i] * param[i]
    return l1 * absolute + l2 * squared


@njit(cache=True, parallel=True)
def regularization_backward(grad, param, l1, l2):
    output = np.empty_like(grad)
    for i in prange(param.size):
        p = param[i]
        sign = 1.0 if p > 0.0 else -1.0 if p < 0.0 else 0.0
        output[i] = grad[i] + l1 * sign + 2.0 * l2 * p
    return output


# ---------------------------------------------------------------- optimizer updates (in place)
@njit(cache=True, parallel=True)
def sgd_update(param, grad, lr, momentum, velocity):
    for i in prange(param.size):
        velocity[i] = momentum * velocity[i] - lr * grad[i]
        param[i] += velocity[i]


@njit(cache=True, parallel=True)
def adagrad_update(param, grad, lr, cache, eps):
    for i in prange(param.size):
        cache[i] += grad[i] * grad[i]
        param[i] -= lr * grad[i] / (math.sqrt(cache[i]) + eps)


@njit(cache=True, parallel=True)
def rmsprop_update(param, grad, lr, cache, rho, eps):
    for i in prange(param.size):
        cache[i] = rho * cache[i] + (1.0 - rho) * grad[i] * grad[i]
        param[i] -= lr * grad[i] / (math.sqrt(cache[i]) + eps)


@njit(cache=True, parallel=True)
def adam_update(param, grad, lr, m, v, beta1, beta2, eps, step):
    # the moving averages start at zero; dividing by 1 - beta**step undoes that early bias
    step_size = lr / (1.0 - beta1**step)
    correction2 = 1.0 - beta2**step
    for i in prange(param.size):
        g = grad[i]
        m[i] = beta1 * m[i] + (1.0 - beta1) * g
        v[i] = beta2 * v[i] + (1.0 - beta2) * g * g
        param[i] -= step_size * m[i] / (math.sqrt(v[i] / correction2) + eps)
