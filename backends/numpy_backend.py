"""The `numpy` backend: the same math as whole-array operations, with no Python loop over samples.

`np.dot` hands the multiply-adds of a dense layer to BLAS, `.T` turns row-aligned weights into
columns, and broadcasting adds one bias per neuron to every sample. Native arrays are C-ordered
float64 or float32 ndarrays. Inputs arrive validated by `backends.interface.Backend`; the functions below
are arithmetic only, in the same order and under the same names as in the other backend modules.
"""

import math

import numpy as np

from .numerics import PROBABILITY_CLIP


def _class_rows(probs):
    return np.arange(probs.shape[0])


# ---------------------------------------------------------------- conversion
def asarray(x, dtype):
    if dtype is None:
        dtype = np.float32 if isinstance(x, np.ndarray) and x.dtype == np.float32 else np.float64
    return np.array(x, dtype=dtype, order="C")


def tolist(x):
    return x.tolist()


# ---------------------------------------------------------------- the course notebooks' first lessons
def matmul(a, c):
    return np.dot(a, c)


def transpose(a):
    return a.T.copy()  # a new array, as every result is (a.T alone would be a view of a)


# ---------------------------------------------------------------- dense layer
def dense_forward(inputs, weights, biases):
    outputs = np.dot(inputs, weights.T)
    outputs += biases  # broadcasting: one bias per neuron, added to every sample
    return outputs


def dense_backward(dvalues, inputs, weights, need_dinputs=True):
    dinputs = np.dot(dvalues, weights) if need_dinputs else None
    dweights = np.dot(dvalues.T, inputs)
    # the column sums as a product with a vector of ones: BLAS adds them up faster than .sum(axis=0)
    dbiases = np.dot(np.ones(dvalues.shape[0], dtype=dvalues.dtype), dvalues)
    return dinputs, dweights, dbiases


def multiply(a, c):
    return a * c


# ---------------------------------------------------------------- activations
def step(z):
    return (z > 0).astype(z.dtype)


def step_backward(dvalues, z):
    return np.zeros_like(dvalues)


def linear(z):
    return z.copy()


def linear_backward(dvalues, z):
    return dvalues.copy()


def relu(z):
    return np.maximum(z, 0)


def relu_backward(dvalues, z):
    return dvalues * (z > 0)


def sigmoid(z):
    # exp of -|z| only, so nothing overflows: σ(z) = 1/(1+e) for z >= 0 and e/(1+e) for z < 0
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_backward(dvalues, outputs):
    return dvalues * outputs * (1 - outputs)


def tanh(z):
    return np.tanh(z)


def tanh_backward(dvalues, outputs):
    return dvalues * (1 - outputs * outputs)


def _row_max(z):
    if z.shape[1] > 8:
        return z.max(axis=1, keepdims=True)
    # NumPy's max along short rows is slow (9 µs for 300x3); a running maximum down a few columns is
    # seven times faster. (A loop over columns, never over samples.)
    largest = z[:, 0].copy()
    for column in range(1, z.shape[1]):
        np.maximum(largest, z[:, column], out=largest)
    return largest[:, None]


def softmax(z):
    # exp(z - row max) is at most 1: no overflow, and the ratios are unchanged
    exponentials = z - _row_max(z)
    np.exp(exponentials, out=exponentials)
    # row sums as a product with a vector of ones, which BLAS does faster than .sum(axis=1)
    exponentials /= np.dot(exponentials, np.ones(z.shape[1], dtype=z.dtype))[:, None]
    return exponentials


def softmax_backward(dvalues, outputs):
    weighted = (dvalues * outputs).sum(axis=1, keepdims=True)
    return outputs * (dvalues - weighted)


# ---------------------------------------------------------------- losses
def categorical_cross_entropy(probs, classes):
    true_probs = np.clip(probs[_class_rows(probs), classes], PROBABILITY_CLIP, 1 - PROBABILITY_CLIP)
    return float(-np.log(true_probs).sum() / probs.shape[0])


def categorical_cross_entropy_backward(probs, classes):
    rows = _class_rows(probs)
    gradient = np.zeros_like(probs)
    gradient[rows, classes] = -1 / np.clip(probs[rows, classes], PROBABILITY_CLIP, 1 - PROBABILITY_CLIP)
    return gradient / probs.shape[0]


def softmax_cross_entropy_backward(probs, classes):
    gradient = probs.copy()
    gradient[_class_rows(probs), classes] -= 1
    return gradient / probs.shape[0]


def binary_cross_entropy(probs, targets):
    p = np.clip(probs, PROBABILITY_CLIP, 1 - PROBABILITY_CLIP)
    return float(-(targets * np.log(p) + (1 - targets) * np.log(1 - p)).mean())


def binary_cross_entropy_backward(probs, targets):
    p = np.clip(probs, PROBABILITY_CLIP, 1 - PROBABILITY_CLIP)
    return -(targets / p - (1 - targets) / (1 - p)) / probs.size


def mean_squared_error(predictions, targets):
    return float(((targets - predictions) ** 2).mean())


def mean_squared_error_backward(predictions, targets):
    return 2 * (predictions - targets) / predictions.size


def mean_absolute_error(predictions, targets):
    return float(np.abs(targets - predictions).mean())


def mean_absolute_error_backward(predictions, targets):
    return np.sign(predictions - targets) / predictions.size


# ---------------------------------------------------------------- regularization
def regularization_loss(param, l1, l2):
    return float(l1 * np.abs(param).sum() + l2 * (param * param).sum())


def regularization_backward(grad, param, l1, l2):
    return grad + l1 * np.sign(param) + 2 * l2 * param


# ---------------------------------------------------------------- optimizer updates (in place, returned)
def sgd_update(param, grad, lr, momentum, velocity):
    velocity *= momentum
    velocity -= lr * grad
    param += velocity
    return param, velocity


def adagrad_update(param, grad, lr, cache, eps):
    cache += grad * grad
    param -= lr * grad / (np.sqrt(cache) + eps)
    return param, cache


def rmsprop_update(param, grad, lr, cache, rho, eps):
    cache *= rho
    cache += (1 - rho) * grad * grad
    param -= lr * grad / (np.sqrt(cache) + eps)
    return param, cache


def adam_update(param, grad, lr, m, v, beta1, beta2, eps, step):
    # the moving averages start at zero; dividing by 1 - beta**step undoes that early bias
    correction1, correction2 = 1 - beta1**step, 1 - beta2**step
    scratch = (1 - beta1) * grad
    m *= beta1
    m += scratch
    np.multiply(grad, 1 - beta2, out=scratch)
    scratch *= grad
    v *= beta2
    v += scratch
    # m̂ / (√v̂ + eps) = (√c2 / c1) · m / (√v + eps·√c2): the same step in fewer passes over the arrays
    np.sqrt(v, out=scratch)
    scratch += eps * math.sqrt(correction2)
    np.divide(m, scratch, out=scratch)
    scratch *= lr * math.sqrt(correction2) / correction1
    param -= scratch
    return param, m, v
