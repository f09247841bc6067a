"""The numba backend's matrix product: one named entry, `product`, and the kernels it chooses from.

    product(a, b, out, transpose_a=False, transpose_b=False, bias=no_bias(out), relu=False, threads=1)

(every argument named, none left out) writes op(a)·op(b) (+ bias per column) (then ReLU) into `out`,
where op transposes a stored (k, n) `a` when `transpose_a` and a stored (m, k) `b` when
`transpose_b`. The dense layers use three forms: inputs·weightsᵀ + biases (forward), dvaluesᵀ·inputs
(weight gradient), dvalues·weights (input gradient). There is no BLAS here: every multiply-add is a
Numba loop.

The textbook triple loop runs an order of magnitude below BLAS (the ladder's rungs 2-6 measure it).
What closes the gap is the recipe of BLIS (GotoBLAS), in loops:
  * a register-blocked micro-kernel (generated, `microkernels/`): an MR x NR tile of scalar
    accumulators that LLVM's SLP vectorizer keeps in vector registers, its shape chosen for the
    CPU's vector width and register count and the dtype (`tiling.py`: 3 x 16 float64 and 3 x 32
    float32 with AVX2, 5 x 32 and 6 x 32 with AVX-512), so that the accumulators never spill to the
    stack;
  * fused multiply-adds, and 512-bit vectors where the CPU has them (`vector_width.py`);
  * cache blocking and packing around it (`blocking.py`), the blocks sized from the host's caches
    by rule, or measured on this machine by the planner (`planner.py`); both are run-time settings
    (`gemm_settings.py`), so neither needs a compile;
  * SLP vectorization, which Numba leaves off by default, switched on only while these kernels
    compile (`prepare`, on first use of each dtype; the previous setting restored).
    Numba's cache key ignores the setting, but cached code can only come from inside that window.
`product` picks, inside compiled code: plain loops for products a tile would mostly waste
(`_small_product`), dot products for outputs narrower than a tile (`_dot_products`), one thread, or
both (`_parallel_product`) once the work pays for waking the other thread (the `parallel_flops`
setting).
Accumulation stays in the arrays' dtype (float32 stays float32, with FMA).
"""

import numba
import numpy as np
from numba import njit, prange

from . import disk_cache  # noqa: F401  (before any kernel: the cache keys on every kernel file)
from .blocking import block, finish_empty, pack_b, prepack_b
from . import gemm_settings as settings
from . import numba_internals
from .gemm_settings import setting
from .tiling import tile_shape

#: Up to this many multiply-adds (n·m·k) the plain loops of `_small_product` beat the blocked product,
#: whose packing and edge tiles cost more than they save (measured crossover: about 22³ with AVX-512).
SMALL_PRODUCT_MULTIPLY_ADDS = 8192
#: Below this depth (k) the plain loops win at any size: a micro-kernel call of a few steps is all
#: prologue and epilogue (300×2·2×64, a spiral network's first layer: 5-7 µs against 12-38 µs).
SHALLOW_DEPTH = 16
#: Row chunks per thread in the parallel product, so a descheduled thread does not hold up the rest.
CHUNKS_PER_THREAD = 4
#: With NUMBA_DISABLE_JIT=1 (kernels run as Python, for debugging) every product takes the plain
#: loops of `_small_product`: the micro-kernel's uint64 index arithmetic is meant for compiled code.
BLOCKED_PRODUCTS = not numba.config.DISABLE_JIT


