"""The numba GEMM's shape for the CPU it runs on: the micro-tile per dtype and the cache blocks.

    plan = tiling.gemm_plan(np.float64)
    plan.tile, plan.kc, plan.mc, plan.nc, plan.parallel_flops    # (3, 16), 384, ... on AVX2

As BLIS and OpenBLAS do, the GEMM is shaped at first use from the CPU it is compiled for
(`target.vector_isa()`, which honours NUMBA_CPU_NAME / NUMBA_CPU_FEATURES) and the host's caches
(`target.cache_sizes()`):

* the tile: NR = 4 vectors of the dtype (at most 32 elements), MR rows, so that the MR x NR
  accumulators take 20 of 32 vector registers (AVX-512, NEON), 12 of 16 with FMA (AVX2) or 8 of
  16 without (SSE2, AVX: a multiply and an add need a register for the product between them), and
  the rest hold the broadcast element of A and vectors of B (a fused multiply-add can also read
  its vector of B straight from memory). A tile with more accumulators than
  that spills them to the stack on every step (`tile_assembly` counts it in the machine code): with
  AVX2, the 6 x 8 float64 tile of BLIS's hand-written assembly makes 8 stack accesses per step when
  LLVM allocates its registers, 21 GFLOP/s against 33-40 for 3 x 16; with SSE2, 3 x 8 makes 6,
  8 against 17-18 GFLOP/s for 2 x 8 (one core of an AMD Zen 5, compiled with NUMBA_CPU_NAME=haswell
  or x86-64 and NUMBA_CPU_FEATURES empty); for a Skylake-X, Cascade Lake or Ice Lake server, LLVM
  spills one of the 24 accumulators of a 6 x 32 tile (2 stack accesses per step), none of 5 x 32's
  20, which ran as fast on a Zen 5. The caps (32 elements a row, 192 a tile) keep AVX-512's
  float32 tile at 6 x 32: 6 x 64 compiled twice as long (28 s against 5 s) and ran no faster;
* KC: one KC x NR micro-panel of B is the size of L1 (it is reused by every MR-row sliver of A;
  a longer k loop spreads the loads and stores of the tile's accumulators over more multiply-adds:
  with half of L1, 0.74x and 0.71x BLAS's speed at 1024³ with AVX2, float64 and float32, against
  0.80x and 0.83x, and 1.14x against 1.23x with AVX-512, float64);
* MC: one MC x KC block of A fills half of L2 (it is reused by every micro-panel of B);
* NC: one KC x NC panel of B fills half of L3 (it is reused by every block of A);
* B is packed unless all of it fits in an eighth of L2 (`pack_b_above`, in elements): read in
  place, its rows a multiple of 1 KiB apart fight over the same few L1 sets (with AVX2, 32 against
  40 GFLOP/s at 1024³ float64 in place and packed, and 0.53x BLAS's speed at 256³ float32 in
  place); at 128³ float64 (128 KiB) packing costs more than it saves (37 against 34 GFLOP/s);
* the parallel threshold: below `parallel_flops` one thread beats waking the other. 3e6 flops was
  measured with AVX-512 float64; a core with narrower vectors does the same flops more slowly, so
  the break-even with the wake-up cost comes at proportionally fewer flops.

Compiled code reads the plan through five functions resolved while Numba types the caller
(`numba.extending.overload`), so each is a constant in the machine code: `tile_shape(array)`,
`block_sizes(array)`, `pack_b_above(array)` and `parallel_flops(array)` for the array's dtype, and `microkernel(...)`, which
calls the generated kernel of the tile (`microkernels/tile_3x16.py` ...); only that tile is ever
imported and compiled. The disk cache keys the compiled code on `fingerprint()`, so a different plan
never reuses it.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass

import numpy as np
from numba.extending import overload

from .target import Caches, VectorISA, cache_sizes, vector_isa

#: Vectors of the dtype in one row of a tile; the most elements in a row and in the whole tile.
VECTORS_PER_ROW = 4
MOST_COLUMNS = 32
MOST_ELEMENTS = 192
#: The parallel threshold measured with 512-bit vectors (float64, 2 cores): flops below which one
#: thread beats two.
PARALLEL_FLOPS_AT_512_BITS = 3.0e6


def accumulators(isa: VectorISA) -> int:
    """How many vector registers the tile's accumulators may take (see the module docstring)."""
    if isa.registers >= 32:
        return 20
    return 12 if isa.fma else 8


