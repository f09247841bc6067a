"""The numba GEMM's shape for the CPU it runs on: the micro-tile per dtype and the cache blocks.

    plan = tiling.gemm_plan(np.float64)
    plan.tile, plan.rules.kc, plan.rules.mc    # (3, 16), 384, ... on AVX2: the rule's settings

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
The rest of the plan can change without a new compile (`gemm_settings`: compiled code reads it at
run time). What `rule_settings` derives from the caches is the default; the planner (`planner`) may
replace it with settings measured on this machine and kept in a wisdom file:
* KC: one KC x NR micro-panel of B is the size of L1 (it is reused by every MR-row sliver of A;
  a longer k loop spreads the loads and stores of the tile's accumulators over more multiply-adds:
  with half of L1, 0.74x and 0.71x BLAS's speed at 1024³ with AVX2, float64 and float32, against
  0.80x and 0.83x, and 1.14x against 1.23x with AVX-512, float64);
* MC: one MC x KC block of A fills half of L2 (it is reused by every micro-panel of B);
* NC: one KC x NC panel of B fills half of L3 (it is reused by every block of A);
* B is packed unless all of it fits in an eighth of L2 (`pack_b_above_*`, in elements): read in
  place, its rows a multiple of 1 KiB apart fight over the same few L1 sets (with AVX2, 32 against
  40 GFLOP/s at 1024³ float64 in place and packed, and 0.53x BLAS's speed at 256³ float32 in
  place); at 128³ float64 (128 KiB) packing costs more than it saves (37 against 34 GFLOP/s);
* A is read in place, except aᵀ from 256 output rows (`pack_a_rows_*`; see `blocking.block`);
* the parallel threshold: below `parallel_flops` one thread beats waking the other. 3e6 flops was
  measured with AVX-512 float64; a core with narrower vectors does the same flops more slowly, so
  the break-even with the wake-up cost comes at proportionally fewer flops. The compiled training
  step keeps every thread from the same number of flops in a whole step (`step_parallel_flops`).

Compiled code reads the tile through two functions resolved while Numba types the caller
(`numba.extending.overload`), so each is a constant in the machine code: `tile_shape(array)` for the
array's dtype, and `microkernel(...)`, which calls the generated kernel of the tile
(`microkernels/tile_3x16.py` ...); only that tile is ever imported and compiled. The disk cache keys
the compiled code on `fingerprint()` (the ISA and the tiles), so a different tile never reuses it.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass

import numpy as np
from numba.extending import overload

from .gemm_settings import NEVER, GemmSettings
from .target import Caches, VectorISA, cache_sizes, vector_isa

#: Vectors of the dtype in one row of a tile; the most elements in a row and in the whole tile.
VECTORS_PER_ROW = 4
MOST_COLUMNS = 32
MOST_ELEMENTS = 192
#: The parallel threshold measured with 512-bit vectors (float64, 2 cores): flops below which one
#: thread beats two.
PARALLEL_FLOPS_AT_512_BITS = 3.0e6
#: aᵀ·b packs blocks of A from this many output rows (with power-of-two strides between aᵀ's columns,
#: in-place slivers fight over the same L1 sets).
PACK_A_TRANSPOSED_FROM_ROWS = 256


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
    """How the GEMM runs for one dtype on this CPU by rule: the tile (compiled in) and the run-time
    settings the caches suggest (`rules`; what runs may be the planner's instead: `gemm_settings`)."""

    dtype: str
    tile: tuple[int, int]
    rules: GemmSettings
    isa: VectorISA
    caches: Caches

    def as_dict(self) -> dict:
        return {"dtype": self.dtype, "tile": f"{self.tile[0]}x{self.tile[1]}", **self.rules.as_dict()}


def rule_settings(tile: tuple[int, int], itemsize: int, caches: Caches, isa: VectorISA) -> GemmSettings:
    """The run-time settings by rule, from the tile and the caches (see the module docstring)."""
    rows, columns = tile
    kc = _round_down(caches.l1d / (columns * itemsize), 16, 64, 1024)
    mc = _round_down(caches.l2 / 2 / (kc * itemsize), rows, rows, 1200)
    nc = _round_down(caches.l3 / 2 / (kc * itemsize), columns, columns, 16384)
    threshold = int(PARALLEL_FLOPS_AT_512_BITS * max(16, isa.vector_bytes) / 64)
    pack_b_above = caches.l2 // 8 // itemsize
    return GemmSettings(kc=kc, mc=mc, nc=nc, pack_b_above_ab=pack_b_above, pack_b_above_atb=pack_b_above,
                        pack_a_rows_ab=NEVER, pack_a_rows_abt=NEVER, pack_a_rows_atb=PACK_A_TRANSPOSED_FROM_ROWS,
                        parallel_flops=threshold, step_parallel_flops=threshold)


@functools.cache
def gemm_plan(dtype) -> GemmPlan:
    """The plan for `dtype` (float64 or float32) on the CPU Numba compiles for."""
    dtype = np.dtype(dtype)
    isa, caches = vector_isa(), cache_sizes()
    tile = tile_for(isa, dtype.itemsize)
    return GemmPlan(dtype.name, tile, rule_settings(tile, dtype.itemsize, caches, isa), isa, caches)


def describe() -> dict:
    """The ISA, the caches and both dtypes' plans by rule, for benchmark headers and result files."""
    plans = [gemm_plan(dtype) for dtype in ("float64", "float32")]
    return {"isa": plans[0].isa.name, "cpu": plans[0].isa.cpu, "isa_description": plans[0].isa.describe(),
            "caches": plans[0].caches.describe(), "plans": {plan.dtype: plan.as_dict() for plan in plans}}


def fingerprint() -> str:
    """One line that changes whenever compiled code would: part of the disk cache's key. The ISA and
    the tiles only: the run-time settings (`gemm_settings`) never change the machine code."""
    plans = [gemm_plan(dtype) for dtype in ("float64", "float32")]
    return repr((plans[0].isa, [plan.tile for plan in plans]))


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