@njit(cache=True)
def product(a, b, out, transpose_a, transpose_b, bias, relu, threads):
    """out = op(a)·op(b) (+ bias) (ReLU), with the kernel that suits the shape; see the module docstring.

    a, b, out: C-ordered 2-D arrays of one dtype, out of shape (n, m). transpose_a, transpose_b, relu:
    booleans. bias: one value per column of out, or an empty array of out's dtype for none (`no_bias`;
    not None, which would be a second build of everything below). threads: how many threads a big product may
    use (1 keeps it on this one). Call `prepare(dtype)` first, once per process (the numba backend's
    adapters do). Callers name every argument; none has a default, because Numba
    types an omitted argument as its own type, and the kernels below would then compile again,
    outside `prepare`'s window, without vectorization."""
    # a flag, not a literal (bias is None would be one): with a literal True or False for has_bias,
    # Numba would compile this function (and relink what it calls) once per value
    has_bias = bias.size > 0  # with bias, it has one value per column of out
    MR, NR = tile_shape(out)
    n_rows, n_columns = out.shape
    depth = a.shape[0] if transpose_a else a.shape[1]
    small = n_rows * n_columns * depth <= SMALL_PRODUCT_MULTIPLY_ADDS or depth < SHALLOW_DEPTH
    if not BLOCKED_PRODUCTS or small or (transpose_a and n_columns <= 8):
        _small_product(a, b, out, transpose_a, transpose_b, bias, has_bias, relu)
    elif transpose_b and not transpose_a and n_columns < NR:
        _dot_products(a, b, out, bias, has_bias, relu)
    elif not transpose_a and n_columns < NR:  # as above, on a transposed copy of b (k·m: small)
        _dot_products(a, np.ascontiguousarray(b.T), out, bias, has_bias, relu)
    elif 2 * n_rows * n_columns * depth >= setting(out, settings.PARALLEL_FLOPS) and n_rows >= 2 * MR and threads > 1:
        chunks = min(threads * CHUNKS_PER_THREAD, max(1, n_rows // (2 * MR)))
        _parallel_product(a, b, out, bias, has_bias, transpose_a, transpose_b, relu, chunks)
    else:
        _serial_product(a, b, out, bias, has_bias, transpose_a, transpose_b, relu)


@njit(cache=True, inline='always')
def no_bias(out):
    """The `bias` argument of a product without one: an empty array of out's dtype."""
    return np.empty(0, dtype=out.dtype)


@njit(cache=True)
def _small_product(a, b, out, transpose_a, transpose_b, bias, has_bias, relu):
    """The products a tile would mostly waste: small ones (the book's 3x4x3 up to about 20³), and
    aᵀ·b with few columns (the weight gradient of a layer with few inputs). Plain loops whose innermost
    loop runs along a contiguous row; bias is read only where has_bias."""
    n_rows, n_columns = out.shape
    if transpose_a:
        # outᵀ[j, i] = Σ_p b[p, j] · a[p, i]: rows of a and of outᵀ are contiguous
        depth = a.shape[0]
        transposed = np.zeros((n_columns, n_rows), dtype=out.dtype)
        for p in range(depth):
            for j in range(n_columns):
                factor = b[j, p] if transpose_b else b[p, j]
                for i in range(n_rows):
                    transposed[j, i] += a[p, i] * factor
        for i in range(n_rows):
            for j in range(n_columns):
                value = transposed[j, i] + (bias[j] if has_bias else 0.0)
                out[i, j] = value if not relu or value > 0.0 else 0.0
        return
    depth = a.shape[1]
    right = np.empty((depth, n_columns), dtype=out.dtype)  # op(b) as (depth, n_columns), rows contiguous
    for p in range(depth):
        for j in range(n_columns):
            right[p, j] = b[j, p] if transpose_b else b[p, j]
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
def _serial_product(a, b, out, bias, has_bias, transpose_a, transpose_b, relu):
    """The blocked product on this thread (arguments as `_small_product`'s). B is packed up front when
    it must be transposed or is too big to read in place (the `pack_b_above_*` settings); otherwise its full
    panels are read where they are."""
    n, m = out.shape
    K = a.shape[0] if transpose_a else a.shape[1]
    if K == 0:
        finish_empty(out, bias, has_bias, relu)
        return
    pack_above = setting(out, settings.PACK_B_ABOVE_ATB) if transpose_a else setting(out, settings.PACK_B_ABOVE_AB)
    if transpose_b or K * m > pack_above:
        packed = prepack_b(b, transpose_b, K, m)
        block(a, b, out, transpose_a, transpose_b, packed, True, 0, n, bias, has_bias, relu)
    else:
        unpacked = np.empty(0, dtype=out.dtype)  # read only where b is packed
        block(a, b, out, transpose_a, transpose_b, unpacked, False, 0, n, bias, has_bias, relu)


@njit(cache=True, parallel=True)
def _parallel_product(a, b, out, bias, has_bias, transpose_a, transpose_b, relu, chunks):
    """The blocked product on every thread: B packed once (prange over NR-column panels), then prange
    over `chunks` row chunks (several per thread, so one descheduled thread does not hold up the rest)."""
    MR, NR = tile_shape(out)
    n, m = out.shape
    K = a.shape[0] if transpose_a else a.shape[1]
    if K == 0:
        finish_empty(out, bias, has_bias, relu)
        return
    n_panels = (m + NR - 1) // NR
    packed = np.empty(n_panels * K * NR, dtype=out.dtype)
    for panel in prange(n_panels):
        pack_b(b, transpose_b, panel * NR, 0, K, packed, panel * K * NR)
    rows = (n + chunks - 1) // chunks
    rows = ((rows + MR - 1) // MR) * MR
    chunks = (n + rows - 1) // rows
    for chunk in prange(chunks):
        low = chunk * rows
        high = min(n, low + rows)
        block(a, b, out, transpose_a, transpose_b, packed, True, low, high, bias, has_bias, relu)


@njit(cache=True, fastmath={'contract', 'reassoc'})
def _dot_products(a, b, out, bias, has_bias, relu):
    """out[i, j] = a[i]·b[j] (+ bias[j]) (ReLU): a·bᵀ with fewer output columns than a tile row, where
    the tile would be mostly padding (a 10-class output layer: 6 µs against 17-29 µs blocked). Four rows at a time share each row of b; fastmath 'reassoc' lets
    LLVM split each sum into vector lanes (so the last bits may differ from a left-to-right sum)."""
    n, K = a.shape
    m = b.shape[0]
    z = np.zeros(1, dtype=out.dtype)[0]
    i = 0
    while i + 4 <= n:
        a0 = a[i]
        a1 = a[i + 1]
        a2 = a[i + 2]
        a3 = a[i + 3]
        for j in range(m):
            bj = b[j]
            s0 = s1 = s2 = s3 = z
            for p in range(K):
                v = bj[p]
                s0 += a0[p] * v
                s1 += a1[p] * v
                s2 += a2[p] * v
                s3 += a3[p] * v
            if has_bias:
                s0 += bias[j]
                s1 += bias[j]
                s2 += bias[j]
                s3 += bias[j]
            if relu:
                s0 = max(s0, 0)
                s1 = max(s1, 0)
                s2 = max(s2, 0)
                s3 = max(s3, 0)
            out[i, j] = s0
            out[i + 1, j] = s1
            out[i + 2, j] = s2
            out[i + 3, j] = s3
        i += 4
    while i < n:
        ai = a[i]
        for j in range(m):
            bj = b[j]
            s = z
            for p in range(K):
                s += ai[p] * bj[p]
            if has_bias:
                s += bias[j]
            if relu:
                s = max(s, 0)
            out[i, j] = s
        i += 1


def pack_all_of_b(b):
    """All of a (k, m) `b` packed into the tile's column panels, as one product packs it (for timing
    the packing alone: the ladder says how much of a call it is)."""
    return prepack_b(np.ascontiguousarray(b), False, b.shape[0], b.shape[1])


#: numba.get_num_threads() and numba.set_num_threads(n) without the process-wide lock they take on
#: every call (microseconds, more than a small product): once the pool runs, each is one call into
#: it. Call them in Python and pass the count in: called inside a kernel, they keep Numba from
#: caching that kernel on disk. set_thread_count takes a count from 1 to thread_count()'s at start.
thread_count, set_thread_count = numba_internals.fast_thread_calls()

_PREPARED: set = set()


def prepare(dtype) -> None:
    """Compile (or load from Numba's disk cache) the blocked kernels for `dtype` (float64 or float32),
    with SLP vectorization on for exactly this while, and set their run-time settings
    (`planner.settle`); at most once per dtype and process.

    Every caller of `product` calls this for its dtype before its own first call. After it, the
    drivers and `block` refuse to compile again (`disable_compile`): a caller that hands them a type of
    its own (a literal True, say) is converted to the signature compiled here, instead of getting
    a build of its own without vectorization, an order of magnitude slower. Compiling on first use,
    per dtype, keeps `import` and a float64-only run from paying for float32."""
    if dtype in _PREPARED:
        return
    from . import planner

    planner.settle(dtype)  # the run-time settings: the wisdom's for this machine, else the rule's
    if numba.config.DISABLE_JIT:  # NUMBA_DISABLE_JIT=1: the kernels run as Python
        _PREPARED.add(dtype)
        return
    _allow_compiling(True)
    try:
        with numba_internals.slp_vectorization():
            element = numba.from_dtype(np.dtype(dtype))
            matrix, vector, flag, index = element[:, ::1], element[::1], numba.boolean, numba.int64
            # block first, for one signature only: the drivers pass it literals (True, 0), and Numba
            # would otherwise compile a version per combination of them, 10-15 s each
            block.compile((matrix, matrix, matrix, flag, flag, vector, flag, index, index, vector, flag, flag))
            numba_internals.refuse_compiling(block, True)
            _serial_product.compile((matrix, matrix, matrix, vector, flag, flag, flag, flag))
            _parallel_product.compile((matrix, matrix, matrix, vector, flag, flag, flag, flag, numba.int64))
            _dot_products.compile((matrix, matrix, matrix, vector, flag, flag))
            # product likewise: its callers name literal flags (transpose_a=False), and each combination
            # would otherwise be a build of product of its own, relinking every kernel above
            product.compile((matrix, matrix, matrix, flag, flag, vector, flag, index))
    finally:
        _allow_compiling(False)
    _PREPARED.add(dtype)


def _allow_compiling(allowed: bool) -> None:
    if not numba.config.DISABLE_JIT:
        for driver in (block, _serial_product, _parallel_product, _dot_products, product):
            numba_internals.refuse_compiling(driver, not allowed)
