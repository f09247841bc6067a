"""The `numba` backend: the loops of the `python` backend again, compiled to machine code.

Each operation is a private `@njit(cache=True)` kernel written as plain loops whose innermost loop
walks contiguous memory, behind a thin adapter with the public name. Element-wise and row-wise kernels
run their outer loop with `prange` (`parallel=True`): besides using both cores, a parallel loop is one
LLVM vectorizes, because Numba knows its iterations are independent (7x on one core for Adam). The kernels call neither the
`numpy` backend nor BLAS: every multiply-add is a loop here. Native arrays are C-ordered float64 or
float32 ndarrays; the adapters make a C-ordered copy of anything else (a transposed view, say) so
each kernel compiles once per dtype. Inputs arrive validated by `backends.interface.Backend`.

Compiled kernels are cached on disk next to this file (`__pycache__`), keyed by Numba on this
file's contents: the first call of a kernel in a fresh checkout compiles it, later processes load it.
"""

import math

import numpy as np
from numba import config as numba_config
from numba import get_num_threads, njit, prange, set_num_threads

from .numba_kernels import disk_cache  # noqa: F401  (before any kernel: the cache keys on every kernel file)
from .numba_kernels import gemm

from .numerics import PROBABILITY_CLIP

_C = np.ascontiguousarray


def _flat(x):
    return _C(x).reshape(-1)


def _clip_bounds(probs):
    # the bounds in the array's own dtype: 1 - 1e-7 rounds to 1 - 1.19e-7 in float32, as in NumPy
    return probs.dtype.type(PROBABILITY_CLIP), probs.dtype.type(1.0 - PROBABILITY_CLIP)


def _classes(classes):
    return np.asarray(classes, dtype=np.int64)


# ---------------------------------------------------------------- conversion
def asarray(x, dtype):
    if dtype is None:
        dtype = np.float32 if isinstance(x, np.ndarray) and x.dtype == np.float32 else np.float64
    return np.array(x, dtype=dtype, order="C")


def tolist(x):
    return x.tolist()


# ---------------------------------------------------------------- the seeds' first lessons
def matmul(a, c):
    a, c = _C(a), _C(c)
    output = np.empty((a.shape[0], c.shape[1]), dtype=a.dtype)
    _product(a, c, output, output[0, :0], 0, get_num_threads())
    return output


@njit(cache=True)
def _transpose(a):
    n_rows, n_columns = a.shape
    output = np.empty((n_columns, n_rows), dtype=a.dtype)
    for i in range(n_rows):
        for j in range(n_columns):
            output[j, i] = a[i, j]
    return output


def transpose(a):
    return _transpose(_C(a))


# ---------------------------------------------------------------- dense layer
# The products run in numba_gemm's packed, register-blocked kernels; `_product` picks the kernel
# (one thread, both threads, or dot products for a layer of at most 8 neurons) inside compiled code.
#: With NUMBA_DISABLE_JIT=1 (kernels run as plain Python, for debugging) every product takes the
#: plain loops of _thin_product: the micro-kernel's uint64 index arithmetic is meant for compiled code.
BLOCKED_PRODUCTS = not numba_config.DISABLE_JIT


