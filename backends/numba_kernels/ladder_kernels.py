"""The Numba rungs of the optimization ladder: the matrix product out = a · c, one idea per function.

a is (n_rows, n_inner), c is (n_inner, n_columns), both C-contiguous, float64 or float32; each
function returns a new array of their dtype. Read them top to bottom: every function is the one
above it plus exactly one idea. `backends/ladder.py` puts them between the python backend's loops
(below) and the numba backend's packed GEMM and BLAS (above), and says which runs on how many threads.
"""

import numpy as np
from numba import njit, prange

from . import disk_cache  # noqa: F401  (before any kernel: the cache keys on every kernel file)

#: Rung 6's tile: this many rows of a and this many rows of cᵀ are reused from the caches, together
#: 2 x 32 rows x 8 KiB = 512 KiB at n_inner = 1024 in float64: inside a 1-2 MiB L2.
TILE = 32


@njit(cache=True)
def compiled_loops(a, c):
    """Rung 2: the python backend's `matmul` loops, compiled by @njit — nothing else.

    The innermost loop walks down a column of c: n_columns elements apart in memory, so every
    multiply-add loads a new cache line, and at n_columns = 512 or 1024 those lines fall into the
    same few L1 sets and evict each other."""
    n_rows, n_inner = a.shape
    n_columns = c.shape[1]
    output = np.empty((n_rows, n_columns), dtype=a.dtype)
    zero = output.dtype.type(0)  # Python's 0.0 is a float64; the sum keeps the arrays' dtype
    for i in range(n_rows):
        for j in range(n_columns):
            total = zero
            for k in range(n_inner):
                total += a[i, k] * c[k, j]
            output[i, j] = total
    return output


@njit(cache=True, inline="always")
def _dot(a, i, ct, j):
    """Σ_k a[i, k] · ct[j, k]: row i of a against row j of cᵀ, both contiguous, summed in the arrays'
    dtype. Inlined into each rung below, so it compiles under that rung's fastmath flags."""
    total = a.dtype.type(0)
    for k in range(a.shape[1]):
        total += a[i, k] * ct[j, k]
    return total


@njit(cache=True)
def contiguous(a, c):
    """Rung 3: the same loops, but c is read through its transpose (one O(n²) copy, the layout a
    dense layer keeps its weights in: one row per neuron), so the innermost loop (`_dot`) walks two
    contiguous rows: every cache line brought in is used whole.

    Still one multiply-add at a time. The sum `total += a[i, k] * ct[j, k]` is a chain: each add
    needs the previous total. SIMD would keep 4 or 8 partial sums and add them at the end, but
    floating-point addition is not associative, so that changes the rounding, and LLVM may only
    reorder a sum when told it may (rung 4)."""
    ct = np.ascontiguousarray(c.T)
    output = np.empty((a.shape[0], c.shape[1]), dtype=a.dtype)
    for i in range(a.shape[0]):
        for j in range(c.shape[1]):
            output[i, j] = _dot(a, i, ct, j)
    return output


@njit(cache=True, fastmath={"reassoc", "contract"})
def simd(a, c):
    """Rung 4: rung 3 word for word, compiled with two fastmath flags, so LLVM vectorizes the sum.

    'reassoc' lets LLVM reassociate the chain into vector-wide partial sums (4 float64 or 8 float32
    per AVX2 register, several registers in flight) added together at the end; 'contract' lets it
    fuse each multiply and add into one FMA instruction (one rounding instead of two). Both change
    the order and number of roundings, so the last bits of a sum may differ from rung 3's: the error
    bound is the same order (it is a different, equally valid summation order). The other fastmath
    flags (no NaNs, no infinities...) are left off: they would let LLVM assume away real inputs.
    (Another way to the same end without flags: loop over k outside j, so each output is its own
    accumulator and the vector lanes are different outputs — the micro-kernel of rung 7 does that.)"""
    ct = np.ascontiguousarray(c.T)
    output = np.empty((a.shape[0], c.shape[1]), dtype=a.dtype)
    for i in range(a.shape[0]):
        for j in range(c.shape[1]):
            output[i, j] = _dot(a, i, ct, j)
    return output


@njit(cache=True, fastmath={"reassoc", "contract"}, parallel=True)
def both_cores(a, c):
    """Rung 5: rung 4 with `prange` over the rows of the output: each thread (numba.set_num_threads)
    computes its own rows; they share a and cᵀ read-only and never write the same element."""
    ct = np.ascontiguousarray(c.T)
    output = np.empty((a.shape[0], c.shape[1]), dtype=a.dtype)
    for i in prange(a.shape[0]):
        for j in range(c.shape[1]):
            output[i, j] = _dot(a, i, ct, j)
    return output


@njit(cache=True, fastmath={"reassoc", "contract"}, parallel=True)
def cache_blocked(a, c):
    """Rung 6: rung 5 computed tile by tile: TILE rows of a against TILE rows of cᵀ at a time.

    In rung 5 each row of a meets every row of cᵀ in turn, so all of cᵀ streams through the caches
    once per row of a: from L3 or memory once cᵀ outgrows L2 (2 MiB at 512² float64). Within a tile,
    each row of cᵀ is reused by TILE rows of a while it is still in L2 (and each row of a by TILE
    rows of cᵀ), so the traffic beyond L2 drops by a factor of TILE. prange runs over row tiles."""
    n_rows, n_columns = a.shape[0], c.shape[1]
    ct = np.ascontiguousarray(c.T)
    output = np.empty((n_rows, n_columns), dtype=a.dtype)
    for row_tile in prange((n_rows + TILE - 1) // TILE):
        i_start = row_tile * TILE
        for j_start in range(0, n_columns, TILE):
            for i in range(i_start, min(i_start + TILE, n_rows)):
                for j in range(j_start, min(j_start + TILE, n_columns)):
                    output[i, j] = _dot(a, i, ct, j)
    return output
