"""The numerically stable formulas the numba backend's kernels and the compiled training step share.

Each is one value or one row, `inline="always"`: it compiles into the loop that calls it, so
`numba_backend.sigmoid` and the compiled step's sigmoid layer are the same machine code.
"""

import math

from numba import njit


@njit(cache=True, inline="always")
def sigmoid_of(z):
    """1 / (1 + exp(-z)), finite for every float z."""
    # exp of a non-positive number only: exp(-z) overflows for z < -709
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@njit(cache=True, inline="always")
def softmax_row(z, output, s):
    """Write the softmax of row `s` of `z` into row `s` of `output`."""
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