def tile_for(isa: VectorISA, itemsize: int) -> tuple[int, int]:
    """(MR, NR) for this ISA and element size (see the module docstring)."""
    lanes = max(16, isa.vector_bytes) // itemsize  # a target without vector registers gets 128-bit's tile
    columns = min(MOST_COLUMNS, VECTORS_PER_ROW * lanes)
    return min(accumulators(isa) // (columns // lanes), MOST_ELEMENTS // columns), columns


def _round_down(value: float, multiple: int, low: int, high: int) -> int:
    return int(min(high, max(low, value // multiple * multiple)))


@dataclass(frozen=True)
class GemmPlan:
    """How the GEMM runs for one dtype on this CPU: the tile, the cache blocks, the thread threshold."""

    dtype: str
    tile: tuple[int, int]
    kc: int
    mc: int
    nc: int
    pack_b_above: int
    parallel_flops: float
    isa: VectorISA
    caches: Caches

    def as_dict(self) -> dict:
        return {"dtype": self.dtype, "tile": f"{self.tile[0]}x{self.tile[1]}", "kc": self.kc, "mc": self.mc,
                "nc": self.nc, "pack_b_above": self.pack_b_above, "parallel_flops": self.parallel_flops}


@functools.cache
def gemm_plan(dtype) -> GemmPlan:
    """The plan for `dtype` (float64 or float32) on the CPU Numba compiles for."""
    dtype = np.dtype(dtype)
    isa, caches = vector_isa(), cache_sizes()
    rows, columns = tile_for(isa, dtype.itemsize)
    size = dtype.itemsize
    kc = _round_down(caches.l1d / (columns * size), 16, 64, 1024)
    mc = _round_down(caches.l2 / 2 / (kc * size), rows, rows, 1200)
    nc = _round_down(caches.l3 / 2 / (kc * size), columns, columns, 16384)
    threshold = PARALLEL_FLOPS_AT_512_BITS * max(16, isa.vector_bytes) / 64
    pack_b_above = caches.l2 // 8 // size
    return GemmPlan(dtype.name, (rows, columns), kc, mc, nc, pack_b_above, threshold, isa, caches)


def describe() -> dict:
    """The ISA, the caches and both dtypes' plans, for benchmark headers and result files."""
    plans = [gemm_plan(dtype) for dtype in ("float64", "float32")]
    return {"isa": plans[0].isa.name, "cpu": plans[0].isa.cpu, "isa_description": plans[0].isa.describe(),
            "caches": plans[0].caches.describe(), "plans": {plan.dtype: plan.as_dict() for plan in plans}}


def fingerprint() -> str:
    """One line that changes whenever a plan does: part of the disk cache's key."""
    return repr(describe())


@functools.cache
def kernel_module(rows: int, columns: int):
    """The generated module of one tile (imported on first use only)."""
    return importlib.import_module(f"{__package__}.microkernels.tile_{rows}x{columns}")


def _plan_of_type(array_type) -> GemmPlan:
    return gemm_plan(np.dtype(str(array_type.dtype)))


# ---------------------------------------------------------------- read by compiled code
# Each function runs as written under NUMBA_DISABLE_JIT; compiled, its @overload answers while
# Numba types the caller, so the value is a constant of the caller's machine code.

def _compiled_as_constant(read):
    """Give a plan-reading function of an array an @overload that answers `read(plan)` for the
    array's dtype while Numba types the caller: compiled, the value is a constant."""
    def register(function):
        @overload(function)
        def typed(array):
            value = read(_plan_of_type(array))
            return lambda array: value
        return function
    return register


@_compiled_as_constant(lambda plan: plan.tile)
def tile_shape(array):
    """(MR, NR) of the tile for array's dtype."""
    return gemm_plan(array.dtype).tile


@_compiled_as_constant(lambda plan: (plan.kc, plan.mc, plan.nc))
def block_sizes(array):
    """(KC, MC, NC) for array's dtype."""
    plan = gemm_plan(array.dtype)
    return plan.kc, plan.mc, plan.nc


@_compiled_as_constant(lambda plan: plan.pack_b_above)
def pack_b_above(array):
    """Elements of B above which a product for array's dtype packs B instead of reading it in place."""
    return gemm_plan(array.dtype).pack_b_above


@_compiled_as_constant(lambda plan: plan.parallel_flops)
def parallel_flops(array):
    """Flops from which a product for array's dtype runs on every thread."""
    return gemm_plan(array.dtype).parallel_flops


def microkernel(kc, A, ao, sap, sai, B, bo, ldb, O, oo, ldo, init, jo, accumulate, relu, z):
    """The generated micro-kernel of O's dtype's tile (arguments: see any microkernels/tile_*.py)."""
    kernel = kernel_module(*gemm_plan(O.dtype).tile).microkernel
    kernel(kc, A, ao, sap, sai, B, bo, ldb, O, oo, ldo, init, jo, accumulate, relu, z)


@overload(microkernel)
def _microkernel(kc, A, ao, sap, sai, B, bo, ldb, O, oo, ldo, init, jo, accumulate, relu, z):
    kernel = kernel_module(*_plan_of_type(O).tile).microkernel

    def run(kc, A, ao, sap, sai, B, bo, ldb, O, oo, ldo, init, jo, accumulate, relu, z):
        kernel(kc, A, ao, sap, sai, B, bo, ldb, O, oo, ldo, init, jo, accumulate, relu, z)
    return run
