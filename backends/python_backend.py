"""The `python` backend: every operation as nested `for` loops over lists, one multiply-add at a time.

This is the reference a student reads first: what a neuron really computes, with no library in the
way. Native arrays are lists of floats (1-D) or lists of rows (2-D, one row per sample). Inputs
arrive validated by `backends.interface.Backend`; the functions below are arithmetic only, in the same
order and under the same names as in `numpy_backend.py` and `numba_backend.py`.
"""

import math

from .numerics import PROBABILITY_CLIP


def _rows(x):
    """A 1-D list seen as a matrix of one row (the same list object, so updates land in x)."""
    return x if isinstance(x[0], list) else [x]


def _shaped_like(x, rows):
    return rows if isinstance(x[0], list) else rows[0]


def _clip(p):
    return min(max(p, PROBABILITY_CLIP), 1.0 - PROBABILITY_CLIP)


# ---------------------------------------------------------------- conversion
def asarray(x, dtype):
    values = x.tolist() if hasattr(x, "tolist") else x
    if isinstance(values[0], (list, tuple)):
        return [[float(value) for value in row] for row in values]
    return [float(value) for value in values]


def tolist(x):
    return [list(row) for row in x] if isinstance(x[0], list) else list(x)


# ---------------------------------------------------------------- the course notebooks' first lessons
def matmul(a, c):
    n_inner, n_columns = len(c), len(c[0])
    output = []
    for a_row in a:
        output_row = []
        for j in range(n_columns):
            total = 0.0
            for k in range(n_inner):
                total += a_row[k] * c[k][j]
            output_row.append(total)
        output.append(output_row)
    return output


def transpose(a):
    n_rows, n_columns = len(a), len(a[0])
    output = []
    for j in range(n_columns):
        output_row = []
        for i in range(n_rows):
            output_row.append(a[i][j])
        output.append(output_row)
    return output


# ---------------------------------------------------------------- dense layer
def dense_forward(inputs, weights, biases):
    output = []
    for sample in inputs:
        neuron_outputs = []
        for neuron_weights, bias in zip(weights, biases):
            total = 0.0
            for value, weight in zip(sample, neuron_weights):
                total += value * weight
            neuron_outputs.append(total + bias)
        output.append(neuron_outputs)
    return output


def dense_backward(dvalues, inputs, weights, need_dinputs=True):
    n_inputs = len(weights[0])
    dinputs = [] if need_dinputs else None
    for gradient_row in dvalues if need_dinputs else ():
        dinputs_row = [0.0] * n_inputs
        for gradient, neuron_weights in zip(gradient_row, weights):
            for i in range(n_inputs):
                dinputs_row[i] += gradient * neuron_weights[i]
        dinputs.append(dinputs_row)
    dweights = [[0.0] * n_inputs for _ in weights]
    dbiases = [0.0] * len(weights)
    for gradient_row, sample in zip(dvalues, inputs):
        for neuron, gradient in enumerate(gradient_row):
            dweights_row = dweights[neuron]
            for i in range(n_inputs):
                dweights_row[i] += gradient * sample[i]
            dbiases[neuron] += gradient
    return dinputs, dweights, dbiases


def multiply(a, c):
    output = []
    for a_row, c_row in zip(_rows(a), _rows(c)):
        output.append([x * y for x, y in zip(a_row, c_row)])
    return _shaped_like(a, output)


# ---------------------------------------------------------------- activations
def step(z):
    output = []
    for row in _rows(z):
        output.append([1.0 if value > 0.0 else 0.0 for value in row])
    return _shaped_like(z, output)


def step_backward(dvalues, z):
    output = []
    for row in _rows(dvalues):
        output.append([0.0 for _ in row])
    return _shaped_like(dvalues, output)


def linear(z):
    output = []
    for row in _rows(z):
        output.append([value for value in row])
    return _shaped_like(z, output)


def linear_backward(dvalues, z):
    output = []
    for row in _rows(dvalues):
        output.append([gradient for gradient in row])
    return _shaped_like(dvalues, output)


def relu(z):
    output = []
    for row in _rows(z):
        output.append([value if value > 0.0 else 0.0 for value in row])
    return _shaped_like(z, output)


def relu_backward(dvalues, z):
    output = []
    for gradient_row, z_row in zip(_rows(dvalues), _rows(z)):
        output.append([gradient if value > 0.0 else 0.0 for gradient, value in zip(gradient_row, z_row)])
    return _shaped_like(z, output)


def _sigmoid(value):
    # exp of a non-positive number only: exp(-z) overflows for z < -709
    if value >= 0.0:
        return 1.0 / (1.0 + math.exp(-value))
    e = math.exp(value)
    return e / (1.0 + e)


def sigmoid(z):
    output = []
    for row in _rows(z):
        output.append([_sigmoid(value) for value in row])
    return _shaped_like(z, output)


def sigmoid_backward(dvalues, outputs):
    output = []
    for gradient_row, s_row in zip(_rows(dvalues), _rows(outputs)):
        output.append([gradient * s * (1.0 - s) for gradient, s in zip(gradient_row, s_row)])
    return _shaped_like(outputs, output)


def tanh(z):
    output = []
    for row in _rows(z):
        output.append([math.tanh(value) for value in row])
    return _shaped_like(z, output)


def tanh_backward(dvalues, outputs):
    output = []
    for gradient_row, t_row in zip(_rows(dvalues), _rows(outputs)):
        output.append([gradient * (1.0 - t * t) for gradient, t in zip(gradient_row, t_row)])
    return _shaped_like(outputs, output)


