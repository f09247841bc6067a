"""The micro-kernel compiled once per dtype, and called by `block` through a linker symbol.

Numba compiles each @njit function into an LLVM module of its own, and links into it the optimized
code of every function it calls, then optimizes and generates machine code for all of it again.
The micro-kernel (a 5 x 32 tile: 160 accumulators that LLVM's SLP vectorizer packs into registers)
is most of the GEMM's compile time, and it was generated anew in the module of every function
above it: `block`, the parallel product, `product`, and each product of `products`: seconds each at
first use. Here it is compiled once, as a C-callable function (`numba.cfunc`, cached on disk like
the rest), whose address is registered under a name with llvmlite (`add_symbol`); `block` calls
that name (`call`, an intrinsic that declares the function and calls it), so the modules above it
hold a call, not the kernel. The machine code the tile runs is the same: the kernel was already a
function of its own, never inlined (`vector_width.prefer_512_bit_vectors`).

`link(dtype)` must run before any code calling it is compiled or loaded from the disk cache
(`gemm.prepare` does it first, inside its SLP window).
"""

from __future__ import annotations

import llvmlite.binding as llvm
import numpy as np
from llvmlite import ir
from numba import carray, cfunc, types
from numba.core import cgutils
from numba.extending import intrinsic

from .tiling import gemm_plan, tile_kernel

_LINKED: dict[str, object] = {}


def symbol(dtype) -> str:
    """The linker name of `dtype`'s micro-kernel on this CPU's tile."""
    name = np.dtype(str(dtype)).name
    rows, columns = gemm_plan(name).tile
    return f"nn_backends_microkernel_{name}_{rows}x{columns}"


def _entry(kc, A, A_size, ao, sap, sai, B, B_size, bo, ldb, O, O_size, oo, ldo, init, init_size, jo, accumulate,
           relu, z):
    """The C-callable face of the tile's kernel: arrays as pointers and sizes, flags as bytes."""
    tile_kernel(kc, carray(A, (A_size,)), ao, sap, sai, carray(B, (B_size,)), bo, ldb, carray(O, (O_size,)), oo, ldo,
                carray(init, (init_size,)), jo, accumulate != 0, relu != 0, z)


def _signature(element):
    pointer, size, offset, flag = types.CPointer(element), types.int64, types.uint64, types.uint8
    return types.void(types.int64, pointer, size, offset, offset, offset, pointer, size, offset, offset, pointer,
                      size, offset, offset, pointer, size, offset, flag, flag, element)


def link(dtype) -> None:
    """Compile (or load) `dtype`'s kernel and register its address; once per dtype and process."""
    name = np.dtype(dtype).name
    if name in _LINKED:
        return
    compiled = cfunc(_signature(getattr(types, name)), cache=True, fastmath={'contract'})(_entry)
    llvm.add_symbol(symbol(name), compiled.address)
    _LINKED[name] = compiled


@intrinsic
def call(typingctx, kc, A, ao, sap, sai, B, bo, ldb, O, oo, ldo, init, jo, accumulate, relu, z):
    """microkernel(...) (see `tiling.microkernel`) as a call of the linked kernel of O's dtype."""
    signature = types.void(kc, A, ao, sap, sai, B, bo, ldb, O, oo, ldo, init, jo, accumulate, relu, z)
    wanted = _signature(O.dtype).args

    def codegen(context, builder, sig, args):
        lowered = [context.get_value_type(item) for item in wanted]
        function = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), lowered),
                                                  symbol(O.dtype))
        values = iter(args)
        given = iter(sig.args)
        arguments = []
        for position, target in enumerate(wanted):
            if position in (2, 7, 11, 15):  # the size after each array: taken from that array
                continue
            value, kind = next(values), next(given)
            if isinstance(kind, types.Array):
                array = context.make_array(kind)(context, builder, value=value)
                arguments += [array.data, array.nitems]
            else:
                arguments.append(context.cast(builder, value, kind, target))
        builder.call(function, arguments)
        return context.get_dummy_value()

    return signature, codegen
