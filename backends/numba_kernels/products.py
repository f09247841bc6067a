"""The numba backend's matrix products as compiled calls: each allocates its outputs and runs
`gemm.product` in the form the operation needs (the numba backend's `matmul`, `dense_forward`,
`dense_backward` call these after `gemm.prepare`; the compiled training step calls
`dense_forward_into` and `dense_backward_into` with its own buffers). A layer with at most
`thin_products.THIN` neurons or inputs takes `thin_products`' loops instead of tiles that would be
mostly padding. `threads` is how many threads a big product may use."""

import numpy as np
from numba import njit

from . import gemm, thin_products


@njit(cache=True)
def matmul(a, c, threads):
    output = np.empty((a.shape[0], c.shape[1]), dtype=a.dtype)
    gemm.product(a, c, output, transpose_a=False, transpose_b=False, bias=gemm.no_bias(output), relu=False, threads=threads)
    return output


@njit(cache=True)
def dense_forward_into(inputs, weights, biases, output, relu, threads):
    """output = inputs·weightsᵀ + biases (an empty biases: none), clamped at zero where relu."""
    if weights.shape[1] <= thin_products.THIN:
        thin_products.forward_of_few_inputs(inputs, weights, biases, output, relu)
    else:
        gemm.product(inputs, weights, output, transpose_a=False, transpose_b=True, bias=biases, relu=relu,
                     threads=threads)


@njit(cache=True)
def dense_forward(inputs, weights, biases, threads):
    output = np.empty((inputs.shape[0], weights.shape[0]), dtype=inputs.dtype)
    dense_forward_into(inputs, weights, biases, output, False, threads)
    return output


@njit(cache=True)
def dense_backward_into(dvalues, inputs, weights, dinputs, dweights, dbiases, need_dinputs, gate, threads):
    """dinputs = dvalues·weights (where need_dinputs), dweights = dvaluesᵀ·inputs, dbiases = the
    column sums of dvalues. gate: empty, or the activated outputs of a ReLU below (dinputs' shape),
    whose backward a thin loop applies to dinputs in the same pass. Returns whether it did (the
    GEMM does not: its caller then applies that backward itself)."""
    n_neurons, n_inputs = weights.shape
    gated = need_dinputs and n_neurons <= thin_products.THIN
    if gated:
        thin_products.input_gradient_of_few_neurons(dvalues, weights, dinputs, gate)
    elif need_dinputs:
        gemm.product(dvalues, weights, dinputs, transpose_a=False, transpose_b=False, bias=gemm.no_bias(dinputs),
                     relu=False, threads=threads)  # dinputs = dvalues · weights
    if n_neurons <= thin_products.THIN:
        thin_products.weight_gradient_by_neuron(dvalues, inputs, dweights, dbiases)
    elif n_inputs <= thin_products.THIN:
        thin_products.weight_gradient_by_input(dvalues, inputs, dweights, dbiases)
    else:
        gemm.product(dvalues, inputs, dweights, transpose_a=True, transpose_b=False, bias=gemm.no_bias(dweights),
                     relu=False, threads=threads)  # dweights = dvaluesᵀ · inputs
        dbiases[:] = 0.0
        for s in range(dvalues.shape[0]):
            for neuron in range(dvalues.shape[1]):
                dbiases[neuron] += dvalues[s, neuron]
    return gated


@njit(cache=True)
def dense_backward(dvalues, inputs, weights, need_dinputs, threads):
    dinputs = np.empty((dvalues.shape[0] if need_dinputs else 0, weights.shape[1]), dtype=inputs.dtype)
    dweights = np.empty(weights.shape, dtype=inputs.dtype)
    dbiases = np.empty(weights.shape[0], dtype=inputs.dtype)
    dense_backward_into(dvalues, inputs, weights, dinputs, dweights, dbiases, need_dinputs, dinputs[:0],
                        threads)
    return dinputs, dweights, dbiases