@njit(cache=True)
def _thin_product(a, b, out, bias, flags):
    """The products a 6x32 tile would mostly waste: tiny ones (the seeds' 3x4x3), and aᵀ·b with few
    columns (the weight gradient of a layer with few inputs). Plain loops whose innermost loop runs
    along a contiguous row."""
    n_rows, n_columns = out.shape
    if (flags & gemm.TA) != 0:
        # outᵀ[j, i] = Σ_p b[p, j] · a[p, i]: rows of a and of outᵀ are contiguous
        depth = a.shape[0]
        transposed = np.zeros((n_columns, n_rows), dtype=out.dtype)
        for p in range(depth):
            for j in range(n_columns):
                factor = b[p, j]
                for i in range(n_rows):
                    transposed[j, i] += a[p, i] * factor
        for i in range(n_rows):
            for j in range(n_columns):
                out[i, j] = transposed[j, i]
        return
    depth = a.shape[1]
    right = np.empty((depth, n_columns), dtype=out.dtype)  # b as (depth, n_columns), rows contiguous
    for p in range(depth):
        for j in range(n_columns):
            right[p, j] = b[j, p] if (flags & gemm.TB) != 0 else b[p, j]
    has_bias, relu = (flags & gemm.BIAS) != 0, (flags & gemm.RELU) != 0
    for i in range(n_rows):
        for j in range(n_columns):
            out[i, j] = bias[j] if has_bias else 0.0
        for p in range(depth):
            factor = a[i, p]
            for j in range(n_columns):
                out[i, j] += factor * right[p, j]
        if relu:
            for j in range(n_columns):
                if not out[i, j] > 0.0:
                    out[i, j] = 0.0


