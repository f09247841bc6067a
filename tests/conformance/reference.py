"""Independent oracle: the interface's math as plain float64 NumPy formulas.

Never imports `backends`. Where a formula could be copied from the numpy backend, this module takes
another route to the same value (einsum instead of dot, tanh for the sigmoid, full Jacobians for
softmax, torch's arrangement of Adam) so that a shared mistake is unlikely.
"""

import numpy as np

CLIP = 1e-7  # the documented clipping constant of the cross-entropies (backends.PROBABILITY_CLIP)


def f64(x):
    return np.asarray(x, dtype=np.float64)


def matmul(a, c):
    return np.einsum("ik,kj->ij", f64(a), f64(c))


def dense_forward(inputs, weights, biases):
    return np.einsum("si,ni->sn", f64(inputs), f64(weights)) + f64(biases)[None, :]


def dense_backward(dvalues, inputs, weights):
    d, x, w = f64(dvalues), f64(inputs), f64(weights)
    return np.einsum("sn,ni->si", d, w), np.einsum("sn,si->ni", d, x), d.sum(axis=0)


def step(z):
    return np.heaviside(f64(z), 0.0)


def relu(z):
    z = f64(z)
    return z * (z > 0)


def relu_backward(dvalues, z):
    return f64(dvalues) * (f64(z) > 0)


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * f64(z)))


def sigmoid_backward(dvalues, outputs):
    s = f64(outputs)
    return f64(dvalues) * s * (1.0 - s)


def tanh(z):
    return np.tanh(f64(z))


def tanh_backward(dvalues, outputs):
    return f64(dvalues) * (1.0 - f64(outputs) ** 2)


def softmax(z):
    z = f64(z)
    shifted = z - z.max(axis=1, keepdims=True)
    return np.exp(shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True)))


def softmax_backward(dvalues, outputs):
    rows = []
    for d, s in zip(f64(dvalues), f64(outputs)):
        jacobian = np.diagflat(s) - np.outer(s, s)
        rows.append(jacobian @ d)
    return np.array(rows)


def one_hot(classes, n_classes):
    return np.eye(n_classes)[np.asarray(classes)]


def categorical_cross_entropy(probs, classes):
    p = np.clip(f64(probs), CLIP, 1 - CLIP)
    return float(np.mean(-np.sum(one_hot(classes, p.shape[1]) * np.log(p), axis=1)))


def categorical_cross_entropy_backward(probs, classes):
    p = np.clip(f64(probs), CLIP, 1 - CLIP)
    return -one_hot(classes, p.shape[1]) / p / p.shape[0]


def softmax_cross_entropy_backward(probs, classes):
    p = f64(probs)
    return (p - one_hot(classes, p.shape[1])) / p.shape[0]


def binary_cross_entropy(probs, targets):
    p, t = np.clip(f64(probs), CLIP, 1 - CLIP), f64(targets)
    return float(np.mean(-(t * np.log(p) + (1 - t) * np.log1p(-p))))


def binary_cross_entropy_backward(probs, targets):
    p, t = np.clip(f64(probs), CLIP, 1 - CLIP), f64(targets)
    return (p - t) / (p * (1 - p)) / p.size


def mean_squared_error(predictions, targets):
    return float(np.mean((f64(predictions) - f64(targets)) ** 2))


def mean_squared_error_backward(predictions, targets):
    p = f64(predictions)
    return 2 * (p - f64(targets)) / p.size


def mean_absolute_error(predictions, targets):
    return float(np.mean(np.abs(f64(predictions) - f64(targets))))


def mean_absolute_error_backward(predictions, targets):
    p = f64(predictions)
    return np.sign(p - f64(targets)) / p.size


def regularization_loss(param, l1, l2):
    p = f64(param)
    return float(l1 * np.linalg.norm(p.ravel(), 1) + l2 * np.dot(p.ravel(), p.ravel()))


def regularization_backward(grad, param, l1, l2):
    p = f64(param)
    return f64(grad) + l1 * np.sign(p) + 2 * l2 * p


# Optimizer updates: return new (param, *state) instead of updating in place.
def sgd_update(param, grad, lr, momentum, velocity):
    velocity = momentum * f64(velocity) - lr * f64(grad)
    return f64(param) + velocity, velocity


def adagrad_update(param, grad, lr, cache, eps):
    cache = f64(cache) + f64(grad) ** 2
    return f64(param) - lr * f64(grad) / (np.sqrt(cache) + eps), cache


def rmsprop_update(param, grad, lr, cache, rho, eps):
    cache = rho * f64(cache) + (1 - rho) * f64(grad) ** 2
    return f64(param) - lr * f64(grad) / (np.sqrt(cache) + eps), cache


def adam_update(param, grad, lr, m, v, beta1, beta2, eps, step):
    # torch.optim.Adam's arrangement: step size lr / (1 - β1^t), denominator √v / √(1 - β2^t) + eps
    g = f64(grad)
    m = beta1 * f64(m) + (1 - beta1) * g
    v = beta2 * f64(v) + (1 - beta2) * g * g
    denominator = np.sqrt(v) / np.sqrt(1 - beta2**step) + eps
    return f64(param) - (lr / (1 - beta1**step)) * m / denominator, m, v


def numerical_gradient(f, x, h=1e-6):
    """Central differences of the scalar function f at the float64 array x: (f(x+h) - f(x-h)) / 2h."""
    x = f64(x).copy()
    gradient = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        above = f(x)
        x[index] = original - h
        below = f(x)
        x[index] = original
        gradient[index] = (above - below) / (2 * h)
    return gradient
