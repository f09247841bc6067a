"""A dense layer's products when one side is thin: plain loops where tiles would be padding.

A layer with very few neurons (the spiral's 3 classes) or very few inputs (its 2 coordinates) makes
products whose register tiles are mostly padding: the weight gradient Gᵀ·X of a 3-neuron layer is
3 rows deep, fewer than one tile's rows, so every tile is an edge tile, packed and stored through a
scratch tile; the input gradient G·W of the same layer sums over 3 terms only, and so does the
forward product of a layer with 3 inputs. There, one pass over the samples does better: each
sample's row of G scales rows of X (or of W) straight into accumulator rows that stay in L1, along
the longer side, where the vector lanes are.

What surrounds a product is fused into its pass: the bias and the ReLU into the forward, the bias
gradient into the weight gradient, and the ReLU backward of the layer below into the input gradient
(`gate`). Each count of terms is written out, so every element is summed in registers and stored
once, and the loops index the 2-D arrays directly: a row view per sample (`out[s]`) costs Numba a
reference count each and kept LLVM from vectorizing the loop (three times slower at 300 x 64). The
two weight gradients repeat their loops rather than share an inline helper: through one, they ran
twice as slow.

`products.dense_forward_into` and `products.dense_backward_into` take these loops where a side has
at most `THIN` neurons or inputs, for the numba backend's `dense_forward` and `dense_backward` and
the compiled training step alike, so the two stay the same arithmetic; everything else goes to the GEMM.
"""

import numpy as np
from numba import njit

#: At most this many neurons (or inputs) makes a side thin: fewer than the smallest tile's rows.
THIN = 4


@njit(cache=True, fastmath={'contract'})
def forward_of_few_inputs(inputs, weights, biases, out, relu):
    """out = inputs·weightsᵀ + biases (none where empty), ReLU where relu, over few inputs: each
    output row the biases plus a few rows of weightsᵀ, scaled."""
    t = np.ascontiguousarray(weights.T)  # rows along the neurons, where the vector lanes are
    b = biases if biases.size else np.zeros(out.shape[1], dtype=out.dtype)
    (n_samples, k), n = inputs.shape, out.shape[1]
    for s in range(n_samples):
        if k == 1:
            f0 = inputs[s, 0]
            for j in range(n):
                v = b[j] + f0 * t[0, j]
                out[s, j] = v if v > 0.0 or not relu else 0.0
        elif k == 2:
            f0, f1 = inputs[s, 0], inputs[s, 1]
            for j in range(n):
                v = b[j] + f0 * t[0, j] + f1 * t[1, j]
                out[s, j] = v if v > 0.0 or not relu else 0.0
        elif k == 3:
            f0, f1, f2 = inputs[s, 0], inputs[s, 1], inputs[s, 2]
            for j in range(n):
                v = b[j] + f0 * t[0, j] + f1 * t[1, j] + f2 * t[2, j]
                out[s, j] = v if v > 0.0 or not relu else 0.0
        else:
            f0, f1, f2, f3 = inputs[s, 0], inputs[s, 1], inputs[s, 2], inputs[s, 3]
            for j in range(n):
                v = b[j] + f0 * t[0, j] + f1 * t[1, j] + f2 * t[2, j] + f3 * t[3, j]
                out[s, j] = v if v > 0.0 or not relu else 0.0


