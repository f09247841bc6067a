"""The GEMM's tile asks LLVM for 512-bit vectors, in its own function only (see vector_width.py)."""

import re

import numpy as np
import pytest

import backends

if "numba" not in backends.available_backends():
    pytest.skip("backend not installed", allow_module_level=True)

from numba import njit  # noqa: E402

from backends.numba_kernels import target  # noqa: E402
from backends.numba_kernels.vector_width import PREFER_512_BIT_VECTORS, prefer_512_bit_vectors  # noqa: E402


@njit(fastmath={'contract'})
def _wide_axpy(a, x, y):
    prefer_512_bit_vectors()
    for i in range(x.shape[0]):
        y[i] += a * x[i]


@njit(fastmath={'contract'})
def _plain_axpy(a, x, y):
    for i in range(x.shape[0]):
        y[i] += a * x[i]


def _definition(dispatcher, name):
    """The LLVM IR `define` line of the compiled function `name` (attributes inline or by group)."""
    ir = "\n".join(dispatcher.inspect_llvm().values())
    line = next(line for line in ir.splitlines() if line.startswith("define") and name in line and "cpython" not in line)
    groups = re.findall(r"#(\d+)", line)
    attributes = [re.search(rf"^attributes #{g} = {{(.*)}}", ir, re.M).group(1) for g in groups]
    return line + " " + " ".join(attributes)


def test_the_function_that_calls_it_gets_the_attribute_and_is_never_inlined():
    x, y = np.ones(64), np.zeros(64)
    _wide_axpy(2.0, x, y)
    _plain_axpy(2.0, x, y)
    np.testing.assert_array_equal(y, 4.0)  # the call itself changes nothing it computes
    wide = _definition(_wide_axpy, "_wide_axpy")
    assert PREFER_512_BIT_VECTORS in wide and "noinline" in wide
    assert PREFER_512_BIT_VECTORS not in _definition(_plain_axpy, "_plain_axpy")


@pytest.mark.skipif(target.vector_isa().name != "avx512",
                    reason="Numba's target has no AVX-512 (the CPU, or NUMBA_CPU_NAME/NUMBA_CPU_FEATURES)")
def test_on_an_avx512_cpu_the_loop_uses_zmm_registers():
    x, y = np.ones(256), np.zeros(256)
    _wide_axpy(2.0, x, y)
    assembly = "\n".join(_wide_axpy.inspect_asm().values())
    assert re.search(r"\bv\w+pd\s[^\n]*%zmm", assembly), "no 512-bit arithmetic in the function"
