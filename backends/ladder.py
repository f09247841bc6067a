"""The optimization ladder: the matrix product computed once per idea, from Python loops to BLAS.

    from backends import ladder
    for rung in ladder.rungs():                      # those that can run here, bottom to top
        print(rung.number, rung.name, rung.idea, rung.parallel)
        product = rung.to_numpy(rung.function(*rung.arguments(a, c)))

Every rung computes a · c for a (n_rows, n_inner) and c (n_inner, n_columns) and adds exactly one
idea to the rung below it:

  1 python          nested loops over lists: one interpreted multiply-add at a time
  2 compiled        the same loops compiled by @njit, nothing else
  3 contiguous      the innermost loop walks contiguous memory (c read through its transpose)
  4 simd            fastmath 'reassoc' + 'contract': LLVM vectorizes the sum, with FMA
  5 both cores      prange over output rows
  6 cache blocked   tiles of rows that stay in L2 while they are reused
  7 packed gemm     packing + a register-blocked micro-kernel: the numba backend's own product
  8 blas            the numpy backend: np.dot, i.e. this machine's BLAS (and torch, when installed)

Why the matrix product `matmul(a, c)` and not the dense forward `x · Wᵀ + b`: it is the book's first
lesson and the python backend's plain triple loop, and its textbook loop order walks down a column
of c, so the step to contiguous memory (rung 3) is a visible change instead of a given: the dense
layer's layout, weights one row per neuron, is exactly where rung 3 arrives. The bias would add
nothing but an O(n²) pass.

Rungs 2-6 live in `backends/numba_kernels/ladder_kernels.py`; rung 7 is the numba backend's kernel
`matmul` and rung 8 the numpy backend's, so the ladder measures what the library really runs.
"""

from __future__ import annotations

import functools
import importlib.util
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import python_backend

BOTH_DTYPES = ("float64", "float32")


@dataclass(frozen=True)
class Rung:
    """One rung: `function(*arguments(a, c))` is the product a · c in the rung's own arrays."""

    number: int
    name: str
    idea: str
    function: Callable
    parallel: bool              # runs on every thread given (Numba or BLAS threads); else on one
    dtypes: tuple[str, ...]     # the dtypes it computes in
    arrays: str = "ndarray"     # "lists" (python) or "torch"
    #: why_slower(a, c, call_seconds, threads) -> one sentence of measured facts, asked for only
    #: when the rung lost to the one below it (the ladder prints it under the table)
    why_slower: Callable | None = None

    def arguments(self, a: np.ndarray, c: np.ndarray) -> tuple:
        """a and c (C-contiguous ndarrays of one of `dtypes`) converted to what `function` takes."""
        if self.arrays == "lists":
            return a.tolist(), c.tolist()
        if self.arrays == "torch":
            import torch

            return torch.from_numpy(a), torch.from_numpy(c)
        return a, c

    def to_numpy(self, product) -> np.ndarray:
        return product.numpy() if self.arrays == "torch" else np.asarray(product)

    def __repr__(self) -> str:
        threads = "all threads" if self.parallel else "one thread"
        return f"<Rung {self.number} {self.name!r}: {self.idea} ({threads}, {', '.join(self.dtypes)})>"


def _numba_rungs() -> list[Rung]:
    from . import get_backend
    from .numba_kernels import ladder_kernels as kernels

    return [
        Rung(2, "compiled", "the same loops, compiled by @njit", kernels.compiled_loops, False, BOTH_DTYPES),
        Rung(3, "contiguous", "inner loop on contiguous rows (c transposed)", kernels.contiguous, False, BOTH_DTYPES,
             why_slower=_transposed_copy_share),
        Rung(4, "simd", "fastmath reassoc+contract: vector sums, FMA", kernels.simd, False, BOTH_DTYPES),
        Rung(5, "both cores", "prange over output rows", kernels.both_cores, True, BOTH_DTYPES,
             why_slower=_thread_start_share),
        Rung(6, "cache blocked", "tiles of rows reused from L2", kernels.cache_blocked, True, BOTH_DTYPES,
             why_slower=_transposed_size_against_l2),
        Rung(7, "packed gemm", "packing + register-blocked micro-kernel", get_backend("numba").kernels.matmul,
             True, BOTH_DTYPES, why_slower=_packing_share_and_inner_loop),
    ]


# ---------------------------------------------------------------- why a rung lost, measured
def _median_seconds(function, repeats: int = 7) -> float:
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _share(part: float, whole: float) -> str:
    return f"{part * 1e6:.1f} µs, {part / whole:.0%} of its {whole * 1e6:.1f} µs call"


def _transposed_copy_share(a, c, call_seconds, threads) -> str:
    copy = _median_seconds(lambda: np.ascontiguousarray(c.T))
    return f"its transposed copy of c took {_share(copy, call_seconds)}"


def _thread_start_share(a, c, call_seconds, threads) -> str:
    from .benchmarking.timing import set_threads
    from .numba_kernels import ladder_kernels as kernels

    tiny = np.ones((2, 2), dtype=a.dtype)
    set_threads(1)
    alone = _median_seconds(lambda: kernels.both_cores(tiny, tiny), 51)
    set_threads(threads)
    started = _median_seconds(lambda: kernels.both_cores(tiny, tiny), 51)
    return (f"handing a parallel loop to {threads} threads costs {_share(max(0.0, started - alone), call_seconds)} "
            f"(a 2×2 product on {threads} threads against 1)")


def _transposed_size_against_l2(a, c, call_seconds, threads) -> str:
    from .numba_kernels.target import cache_sizes

    l2 = cache_sizes().l2
    size = c.nbytes
    verdict = "fits in" if size <= l2 else "outgrows"
    return (f"cᵀ is {size // 1024} KiB and {verdict} this core's {l2 // 1024} KiB L2: the tiles save traffic "
            "beyond L2 only once it outgrows it")


def _packing_share_and_inner_loop(a, c, call_seconds, threads) -> str:
    from .numba_kernels import gemm

    packing = _median_seconds(lambda: gemm.pack_all_of_b(c))
    loop = _inner_loop_report(str(a.dtype))
    return f"packing B took {_share(packing, call_seconds)}; {loop.describe()}"


@functools.cache
def _inner_loop_report(dtype: str):
    from .numba_kernels import tile_assembly

    return tile_assembly.inner_loop(dtype)


def rungs() -> list[Rung]:
    """The rungs that can run here, bottom to top: the numba rungs need numba, torch its library."""
    from . import get_backend

    ladder = [Rung(1, "python", "nested loops over lists, interpreted", python_backend.matmul, False,
                   ("float64",), arrays="lists")]
    if importlib.util.find_spec("numba") is not None:
        ladder += _numba_rungs()
    ladder.append(Rung(8, "blas", "np.dot: this machine's BLAS", get_backend("numpy").kernels.matmul, True,
                       BOTH_DTYPES))
    if importlib.util.find_spec("torch") is not None:
        import torch

        ladder.append(Rung(8, "torch", "torch.matmul: PyTorch's CPU BLAS", torch.matmul, True, BOTH_DTYPES,
                           arrays="torch"))
    return ladder