@njit(cache=True)
def _product(a, b, out, bias, flags, threads):
    transposed_a = (flags & gemm.TA) != 0
    n_rows, n_columns = out.shape
    depth = a.shape[0] if transposed_a else a.shape[1]
    if not BLOCKED_PRODUCTS or (transposed_a and n_columns <= 8) or n_rows * n_columns * depth <= 512:
        _thin_product(a, b, out, bias, flags)
    elif (flags & gemm.TB) != 0 and n_columns <= 8 and depth >= 8:
        gemm.gemm_nt_dot(a, b, out, bias, (flags & gemm.BIAS) != 0, (flags & gemm.RELU) != 0)
    elif 2.0 * n_rows * n_columns * depth >= gemm.PARALLEL_FLOPS and n_rows >= 2 * gemm.MR and threads > 1:
        chunks = min(threads * gemm.CHUNKS_PER_THREAD, max(1, n_rows // (2 * gemm.MR)))
        gemm.gemm_parallel(a, b, out, bias, flags | (chunks << 8))
    else:
        gemm.gemm_serial(a, b, out, bias, flags)


@njit(cache=True)
def _dense_forward_into(inputs, weights, biases, output, relu, threads):
    _product(inputs, weights, output, biases, gemm.TB | gemm.BIAS | (gemm.RELU if relu else 0), threads)


def dense_forward(inputs, weights, biases):
    inputs, weights = _C(inputs), _C(weights)
    output = np.empty((inputs.shape[0], weights.shape[0]), dtype=inputs.dtype)
    _dense_forward_into(inputs, weights, _C(biases), output, False, get_num_threads())
    return output


@njit(cache=True)
def _dense_backward_into(dvalues, inputs, weights, dinputs, dweights, dbiases, need_dinputs, threads):
    _product(dvalues, inputs, dweights, dbiases[:0], gemm.TA, threads)  # dweights = dvaluesᵀ · inputs
    gemm.colsum(dvalues, dbiases)
    if need_dinputs:
        _product(dvalues, weights, dinputs, dbiases[:0], 0, threads)  # dinputs = dvalues · weights


def dense_backward(dvalues, inputs, weights, need_dinputs=True):
    dvalues, inputs, weights = _C(dvalues), _C(inputs), _C(weights)
    dtype = inputs.dtype
    dinputs = np.empty((dvalues.shape[0] if need_dinputs else 0, weights.shape[1]), dtype=dtype)
    dweights = np.empty(weights.shape, dtype=dtype)
    dbiases = np.empty(weights.shape[0], dtype=dtype)
    _dense_backward_into(dvalues, inputs, weights, dinputs, dweights, dbiases, need_dinputs, get_num_threads())
    return (dinputs if need_dinputs else None), dweights, dbiases


@njit(cache=True, parallel=True)
def _multiply(a, c):
    output = np.empty_like(a)
    for i in prange(a.size):
        output[i] = a[i] * c[i]
    return output


def multiply(a, c):
    return _multiply(_flat(a), _flat(c)).reshape(a.shape)


# ---------------------------------------------------------------- activations
# Element-wise kernels run over the flattened array, so one compiled kernel serves 1-D and 2-D.
@njit(cache=True, parallel=True)
def _step(z):
    output = np.empty_like(z)
    for i in prange(z.size):
        output[i] = 1.0 if z[i] > 0.0 else 0.0
    return output


def step(z):
    return _step(_flat(z)).reshape(z.shape)


def step_backward(dvalues, z):
    return np.zeros(dvalues.shape, dtype=dvalues.dtype)


@njit(cache=True, parallel=True)
def _copy(z):
    output = np.empty_like(z)
    for i in prange(z.size):
        output[i] = z[i]
    return output


def linear(z):
    return _copy(_flat(z)).reshape(z.shape)


def linear_backward(dvalues, z):
    return _copy(_flat(dvalues)).reshape(dvalues.shape)


@njit(cache=True, parallel=True)
def _relu(z):
    output = np.empty_like(z)
    for i in prange(z.size):
        output[i] = z[i] if z[i] > 0.0 else 0.0
    return output


def relu(z):
    return _relu(_flat(z)).reshape(z.shape)


@njit(cache=True, parallel=True)
def _relu_backward(dvalues, z):
    output = np.empty_like(dvalues)
    for i in prange(z.size):
        output[i] = dvalues[i] if z[i] > 0.0 else 0.0
    return output


def relu_backward(dvalues, z):
    return _relu_backward(_flat(dvalues), _flat(z)).reshape(z.shape)


@njit(cache=True, inline="always")
def _sigmoid_of(z):
    # exp of a non-positive number only: exp(-z) overflows for z < -709
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@njit(cache=True, parallel=True)
def _sigmoid(z):
    output = np.empty_like(z)
    for i in prange(z.size):
        output[i] = _sigmoid_of(z[i])
    return output


def sigmoid(z):
    return _sigmoid(_flat(z)).reshape(z.shape)


@njit(cache=True, parallel=True)
def _sigmoid_backward(dvalues, outputs):
    gradient = np.empty_like(dvalues)
    for i in prange(outputs.size):
        gradient[i] = dvalues[i] * outputs[i] * (1.0 - outputs[i])
    return gradient


def sigmoid_backward(dvalues, outputs):
    return _sigmoid_backward(_flat(dvalues), _flat(outputs)).reshape(outputs.shape)


@njit(cache=True, parallel=True)
def _tanh(z):
    output = np.empty_like(z)
    for i in prange(z.size):
        output[i] = math.tanh(z[i])
    return output


def tanh(z):
    return _tanh(_flat(z)).reshape(z.shape)


@njit(cache=True, parallel=True)
def _tanh_backward(dvalues, outputs):
    gradient = np.empty_like(dvalues)
    for i in prange(outputs.size):
        gradient[i] = dvalues[i] * (1.0 - outputs[i] * outputs[i])
    return gradient


def tanh_backward(dvalues, outputs):
    return _tanh_backward(_flat(dvalues), _flat(outputs)).reshape(outputs.shape)


@njit(cache=True, inline="always")
def _softmax_row(z, output, s):
    # exp(z - row max) is at most 1: no overflow, and the ratios are unchanged
    n_classes = z.shape[1]
    largest = z[s, 0]
    for j in range(1, n_classes):
        largest = max(largest, z[s, j])
    total = 0.0
    for j in range(n_classes):
        e = math.exp(z[s, j] - largest)
        output[s, j] = e
        total += e
    for j in range(n_classes):
        output[s, j] /= total


@njit(cache=True, parallel=True)
def _softmax(z):
    output = np.empty_like(z)
    for s in prange(z.shape[0]):
        _softmax_row(z, output, s)
    return output


def softmax(z):
    return _softmax(_C(z))


@njit(cache=True, parallel=True)
def _softmax_backward(dvalues, outputs):
    n_samples, n_classes = outputs.shape
    gradient = np.empty_like(dvalues)
    for s in prange(n_samples):
        weighted = 0.0
        for j in range(n_classes):
            weighted += dvalues[s, j] * outputs[s, j]
        for j in range(n_classes):
            gradient[s, j] = outputs[s, j] * (dvalues[s, j] - weighted)
    return gradient


def softmax_backward(dvalues, outputs):
    return _softmax_backward(_C(dvalues), _C(outputs))


# ---------------------------------------------------------------- losses
@njit(cache=True)
def _categorical_cross_entropy(probs, classes, low, high):
    total = 0.0
    for s in range(probs.shape[0]):
        total -= math.log(min(max(probs[s, classes[s]], low), high))
    return total / probs.shape[0]


def categorical_cross_entropy(probs, classes):
    return float(_categorical_cross_entropy(_C(probs), _classes(classes), *_clip_bounds(probs)))


@njit(cache=True)
def _categorical_cross_entropy_backward(probs, classes, low, high):
    n_samples = probs.shape[0]
    gradient = np.zeros_like(probs)
    for s in range(n_samples):
        gradient[s, classes[s]] = -1.0 / min(max(probs[s, classes[s]], low), high) / n_samples
    return gradient


def categorical_cross_entropy_backward(probs, classes):
    return _categorical_cross_entropy_backward(_C(probs), _classes(classes), *_clip_bounds(probs))


@njit(cache=True, parallel=True)
def _softmax_cross_entropy_backward(probs, classes):
    n_samples, n_classes = probs.shape
    gradient = np.empty_like(probs)
    for s in prange(n_samples):
        for j in range(n_classes):
            gradient[s, j] = probs[s, j] / n_samples
        gradient[s, classes[s]] = (probs[s, classes[s]] - 1.0) / n_samples
    return gradient


def softmax_cross_entropy_backward(probs, classes):
    return _softmax_cross_entropy_backward(_C(probs), _classes(classes))


@njit(cache=True)
def _binary_cross_entropy(probs, targets, low, high):
    total = 0.0
    for i in range(probs.size):
        p = min(max(probs[i], low), high)
        t = targets[i]
        total -= t * math.log(p) + (1.0 - t) * math.log(1.0 - p)
    return total / probs.size


def binary_cross_entropy(probs, targets):
    return float(_binary_cross_entropy(_flat(probs), _flat(targets), *_clip_bounds(probs)))


@njit(cache=True, parallel=True)
def _binary_cross_entropy_backward(probs, targets, low, high):
    gradient = np.empty_like(probs)
    for i in prange(probs.size):
        p = min(max(probs[i], low), high)
        t = targets[i]
        gradient[i] = -(t / p - (1.0 - t) / (1.0 - p)) / probs.size
    return gradient


def binary_cross_entropy_backward(probs, targets):
    return _binary_cross_entropy_backward(_flat(probs), _flat(targets), *_clip_bounds(probs)).reshape(probs.shape)


@njit(cache=True)
def _mean_squared_error(predictions, targets):
    total = 0.0
    for i in range(predictions.size):
        difference = targets[i] - predictions[i]
        total += difference * difference
    return total / predictions.size


def mean_squared_error(predictions, targets):
    return float(_mean_squared_error(_flat(predictions), _flat(targets)))


@njit(cache=True, parallel=True)
def _mean_squared_error_backward(predictions, targets):
    gradient = np.empty_like(predictions)
    for i in prange(predictions.size):
        gradient[i] = 2.0 * (predictions[i] - targets[i]) / predictions.size
    return gradient


def mean_squared_error_backward(predictions, targets):
    return _mean_squared_error_backward(_flat(predictions), _flat(targets)).reshape(predictions.shape)


@njit(cache=True)
def _mean_absolute_error(predictions, targets):
    total = 0.0
    for i in range(predictions.size):
        total += abs(targets[i] - predictions[i])
    return total / predictions.size


def mean_absolute_error(predictions, targets):
    return float(_mean_absolute_error(_flat(predictions), _flat(targets)))


@njit(cache=True, parallel=True)
def _mean_absolute_error_backward(predictions, targets):
    gradient = np.empty_like(predictions)
    for i in prange(predictions.size):
        difference = predictions[i] - targets[i]
        sign = 1.0 if difference > 0.0 else -1.0 if difference < 0.0 else 0.0
        gradient[i] = sign / predictions.size
    return gradient


def mean_absolute_error_backward(predictions, targets):
    return _mean_absolute_error_backward(_flat(predictions), _flat(targets)).reshape(predictions.shape)


# ---------------------------------------------------------------- regularization
@njit(cache=True)
def _regularization_loss(param, l1, l2):
    absolute, squared = 0.0, 0.0
    for i in range(param.size):
        absolute += abs(param[i])
        squared += param[i] * param[i]
    return l1 * absolute + l2 * squared


def regularization_loss(param, l1, l2):
    return float(_regularization_loss(_flat(param), l1, l2))


@njit(cache=True, parallel=True)
def _regularization_backward(grad, param, l1, l2):
    output = np.empty_like(grad)
    for i in prange(param.size):
        p = param[i]
        sign = 1.0 if p > 0.0 else -1.0 if p < 0.0 else 0.0
        output[i] = grad[i] + l1 * sign + 2.0 * l2 * p
    return output


def regularization_backward(grad, param, l1, l2):
    return _regularization_backward(_flat(grad), _flat(param), l1, l2).reshape(param.shape)


# ---------------------------------------------------------------- optimizer updates (in place)
# Native arrays are C-ordered, so the flat views below share memory with the caller's arrays.
@njit(cache=True, parallel=True)
def _sgd_update(param, grad, lr, momentum, velocity):
    for i in prange(param.size):
        velocity[i] = momentum * velocity[i] - lr * grad[i]
        param[i] += velocity[i]


def sgd_update(param, grad, lr, momentum, velocity):
    _sgd_update(_inplace(param), _flat(grad), lr, momentum, _inplace(velocity))


@njit(cache=True, parallel=True)
def _adagrad_update(param, grad, lr, cache, eps):
    for i in prange(param.size):
        cache[i] += grad[i] * grad[i]
        param[i] -= lr * grad[i] / (math.sqrt(cache[i]) + eps)


def adagrad_update(param, grad, lr, cache, eps):
    _adagrad_update(_inplace(param), _flat(grad), lr, _inplace(cache), eps)


@njit(cache=True, parallel=True)
def _rmsprop_update(param, grad, lr, cache, rho, eps):
    for i in prange(param.size):
        cache[i] = rho * cache[i] + (1.0 - rho) * grad[i] * grad[i]
        param[i] -= lr * grad[i] / (math.sqrt(cache[i]) + eps)


def rmsprop_update(param, grad, lr, cache, rho, eps):
    _rmsprop_update(_inplace(param), _flat(grad), lr, _inplace(cache), rho, eps)


@njit(cache=True, parallel=True)
def _adam_update(param, grad, lr, m, v, beta1, beta2, eps, step):
    # the moving averages start at zero; dividing by 1 - beta**step undoes that early bias
    step_size = lr / (1.0 - beta1**step)
    correction2 = 1.0 - beta2**step
    for i in prange(param.size):
        g = grad[i]
        m[i] = beta1 * m[i] + (1.0 - beta1) * g
        v[i] = beta2 * v[i] + (1.0 - beta2) * g * g
        param[i] -= step_size * m[i] / (math.sqrt(v[i] / correction2) + eps)


def adam_update(param, grad, lr, m, v, beta1, beta2, eps, step):
    _adam_update(_inplace(param), _flat(grad), lr, _inplace(m), _inplace(v), beta1, beta2, eps, step)


def _inplace(x):
    # validation guarantees C order, so this is a view: the kernel's writes land in x
    return x.reshape(-1)


# ---------------------------------------------------------------- optional: a whole training step, compiled
def compiled_training_step(model):
    """The interface's optional hook: forward, loss, backward and update of `model` as one compiled
    call (see `numba_kernels.training_step`), or None for a model that step cannot run."""
    from .numba_kernels.training_step import compiled_training_step as compile_step
    return compile_step(model)
