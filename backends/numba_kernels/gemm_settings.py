"""What the numba GEMM reads at run time, not at compile time: its cache blocks, packing and thread
thresholds, per dtype, in one process-wide table that compiled code loads from.

    settings = gemm_settings.GemmSettings(kc=384, mc=120, nc=4096, ...)
    gemm_settings.apply("float64", settings)     # every compiled product uses it from its next call
    gemm_settings.current("float64")             # what compiled code reads now

Only the tile (MR x NR) and the micro-kernel are fixed when the GEMM compiles (`tiling`); everything
here can change without a new compile, so the planner (`planner`) can time candidates in one process,
and a wisdom file can set them in the next, while Numba's disk cache keeps serving the same code.

How compiled code reads a value: `setting(array, FIELD)` compiles to one load from an LLVM global
variable declared external, `nn_backends_gemm_settings`, whose address is registered with llvmlite
(`llvmlite.binding.add_symbol`) at import, before any kernel is compiled or loaded from the disk
cache: the cached machine code names the symbol, not an address, so it links against this process's
table. The table is a ctypes array of int64, `FIELDS` slots per dtype.
"""

from __future__ import annotations

import ctypes
from dataclasses import asdict, dataclass, fields

import llvmlite.binding as llvm
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, overload

SYMBOL = "nn_backends_gemm_settings"
#: The dtypes the GEMM compiles for, in the order of their slots in the table.
DTYPES = ("float64", "float32")
#: Slots per dtype (room for fields added later without moving the others).
FIELDS = 16
#: A threshold that is never reached ("never pack", "never go parallel").
NEVER = 2 ** 62


@dataclass(frozen=True)
class GemmSettings:
    """One dtype's run-time settings. Sizes are in elements, thresholds compare as `value >= field`.

    kc, mc, nc: the depth of a k block, the rows of a block of A, the columns of a panel of B.
    pack_b_above_ab, pack_b_above_atb: elements of B (k·m) above which a·b, aᵀ·b pack all of B
        (a·bᵀ always packs it: its rows are B's columns).
    pack_a_rows_ab, pack_a_rows_abt, pack_a_rows_atb: rows of the output from which each form packs
        blocks of A into slivers instead of reading A in place (only with at least 4 tile columns).
    parallel_flops: flops (2·n·m·k) from which one product runs on every thread.
    step_parallel_flops: flops of a whole training step from which the compiled step keeps every
        thread (below it, the step runs on one: `training_step._threads_for`).
    """

    kc: int
    mc: int
    nc: int
    pack_b_above_ab: int
    pack_b_above_atb: int
    pack_a_rows_ab: int
    pack_a_rows_abt: int
    pack_a_rows_atb: int
    parallel_flops: int
    step_parallel_flops: int

    def as_dict(self) -> dict:
        return asdict(self)

    def replace(self, **changes) -> GemmSettings:
        return GemmSettings(**{**asdict(self), **changes})

    def describe(self) -> str:
        def shown(value):
            return "never" if value >= NEVER else str(value)
        return ", ".join(f"{name} {shown(value)}" for name, value in asdict(self).items())


NAMES = tuple(field.name for field in fields(GemmSettings))
KC, MC, NC, PACK_B_ABOVE_AB, PACK_B_ABOVE_ATB, PACK_A_ROWS_AB, PACK_A_ROWS_ABT, PACK_A_ROWS_ATB, \
    PARALLEL_FLOPS, STEP_PARALLEL_FLOPS = range(len(NAMES))


def check(dtype, settings: GemmSettings, tile: tuple[int, int]) -> None:
    """Raise ValueError naming the field when `settings` would make the blocked product wrong or
    absurd for this tile: every field an integer, kc 16..4096, mc a multiple of MR up to 8192, nc a
    multiple of NR up to 65536, thresholds from 0 to NEVER."""
    rows, columns = tile
    for name, value in settings.as_dict().items():
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= NEVER:
            raise ValueError(f"GEMM setting {name} for {np.dtype(dtype).name} must be an integer from 0 to "
                             f"{NEVER}; got {value!r}")
    limits = {"kc": (16, 4096, 1), "mc": (rows, 8192, rows), "nc": (columns, 65536, columns)}
    for name, (low, high, multiple) in limits.items():
        value = getattr(settings, name)
        if not low <= value <= high or value % multiple:
            raise ValueError(f"GEMM setting {name} for {np.dtype(dtype).name} with a {rows}x{columns} tile must "
                             f"be a multiple of {multiple} from {low} to {high}; got {value}")


def _table():
    """The process's table: created and registered once, found again if this module is re-imported."""
    size = FIELDS * len(DTYPES)
    address = llvm.address_of_symbol(SYMBOL)
    if address:
        return (ctypes.c_int64 * size).from_address(address)
    table = (ctypes.c_int64 * size)()
    _KEEP_ALIVE.append(table)
    llvm.add_symbol(SYMBOL, ctypes.addressof(table))
    return table


_KEEP_ALIVE: list = []
TABLE = _table()
_APPLIED: dict[str, GemmSettings] = {}


def slot(dtype) -> int:
    """The first slot of `dtype`'s settings in the table."""
    name = np.dtype(dtype).name
    if name not in DTYPES:
        raise ValueError(f"the numba GEMM runs on {' or '.join(DTYPES)}; got {name}")
    return FIELDS * DTYPES.index(name)


def apply(dtype, settings: GemmSettings, tile: tuple[int, int]) -> None:
    """Make `settings` what every compiled product of `dtype` reads from its next call (checked first)."""
    check(dtype, settings, tile)
    base = slot(dtype)
    for index, name in enumerate(NAMES):
        TABLE[base + index] = getattr(settings, name)
    _APPLIED[np.dtype(dtype).name] = settings


def current(dtype) -> GemmSettings | None:
    """The settings last applied for `dtype` (None before the first)."""
    return _APPLIED.get(np.dtype(dtype).name)


# ---------------------------------------------------------------- read by compiled code

@intrinsic
def _load(typingctx, index):
    """Slot `index` of the table, loaded from the external global (see the module docstring)."""
    def codegen(context, builder, signature, args):
        module = builder.module
        try:
            table = module.get_global(SYMBOL)
        except KeyError:
            table = ir.GlobalVariable(module, ir.ArrayType(ir.IntType(64), FIELDS * len(DTYPES)), name=SYMBOL)
            table.linkage = "external"
        return builder.load(builder.gep(table, [ir.Constant(ir.IntType(32), 0), args[0]]))
    return types.int64(types.intp), codegen


def setting(array, field):
    """Field `field` (KC, MC, ...) of the settings for array's dtype. Compiled, one load from the table;
    under NUMBA_DISABLE_JIT, read from it in Python."""
    return TABLE[slot(array.dtype) + field]


@overload(setting)
def _setting(array, field):
    base = slot(str(array.dtype))
    return lambda array, field: _load(base + field)
