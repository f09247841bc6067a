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

Why the matrix product `matmul(a, c)` and not the dense forward `x · Wᵀ + b`: it is the seeds' first
lesson and the python backend's plain triple loop, and its textbook loop order walks down a column
of c, so the step to contiguous memory (rung 3) is a visible change instead of a given: the dense
layer's layout, weights one row per neuron, is exactly where rung 3 arrives. The bias would add
nothing but an O(n²) pass.

Rungs 2-6 live in `backends/numba_kernels/ladder_kernels.py`; rung 7 is the numba backend's kernel
`matmul` and rung 8 the numpy backend's, so the ladder measures what the library really runs.
"""

from __future__ import annotations

import importlib.util
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
    caveat: str = ""            # where its idea does not pay: printed when it loses to the rung below

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
             caveat="the transposed copy of c costs more than it saves while c fits in L1"),
        Rung(4, "simd", "fastmath reassoc+contract: vector sums, FMA", kernels.simd, False, BOTH_DTYPES),
        Rung(5, "both cores", "prange over output rows", kernels.both_cores, True, BOTH_DTYPES,
             caveat="starting the threads costs more than half the work on small products, or the "
                    "other core is busy (a shared machine)"),
        Rung(6, "cache blocked", "tiles of rows reused from L2", kernels.cache_blocked, True, BOTH_DTYPES,
             caveat="blocking pays only once cᵀ outgrows L2 (about 512² in float64); below, it only adds loop overhead"),
        Rung(7, "packed gemm", "packing + register-blocked micro-kernel", get_backend("numba").kernels.matmul,
             True, BOTH_DTYPES, caveat="packing costs O(n²) per call: on small products it is not repaid"),
    ]


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