def softmax(z):
    output = []
    for row in z:
        # exp(z - max) is at most 1: no overflow, and the ratio is unchanged
        largest = max(row)
        exponentials = [math.exp(value - largest) for value in row]
        total = 0.0
        for e in exponentials:
            total += e
        output.append([e / total for e in exponentials])
    return output


def softmax_backward(dvalues, outputs):
    output = []
    for gradient_row, s_row in zip(dvalues, outputs):
        weighted = 0.0
        for gradient, s in zip(gradient_row, s_row):
            weighted += gradient * s
        output.append([s * (gradient - weighted) for gradient, s in zip(gradient_row, s_row)])
    return output


# ---------------------------------------------------------------- losses
def categorical_cross_entropy(probs, classes):
    total = 0.0
    for row, true_class in zip(probs, classes):
        total -= math.log(_clip(row[true_class]))
    return total / len(probs)


def categorical_cross_entropy_backward(probs, classes):
    n_samples = len(probs)
    output = []
    for row, true_class in zip(probs, classes):
        gradient_row = [0.0] * len(row)
        gradient_row[true_class] = -1.0 / _clip(row[true_class]) / n_samples
        output.append(gradient_row)
    return output


def softmax_cross_entropy_backward(probs, classes):
    n_samples = len(probs)
    output = []
    for row, true_class in zip(probs, classes):
        gradient_row = [p / n_samples for p in row]
        gradient_row[true_class] = (row[true_class] - 1.0) / n_samples
        output.append(gradient_row)
    return output


def binary_cross_entropy(probs, targets):
    total = 0.0
    for p_row, t_row in zip(probs, targets):
        for p, t in zip(p_row, t_row):
            p = _clip(p)
            total -= t * math.log(p) + (1.0 - t) * math.log(1.0 - p)
    return total / (len(probs) * len(probs[0]))


def binary_cross_entropy_backward(probs, targets):
    size = len(probs) * len(probs[0])
    output = []
    for p_row, t_row in zip(probs, targets):
        gradient_row = []
        for p, t in zip(p_row, t_row):
            p = _clip(p)
            gradient_row.append(-(t / p - (1.0 - t) / (1.0 - p)) / size)
        output.append(gradient_row)
    return output


def mean_squared_error(predictions, targets):
    total = 0.0
    for p_row, t_row in zip(predictions, targets):
        for p, t in zip(p_row, t_row):
            total += (t - p) * (t - p)
    return total / (len(predictions) * len(predictions[0]))


def mean_squared_error_backward(predictions, targets):
    size = len(predictions) * len(predictions[0])
    output = []
    for p_row, t_row in zip(predictions, targets):
        output.append([2.0 * (p - t) / size for p, t in zip(p_row, t_row)])
    return output


def mean_absolute_error(predictions, targets):
    total = 0.0
    for p_row, t_row in zip(predictions, targets):
        for p, t in zip(p_row, t_row):
            total += abs(t - p)
    return total / (len(predictions) * len(predictions[0]))


def mean_absolute_error_backward(predictions, targets):
    size = len(predictions) * len(predictions[0])
    output = []
    for p_row, t_row in zip(predictions, targets):
        output.append([(1.0 if p > t else -1.0 if p < t else 0.0) / size for p, t in zip(p_row, t_row)])
    return output


# ---------------------------------------------------------------- regularization
def regularization_loss(param, l1, l2):
    absolute, squared = 0.0, 0.0
    for row in _rows(param):
        for value in row:
            absolute += abs(value)
            squared += value * value
    return l1 * absolute + l2 * squared


def regularization_backward(grad, param, l1, l2):
    output = []
    for g_row, p_row in zip(_rows(grad), _rows(param)):
        output.append([g + l1 * (1.0 if p > 0.0 else -1.0 if p < 0.0 else 0.0) + 2.0 * l2 * p
                       for g, p in zip(g_row, p_row)])
    return _shaped_like(param, output)


# ---------------------------------------------------------------- optimizer updates (in place, returned)
def sgd_update(param, grad, lr, momentum, velocity):
    for p_row, g_row, v_row in zip(_rows(param), _rows(grad), _rows(velocity)):
        for i in range(len(p_row)):
            v_row[i] = momentum * v_row[i] - lr * g_row[i]
            p_row[i] += v_row[i]
    return param, velocity


def adagrad_update(param, grad, lr, cache, eps):
    for p_row, g_row, c_row in zip(_rows(param), _rows(grad), _rows(cache)):
        for i in range(len(p_row)):
            c_row[i] += g_row[i] * g_row[i]
            p_row[i] -= lr * g_row[i] / (math.sqrt(c_row[i]) + eps)
    return param, cache


def rmsprop_update(param, grad, lr, cache, rho, eps):
    for p_row, g_row, c_row in zip(_rows(param), _rows(grad), _rows(cache)):
        for i in range(len(p_row)):
            c_row[i] = rho * c_row[i] + (1.0 - rho) * g_row[i] * g_row[i]
            p_row[i] -= lr * g_row[i] / (math.sqrt(c_row[i]) + eps)
    return param, cache


def adam_update(param, grad, lr, m, v, beta1, beta2, eps, step):
    # the moving averages start at zero; dividing by 1 - beta**step undoes that early bias
    step_size = lr / (1.0 - beta1**step)
    correction2 = 1.0 - beta2**step
    for p_row, g_row, m_row, v_row in zip(_rows(param), _rows(grad), _rows(m), _rows(v)):
        for i in range(len(p_row)):
            g = g_row[i]
            m_row[i] = beta1 * m_row[i] + (1.0 - beta1) * g
            v_row[i] = beta2 * v_row[i] + (1.0 - beta2) * g * g
            p_row[i] -= step_size * m_row[i] / (math.sqrt(v_row[i] / correction2) + eps)
    return param, m, v
