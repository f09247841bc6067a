"""Solutions to chapter 7's exercises."""

import numpy as np
from numba import njit

from backends.numba_kernels.ladder_kernels import simd

# Without 'reassoc' LLVM may not split the sum into vector lanes, so the loop is rung 3's again,
# one multiply-add at a time: rung 3's time, several times rung 4's (chapter 7's table says how many).
PREDICTED_RATIO = 3.0

simd_without_fastmath = njit(simd.py_func)


def tiled_product(a, c, tile: int):
    rows, inner = a.shape
    columns = c.shape[1]
    output = np.zeros((rows, columns))
    for i0 in range(0, rows, tile):
        for k0 in range(0, inner, tile):
            for j0 in range(0, columns, tile):
                for i in range(i0, min(i0 + tile, rows)):
                    for k in range(k0, min(k0 + tile, inner)):
                        for j in range(j0, min(j0 + tile, columns)):
                            output[i, j] += a[i, k] * c[k, j]
    return output
