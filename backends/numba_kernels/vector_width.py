"""Ask LLVM for 512-bit vectors in one compiled function: `prefer_512_bit_vectors()`.

On Intel server CPUs with AVX-512 (Skylake-X to Emerald Rapids) LLVM's tuning prefers 256-bit
vectors: wide instructions can lower the clock, which costs more than it gains in most code. Not in
the GEMM's micro-kernel: its AVX-512 tile's accumulators (5 x 32 float64) fill 20 of the 32 zmm
registers, but as 256-bit vectors they would need 40 of the 32 ymm registers there are, and the
spills to the stack halve its speed (measured with a 6 x 32 tile on an Emerald Rapids machine with
Numba 0.68: 21 against 49 GFLOP/s on one thread at 512³, float64).

Numba has no option for this, and its CPU settings (NUMBA_CPU_NAME, NUMBA_CPU_FEATURES) would change
every function in the process. LLVM reads the preference per function, from the function attribute
"prefer-vector-width", so an intrinsic adds it to the function it is called in, and marks that
function `noinline`: inlined into a caller, the code would be generated with the caller's preference.
On a CPU without AVX-512 the attribute changes nothing; if llvmlite's attribute set ever refuses the
attribute, the function compiles as before (with LLVM's own preference).
"""

from numba.core import types
from numba.extending import intrinsic

from .numba_internals import add_string_attribute

PREFER_512_BIT_VECTORS = '"prefer-vector-width"="512"'


@intrinsic
def prefer_512_bit_vectors(typingctx):
    """Call first thing in an @njit function: LLVM may then use 512-bit vectors in it (never inlined)."""

    def codegen(context, builder, signature, args):
        attributes = builder.function.attributes
        # a string attribute LLVM reads, past llvmlite's list of known names (numba_internals)
        if add_string_attribute(attributes, PREFER_512_BIT_VECTORS):
            attributes.add("noinline")
        return context.get_dummy_value()

    return types.void(), codegen
