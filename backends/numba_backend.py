"""The `numba` backend: the loops of the `python` backend again, compiled to machine code.

Each operation is an `@njit(cache=True)` kernel of plain loops, in the order and under the name it has
in `python_backend.py`, behind an adapter that hands it C-ordered arrays. Most outer loops are
`prange` loops under `parallel=True`, shared among Numba's threads: `multiply`, every activation and
its backward, `softmax` and `softmax_backward` (row by row), the backwards of the losses but one,
`regularization_backward` and the four optimizer updates. The outer loops that stay `range`, on one
thread: the sums that reduce to one number (the four losses' forwards and `regularization_loss`,
added in one order), `transpose`, and `categorical_cross_entropy_backward` (one write per row into
zeros). Loops over a row's columns inside a `prange` are `range`. The matrix products alone are not
textbook loops: they call `numba_kernels.products`, compiled calls of `numba_kernels.gemm.product`,
a packed, register-blocked GEMM in Numba loops (no BLAS) shaped for the CPU it runs on, because the
textbook loop reaches a tenth of BLAS's speed (`nn-backends ladder` measures each step between).
Kernels are cached on disk, keyed on every kernel file: a fresh checkout compiles each on first use.
"""

import math

import numpy as np
from numba import njit, prange

from .numba_kernels import disk_cache, first_use  # noqa: F401  (before any kernel: cache keys, compile notice)
from .numba_kernels import gemm, products
from .numba_kernels.adapters import elementwise, rowwise
from .numba_kernels.stable_formulas import sigmoid_of, softmax_row
from .numerics import PROBABILITY_CLIP

_C = np.ascontiguousarray


@njit(cache=True, inline="always")
def _clip_bounds(like):
    # the bounds in the array's own dtype: 1 - 1e-7 rounds to 1 - 1.19e-7 in float32, as in NumPy
    bounds = np.empty(2, dtype=like.dtype)
    bounds[0] = PROBABILITY_CLIP
    bounds[1] = 1.0 - PROBABILITY_CLIP
    return bounds[0], bounds[1]


# ---------------------------------------------------------------- conversion
from .numpy_backend import asarray, tolist  # noqa: E402  (the same native arrays as the numpy backend)


# ---------------------------------------------------------------- the course notebooks' first lessons
def matmul(a, c):
    gemm.prepare(a.dtype)
    return products.matmul(_C(a), _C(c), gemm.thread_count())


@rowwise
@njit(cache=True)
def transpose(a):
    n_rows, n_columns = a.shape
    output = np.empty((n_columns, n_rows), dtype=a.dtype)
    for i in range(n_rows):
        for j in range(n_columns):
            output[j, i] = a[i, j]
    return output


# ---------------------------------------------------------------- dense layer
def dense_forward(inputs, weights, biases):
    gemm.prepare(inputs.dtype)
    return products.dense_forward(_C(inputs), _C(weights), _C(biases), gemm.thread_count())


def dense_backward(dvalues, inputs, weights, need_dinputs=True):
    gemm.prepare(inputs.dtype)
    dinputs, dweights, dbiases = products.dense_backward(_C(dvalues), _C(inputs), _C(weights), need_dinputs,
                                                         gemm.thread_count())
    return (dinputs if need_dinputs else None), dweights, dbiases


@elementwise
@njit(cache=True, parallel=True)
def multiply(a, c):
    output = np.empty_like(a)
    for i in prange(a.size):
        output[i] = a[i] * c[i]
    return output


# ---------------------------------------------------------------- activations
@elementwise
@njit(cache=True, parallel=True)
def step(z):
    output = np.empty_like(z)
    for i in prange(z.size):
        output[i] = 1.0 if z[i] > 0.0 else 0.0
    return output


@elementwise
@njit(cache=True, parallel=True)
def step_backward(dvalues, z):
    gradient = np.empty_like(dvalues)
    for i in prange(dvalues.size):
        gradient[i] = 0.0
    return gradient


@elementwise
@njit(cache=True, parallel=True)
def linear(z):
    output = np.empty_like(z)
    for i in prange(z.size):
        output[i] = z[i]
    return output


@elementwise
@njit(cache=True, parallel=True)
def linear_backward(dvalues, z):
    gradient = np.empty_like(dvalues)
    for i in prange(dvalues.size):
        gradient[i] = dvalues[i]
    return gradient


@elementwise
@njit(cache=True, parallel=True)
def relu(z):
    output = np.empty_like(z)
    for i in prange(z.size):
        output[i] = z[i] if z[i] > 0.0 else 0.0
    return output


@elementwise
@njit(cache=True, parallel=True)
def relu_backward(dvalues, z):
    gradient = np.empty_like(dvalues)
    for i in prange(z.size):
        gradient[i] = dvalues[i] if z[i] > 0.0 else 0.0
    return gradient


@elementwise
@njit(cache=True, parallel=True)
def sigmoid(z):
    output = np.empty_like(z)
    for i in prange(z.size):
        output[i] = sigmoid_of(z[i])
    return output


@elementwise
@njit(cache=True, parallel=True)
def sigmoid_backward(dvalues, outputs):
    gradient = np.empty_like(dvalues)
    for i in prange(outputs.size):
        gradient[i] = dvalues[i] * outputs[i] * (1.0 - outputs[i])
    return gradient


@elementwise
@njit(cache=True, parallel=True)
def tanh(z):
    output = np.empty_like(z)
    for i in prange(z.size):
        output[i] = math.tanh(z[i])
    return output


