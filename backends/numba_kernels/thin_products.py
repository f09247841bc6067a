"""A dense layer's products when one side is thin: plain loops where tiles would be padding.

A layer with very few neurons (the spiral's 3 classes) or very few inputs (its 2 coordinates) makes
products whose register tiles are mostly padding: the weight gradient Gᵀ·X of a 3-neuron layer is
3 rows deep, fewer than one tile's rows, so every tile is an edge tile, packed and stored through a
scratch tile; the input gradient G·W of the same layer sums over 3 terms only, and so does the
forward product of a layer with 3 inputs. There, one pass
over the samples does better: each sample's row of G scales rows of X (or of W) straight into
accumulator rows that stay in L1, along the longer side, where the vector lanes are.

`products.dense_forward_into` and `products.dense_backward_into` take these loops where a side has
at most `THIN` neurons or inputs, for the numba backend's `dense_forward` and `dense_backward` and
the compiled training step alike, so the two stay the same arithmetic; everything else goes to the GEMM.
"""

import numpy as np
from numba import njit

#: At most this many neurons (or inputs) makes a side thin: fewer than the smallest tile's rows.
THIN = 4


@njit(cache=True, fastmath={'contract'})
def weight_gradient_by_neuron(gradient, inputs, dweights, dbiases):
    """dweights = gradientᵀ·inputs and dbiases = the column sums of gradient, for few neurons: each
    sample adds gradient[s, j]·inputs[s] to row j (along the inputs)."""
    n_samples, n_neurons = gradient.shape
    dweights[:, :] = 0.0
    dbiases[:] = 0.0
    for s in range(n_samples):
        row = inputs[s]
        for j in range(n_neurons):
            g = gradient[s, j]
            dbiases[j] += g
            accumulator = dweights[j]
            for c in range(row.size):
                accumulator[c] += g * row[c]


@njit(cache=True, fastmath={'contract'})
def weight_gradient_by_input(gradient, inputs, dweights, dbiases):
    """The same for few inputs: each sample adds inputs[s, c]·gradient[s] to row c of dweightsᵀ
    (along the neurons), copied into dweights at the end."""
    n_samples, n_neurons = gradient.shape
    n_inputs = inputs.shape[1]
    transposed = np.zeros((n_inputs, n_neurons), dtype=dweights.dtype)
    dbiases[:] = 0.0
    for s in range(n_samples):
        row = gradient[s]
        for j in range(n_neurons):
            dbiases[j] += row[j]
        for c in range(n_inputs):
            x = inputs[s, c]
            accumulator = transposed[c]
            for j in range(n_neurons):
                accumulator[j] += x * row[j]
    for j in range(n_neurons):
        for c in range(n_inputs):
            dweights[j, c] = transposed[c, j]


@njit(cache=True, fastmath={'contract'})
def input_gradient_of_few_neurons(gradient, weights, dinputs):
    """dinputs = gradient·weights over few neurons: each row the sum of a few rows of weights."""
    zeros = np.zeros(0, dtype=dinputs.dtype)
    for s in range(gradient.shape[0]):
        _scaled_rows(dinputs[s], gradient[s], weights, zeros, False)


@njit(cache=True, fastmath={'contract'})
def forward_of_few_inputs(inputs, weights, biases, out, relu):
    """out = inputs·weightsᵀ (+ biases, where there are any) (ReLU) over few inputs: each output row
    the biases plus a few rows of weightsᵀ, scaled, clamped where relu."""
    transposed = np.ascontiguousarray(weights.T)  # rows along the neurons, where the vector lanes are
    for s in range(inputs.shape[0]):
        _scaled_rows(out[s], inputs[s], transposed, biases, relu)


@njit(cache=True, fastmath={'contract'}, inline='always')
def _scaled_rows(out, factors, rows, biases, relu):
    """out = biases (none where empty) + Σ_c factors[c]·rows[c], clamped at zero where relu, for at
    most THIN rows: each count written out, so every element is summed in registers and stored
    once (a loop over c outside the one along the row would store the row once per term)."""
    n = out.size
    bias = biases.size > 0
    if factors.size == 1:
        f0, r0 = factors[0], rows[0]
        for j in range(n):
            v = (biases[j] if bias else 0.0) + f0 * r0[j]
            out[j] = max(v, 0.0) if relu else v
    elif factors.size == 2:
        f0, f1, r0, r1 = factors[0], factors[1], rows[0], rows[1]
        for j in range(n):
            v = (biases[j] if bias else 0.0) + f0 * r0[j] + f1 * r1[j]
            out[j] = max(v, 0.0) if relu else v
    elif factors.size == 3:
        f0, f1, f2, r0, r1, r2 = factors[0], factors[1], factors[2], rows[0], rows[1], rows[2]
        for j in range(n):
            v = (biases[j] if bias else 0.0) + f0 * r0[j] + f1 * r1[j] + f2 * r2[j]
            out[j] = max(v, 0.0) if relu else v
    else:
        f0, f1, f2, f3, r0, r1, r2, r3 = factors[0], factors[1], factors[2], factors[3], rows[0], rows[1], rows[2], rows[3]
        for j in range(n):
            v = (biases[j] if bias else 0.0) + f0 * r0[j] + f1 * r1[j] + f2 * r2[j] + f3 * r3[j]
            out[j] = max(v, 0.0) if relu else v
