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
    n_samples, n_neurons = gradient.shape
    for s in range(n_samples):
        out = dinputs[s]
        first = weights[0]
        g = gradient[s, 0]
        for c in range(out.size):
            out[c] = g * first[c]
        for j in range(1, n_neurons):
            g = gradient[s, j]
            row = weights[j]
            for c in range(out.size):
                out[c] += g * row[c]


@njit(cache=True, fastmath={'contract'})
def forward_of_few_inputs(inputs, weights, biases, out, relu):
    """out = inputs·weightsᵀ (+ biases, where there are any) (ReLU) over few inputs: each output row
    the biases plus a few rows of weightsᵀ, scaled, then clamped where relu."""
    n_samples, n_inputs = inputs.shape
    n_neurons = weights.shape[0]
    transposed = np.empty((n_inputs, n_neurons), dtype=weights.dtype)  # weightsᵀ: its rows along the neurons
    for j in range(n_neurons):
        for c in range(n_inputs):
            transposed[c, j] = weights[j, c]
    for s in range(n_samples):
        row = out[s]
        for j in range(n_neurons):
            row[j] = biases[j] if biases.size else 0.0
        for c in range(n_inputs):
            x = inputs[s, c]
            column = transposed[c]
            for j in range(n_neurons):
                row[j] += x * column[j]
        if relu:
            for j in range(n_neurons):
                if not row[j] > 0.0:
                    row[j] = 0.0
