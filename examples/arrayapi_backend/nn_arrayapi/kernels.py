"""The interface's operations written once against the Python array API standard (2023.12).

`ArrayApiKernels(xp)` computes with the namespace `xp` it is given: array_api_strict, jax.numpy, or
array_api_compat's torch/cupy/numpy namespaces. Nothing here changes an array in place, so the
kernels run on immutable arrays (JAX's) as on mutable ones: the updates return new arrays. Inputs
arrive validated by nn-backends' `Backend`; these methods are arithmetic only, in the order and
under the names of the interface. The standard has no fancy indexing by class, so the
cross-entropies pick each row's true class with a one-hot mask.
"""

import math

import numpy as np

#: Probabilities are clipped to [CLIP, 1 - CLIP] inside the cross-entropies (as nn-backends does).
CLIP = 1e-7


class ArrayApiKernels:
    """scalar: what a loss or penalty is returned as (float; inside a traced whole step, where no
    value is known yet, the 0-d array itself)."""

    def __init__(self, xp, scalar=float):
        self.xp = xp
        self._scalar = scalar

    def __repr__(self):
        return f"ArrayApiKernels({self.xp.__name__})"

    def _one_hot(self, classes, like):
        xp = self.xp
        if isinstance(classes, np.ndarray) or not hasattr(classes, "__array_namespace__"):
            classes = xp.asarray(np.asarray(classes, dtype=np.int64))  # else the library's own (traced) array
        return xp.astype(classes[:, None] == xp.arange(like.shape[1])[None, :], like.dtype)

    # ---------------------------------------------------------------- conversion
    def asarray(self, x, dtype):
        xp = self.xp
        if dtype is None:
            dtype = "float32" if isinstance(x, np.ndarray) and x.dtype == np.float32 else "float64"
        return xp.asarray(np.array(x, dtype=dtype))  # a copy: the caller's data is never shared

    def tolist(self, x):
        return np.from_dlpack(x).tolist()  # DLPack: the standard's way to share memory with NumPy

    # ---------------------------------------------------------------- the course notebooks' first lessons
    def matmul(self, a, c):
        return self.xp.matmul(a, c)

    def transpose(self, a):
        return self.xp.asarray(self.xp.matrix_transpose(a), copy=True)  # a view would alias the input

    # ---------------------------------------------------------------- dense layer
    def dense_forward(self, inputs, weights, biases):
        return self.xp.matmul(inputs, self.xp.matrix_transpose(weights)) + biases

    def dense_backward(self, dvalues, inputs, weights, need_dinputs=True):
        xp = self.xp
        dinputs = xp.matmul(dvalues, weights) if need_dinputs else None
        return dinputs, xp.matmul(xp.matrix_transpose(dvalues), inputs), xp.sum(dvalues, axis=0)

    def multiply(self, a, c):
        return a * c

    # ---------------------------------------------------------------- activations
    def step(self, z):
        return self.xp.astype(z > 0, z.dtype)

    def step_backward(self, dvalues, z):
        return self.xp.zeros_like(dvalues)

    def linear(self, z):
        return self.xp.asarray(z, copy=True)

    def linear_backward(self, dvalues, z):
        return self.xp.asarray(dvalues, copy=True)

    def relu(self, z):
        return self.xp.where(z > 0, z, self.xp.zeros_like(z))

    def relu_backward(self, dvalues, z):
        return self.xp.where(z > 0, dvalues, self.xp.zeros_like(dvalues))

    def sigmoid(self, z):
        # exp of -|z| only, so nothing overflows
        e = self.xp.exp(-self.xp.abs(z))
        return self.xp.where(z >= 0, 1 / (1 + e), e / (1 + e))

    def sigmoid_backward(self, dvalues, outputs):
        return dvalues * outputs * (1 - outputs)

    def tanh(self, z):
        return self.xp.tanh(z)

    def tanh_backward(self, dvalues, outputs):
        return dvalues * (1 - outputs * outputs)

    def softmax(self, z):
        xp = self.xp
        exponentials = xp.exp(z - xp.max(z, axis=1, keepdims=True))  # at most 1: no overflow
        return exponentials / xp.sum(exponentials, axis=1, keepdims=True)

    def softmax_backward(self, dvalues, outputs):
        return outputs * (dvalues - self.xp.sum(dvalues * outputs, axis=1, keepdims=True))

    # ---------------------------------------------------------------- losses
    def categorical_cross_entropy(self, probs, classes):
        xp = self.xp
        true_probs = xp.sum(xp.clip(probs, CLIP, 1 - CLIP) * self._one_hot(classes, probs), axis=1)
        return self._scalar(-xp.sum(xp.log(true_probs)) / probs.shape[0])

    def categorical_cross_entropy_backward(self, probs, classes):
        xp = self.xp
        return -self._one_hot(classes, probs) / xp.clip(probs, CLIP, 1 - CLIP) / probs.shape[0]

    def softmax_cross_entropy_backward(self, probs, classes):
        return (probs - self._one_hot(classes, probs)) / probs.shape[0]

    def binary_cross_entropy(self, probs, targets):
        xp = self.xp
        p = xp.clip(probs, CLIP, 1 - CLIP)
        return self._scalar(-xp.mean(targets * xp.log(p) + (1 - targets) * xp.log(1 - p)))

    def binary_cross_entropy_backward(self, probs, targets):
        p = self.xp.clip(probs, CLIP, 1 - CLIP)
        return -(targets / p - (1 - targets) / (1 - p)) / math.prod(probs.shape)

    def mean_squared_error(self, predictions, targets):
        return self._scalar(self.xp.mean((targets - predictions) ** 2))

    def mean_squared_error_backward(self, predictions, targets):
        return 2 * (predictions - targets) / math.prod(predictions.shape)

    def mean_absolute_error(self, predictions, targets):
        return self._scalar(self.xp.mean(self.xp.abs(targets - predictions)))

    def mean_absolute_error_backward(self, predictions, targets):
        return self.xp.sign(predictions - targets) / math.prod(predictions.shape)

    # ---------------------------------------------------------------- regularization
    def regularization_loss(self, param, l1, l2):
        xp = self.xp
        return self._scalar(l1 * xp.sum(xp.abs(param)) + l2 * xp.sum(param * param))

    def regularization_backward(self, grad, param, l1, l2):
        return grad + l1 * self.xp.sign(param) + 2 * l2 * param

    # ---------------------------------------------------------------- optimizer updates
    # Written as new arrays, returned: JAX's arrays cannot change, and on array_api_strict and torch
    # the same code runs unchanged (an in-place kernel would write into param and return it instead).
    def sgd_update(self, param, grad, lr, momentum, velocity):
        velocity = momentum * velocity - lr * grad
        return param + velocity, velocity

    def adagrad_update(self, param, grad, lr, cache, eps):
        cache = cache + grad * grad
        return param - lr * grad / (self.xp.sqrt(cache) + eps), cache

    def rmsprop_update(self, param, grad, lr, cache, rho, eps):
        cache = rho * cache + (1 - rho) * grad * grad
        return param - lr * grad / (self.xp.sqrt(cache) + eps), cache

    def adam_update(self, param, grad, lr, m, v, beta1, beta2, eps, step):
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad * grad
        # the moving averages start at zero; dividing by 1 - beta**step undoes that early bias
        m_hat, v_hat = m / (1 - beta1**step), v / (1 - beta2**step)
        return param - lr * m_hat / (self.xp.sqrt(v_hat) + eps), m, v