@njit(cache=True, fastmath={'contract'})
def input_gradient_of_few_neurons(gradient, weights, dinputs, gate):
    """dinputs = gradient·weights over few neurons, each row the sum of a few rows of weights; where
    gate is not empty (the activated outputs of the layer below, of dinputs' shape), zero wherever
    gate is not positive: that layer's ReLU backward, fused."""
    (n_samples, k), n = gradient.shape, dinputs.shape[1]
    gated = gate.size > 0
    g = gate if gated else np.ones((1, n), dtype=dinputs.dtype)  # an ungated row keeps every value
    w = weights
    for s in range(n_samples):
        r = s if gated else 0
        if k == 1:
            f0 = gradient[s, 0]
            for c in range(n):
                v = f0 * w[0, c]
                dinputs[s, c] = v if g[r, c] > 0.0 else 0.0
        elif k == 2:
            f0, f1 = gradient[s, 0], gradient[s, 1]
            for c in range(n):
                v = f0 * w[0, c] + f1 * w[1, c]
                dinputs[s, c] = v if g[r, c] > 0.0 else 0.0
        elif k == 3:
            f0, f1, f2 = gradient[s, 0], gradient[s, 1], gradient[s, 2]
            for c in range(n):
                v = f0 * w[0, c] + f1 * w[1, c] + f2 * w[2, c]
                dinputs[s, c] = v if g[r, c] > 0.0 else 0.0
        else:
            f0, f1, f2, f3 = gradient[s, 0], gradient[s, 1], gradient[s, 2], gradient[s, 3]
            for c in range(n):
                v = f0 * w[0, c] + f1 * w[1, c] + f2 * w[2, c] + f3 * w[3, c]
                dinputs[s, c] = v if g[r, c] > 0.0 else 0.0


@njit(cache=True, fastmath={'contract'})
def weight_gradient_by_neuron(gradient, inputs, dweights, dbiases):
    """dweights = gradientᵀ·inputs and dbiases = the column sums of gradient, for few neurons: each
    sample adds gradient[s, j]·inputs[s] to row j (along the inputs), every row in one pass."""
    (n_samples, k), n = gradient.shape, inputs.shape[1]
    d = dweights
    d[:, :] = 0.0
    dbiases[:] = 0.0
    for s in range(n_samples):
        for j in range(k):
            dbiases[j] += gradient[s, j]
        if k == 1:
            f0 = gradient[s, 0]
            for c in range(n):
                d[0, c] += f0 * inputs[s, c]
        elif k == 2:
            f0, f1 = gradient[s, 0], gradient[s, 1]
            for c in range(n):
                x = inputs[s, c]
                d[0, c] += f0 * x
                d[1, c] += f1 * x
        elif k == 3:
            f0, f1, f2 = gradient[s, 0], gradient[s, 1], gradient[s, 2]
            for c in range(n):
                x = inputs[s, c]
                d[0, c] += f0 * x
                d[1, c] += f1 * x
                d[2, c] += f2 * x
        else:
            f0, f1, f2, f3 = gradient[s, 0], gradient[s, 1], gradient[s, 2], gradient[s, 3]
            for c in range(n):
                x = inputs[s, c]
                d[0, c] += f0 * x
                d[1, c] += f1 * x
                d[2, c] += f2 * x
                d[3, c] += f3 * x


@njit(cache=True, fastmath={'contract'})
def weight_gradient_by_input(gradient, inputs, dweights, dbiases):
    """The same for few inputs: each sample adds inputs[s, c]·gradient[s] to row c of dweightsᵀ and
    gradient[s] to dbiases (along the neurons), in one pass; dweightsᵀ is copied into dweights at
    the end."""
    n_samples, n = gradient.shape
    k = inputs.shape[1]
    d = np.zeros((k, n), dtype=dweights.dtype)  # dweightsᵀ
    dbiases[:] = 0.0
    for s in range(n_samples):
        if k == 1:
            f0 = inputs[s, 0]
            for j in range(n):
                g = gradient[s, j]
                dbiases[j] += g
                d[0, j] += f0 * g
        elif k == 2:
            f0, f1 = inputs[s, 0], inputs[s, 1]
            for j in range(n):
                g = gradient[s, j]
                dbiases[j] += g
                d[0, j] += f0 * g
                d[1, j] += f1 * g
        elif k == 3:
            f0, f1, f2 = inputs[s, 0], inputs[s, 1], inputs[s, 2]
            for j in range(n):
                g = gradient[s, j]
                dbiases[j] += g
                d[0, j] += f0 * g
                d[1, j] += f1 * g
                d[2, j] += f2 * g
        else:
            f0, f1, f2, f3 = inputs[s, 0], inputs[s, 1], inputs[s, 2], inputs[s, 3]
            for j in range(n):
                g = gradient[s, j]
                dbiases[j] += g
                d[0, j] += f0 * g
                d[1, j] += f1 * g
                d[2, j] += f2 * g
                d[3, j] += f3 * g
    dweights[:, :] = d.T