@elementwise
@njit(cache=True, parallel=True)
def tanh_backward(dvalues, outputs):
    gradient = np.empty_like(dvalues)
    for i in prange(outputs.size):
        gradient[i] = dvalues[i] * (1.0 - outputs[i] * outputs[i])
    return gradient


@rowwise
@njit(cache=True, parallel=True)
def softmax(z):
    output = np.empty_like(z)
    for s in prange(z.shape[0]):
        softmax_row(z, output, s)
    return output


@rowwise
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
@rowwise
@njit(cache=True)
def categorical_cross_entropy(probs, classes):
    low, high = _clip_bounds(probs)
    total = 0.0
    for s in range(probs.shape[0]):
        total -= math.log(min(max(probs[s, classes[s]], low), high))
    return total / probs.shape[0]


@rowwise
@njit(cache=True)
def categorical_cross_entropy_backward(probs, classes):
    low, high = _clip_bounds(probs)
    n_samples = probs.shape[0]
    gradient = np.zeros_like(probs)
    for s in range(n_samples):
        gradient[s, classes[s]] = -1.0 / min(max(probs[s, classes[s]], low), high) / n_samples
    return gradient


@rowwise
@njit(cache=True, parallel=True)
def softmax_cross_entropy_backward(probs, classes):
    n_samples, n_classes = probs.shape
    gradient = np.empty_like(probs)
    for s in prange(n_samples):
        for j in range(n_classes):
            gradient[s, j] = probs[s, j] / n_samples
        gradient[s, classes[s]] = (probs[s, classes[s]] - 1.0) / n_samples
    return gradient


@elementwise
@njit(cache=True)
def binary_cross_entropy(probs, targets):
    low, high = _clip_bounds(probs)
    total = 0.0
    for i in range(probs.size):
        p = min(max(probs[i], low), high)
        t = targets[i]
        total -= t * math.log(p) + (1.0 - t) * math.log(1.0 - p)
    return total / probs.size


@elementwise
@njit(cache=True, parallel=True)
def binary_cross_entropy_backward(probs, targets):
    low, high = _clip_bounds(probs)
    gradient = np.empty_like(probs)
    for i in prange(probs.size):
        p = min(max(probs[i], low), high)
        t = targets[i]
        gradient[i] = -(t / p - (1.0 - t) / (1.0 - p)) / probs.size
    return gradient


@elementwise
@njit(cache=True)
def mean_squared_error(predictions, targets):
    total = 0.0
    for i in range(predictions.size):
        difference = targets[i] - predictions[i]
        total += difference * difference
    return total / predictions.size


@elementwise
@njit(cache=True, parallel=True)
def mean_squared_error_backward(predictions, targets):
    gradient = np.empty_like(predictions)
    for i in prange(predictions.size):
        gradient[i] = 2.0 * (predictions[i] - targets[i]) / predictions.size
    return gradient


@elementwise
@njit(cache=True)
def mean_absolute_error(predictions, targets):
    total = 0.0
    for i in range(predictions.size):
        total += abs(targets[i] - predictions[i])
    return total / predictions.size


@elementwise
@njit(cache=True, parallel=True)
def mean_absolute_error_backward(predictions, targets):
    gradient = np.empty_like(predictions)
    for i in prange(predictions.size):
        difference = predictions[i] - targets[i]
        sign = 1.0 if difference > 0.0 else -1.0 if difference < 0.0 else 0.0
        gradient[i] = sign / predictions.size
    return gradient


# ---------------------------------------------------------------- regularization
@elementwise
@njit(cache=True)
def regularization_loss(param, l1, l2):
    absolute, squared = 0.0, 0.0
    for i in range(param.size):
        absolute += abs(param[i])
        squared += param[i] * param[i]
    return l1 * absolute + l2 * squared


@elementwise
@njit(cache=True, parallel=True)
def regularization_backward(grad, param, l1, l2):
    output = np.empty_like(grad)
    for i in prange(param.size):
        p = param[i]
        sign = 1.0 if p > 0.0 else -1.0 if p < 0.0 else 0.0
        output[i] = grad[i] + l1 * sign + 2.0 * l2 * p
    return output


# ---------------------------------------------------------------- optimizer updates (in place)
# Native arrays are C-ordered, so the flat arrays the kernels get are views: their writes land in
# the caller's param and state arrays.
@elementwise
@njit(cache=True, parallel=True)
def sgd_update(param, grad, lr, momentum, velocity):
    for i in prange(param.size):
        velocity[i] = momentum * velocity[i] - lr * grad[i]
        param[i] += velocity[i]


@elementwise
@njit(cache=True, parallel=True)
def adagrad_update(param, grad, lr, cache, eps):
    for i in prange(param.size):
        cache[i] += grad[i] * grad[i]
        param[i] -= lr * grad[i] / (math.sqrt(cache[i]) + eps)


@elementwise
@njit(cache=True, parallel=True)
def rmsprop_update(param, grad, lr, cache, rho, eps):
    for i in prange(param.size):
        cache[i] = rho * cache[i] + (1.0 - rho) * grad[i] * grad[i]
        param[i] -= lr * grad[i] / (math.sqrt(cache[i]) + eps)


@elementwise
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


# ---------------------------------------------------------------- optional: a whole training step, compiled
def compiled_training_step(plan):
    """The interface's optional hook: forward, loss, backward and update of the model the training
    `plan` describes as one compiled call (see `numba_kernels.training_step`), or None for a plan
    that step cannot run."""
    from .numba_kernels.training_step import compiled_training_step as compile_step
    return compile_step(plan)
