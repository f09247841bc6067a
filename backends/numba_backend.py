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
The loops of softmax's backward, the losses, the penalties and the optimizer updates are shared with
the compiled training step, so they live below both, in `numba_kernels/training_loops.py`, and
stand here behind their adapters. Kernels are cached on disk, keyed on every kernel file: a fresh
checkout compiles each on first use.
"""

import math

import numpy as np
from numba import njit, prange

from .numba_kernels import disk_cache, first_use  # noqa: F401  (before any kernel: cache keys, compile notice)
from .numba_kernels import gemm, products
from .numba_kernels import training_loops as loops
from .numba_kernels.adapters import elementwise, rowwise
from .numba_kernels.stable_formulas import sigmoid_of, softmax_row

_C = np.ascontiguousarray


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


softmax_backward = rowwise(loops.softmax_backward)


# ---------------------------------------------------------------- losses, penalties, optimizer updates
# Their loops, and softmax_backward's, are shared with the compiled training step, so they live below
# both, in numba_kernels/training_loops.py; here each stands behind its adapter. The updates change
# param and the state arrays in place: native arrays are C-ordered, so the flat arrays the kernels
# get are views of the caller's.
categorical_cross_entropy = rowwise(loops.categorical_cross_entropy)
categorical_cross_entropy_backward = rowwise(loops.categorical_cross_entropy_backward)
softmax_cross_entropy_backward = rowwise(loops.softmax_cross_entropy_backward)
binary_cross_entropy = elementwise(loops.binary_cross_entropy)
binary_cross_entropy_backward = elementwise(loops.binary_cross_entropy_backward)
mean_squared_error = elementwise(loops.mean_squared_error)
mean_squared_error_backward = elementwise(loops.mean_squared_error_backward)
mean_absolute_error = elementwise(loops.mean_absolute_error)
mean_absolute_error_backward = elementwise(loops.mean_absolute_error_backward)
regularization_loss = elementwise(loops.regularization_loss)
regularization_backward = elementwise(loops.regularization_backward)
sgd_update = elementwise(loops.sgd_update)
adagrad_update = elementwise(loops.adagrad_update)
rmsprop_update = elementwise(loops.rmsprop_update)
adam_update = elementwise(loops.adam_update)


# ---------------------------------------------------------------- optional: a whole training step, compiled
def compiled_training_step(plan):
    """The interface's optional hook: forward, loss, backward and update of the model the training
    `plan` describes as one compiled call (see `numba_kernels.training_step`), or None for a plan
    that step cannot run."""
    from .numba_kernels.training_step import compiled_training_step as compile_step
    return compile_step(plan)
