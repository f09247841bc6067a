"""A kernel that compiles for more than a moment says so, in one line, once per outermost compile."""

import io
import time
from types import SimpleNamespace

import numba
import pytest

import backends

if "numba" not in backends.available_backends():
    pytest.skip("backend not installed", allow_module_level=True)

from backends.numba_kernels.first_use import CompileNotice  # noqa: E402


def _event(module, name="product", dtype="float32"):
    function = SimpleNamespace(__module__=module, __name__=name)
    return SimpleNamespace(data={"dispatcher": SimpleNamespace(py_func=function),
                                 "args": (numba.types.Array(numba.from_dtype(__import__("numpy").dtype(dtype)), 2, "C"),)})


def test_a_slow_compile_prints_one_line_naming_the_kernel_and_dtype():
    stream = io.StringIO()
    notice = CompileNotice(after=0.01, stream=stream)
    outer, inner = _event("backends.numba_kernels.gemm"), _event("backends.numba_kernels.blocking", "block")
    notice.on_start(outer)
    notice.on_start(inner)  # a callee compiled inside the outer compile is part of it
    time.sleep(0.3)
    notice.on_end(inner)
    notice.on_end(outer)
    lines = stream.getvalue().splitlines()
    assert lines == ["nn-backends: compiling the numba kernel gemm.product for float32 "
                     "(first use only; cached on disk after)..."]


def test_a_quick_compile_or_a_foreign_kernel_prints_nothing():
    stream = io.StringIO()
    notice = CompileNotice(after=0.5, stream=stream)
    for ev in (_event("backends.numba_backend", "relu"), _event("somebody_else", "kernel")):
        notice.on_start(ev)
        notice.on_end(ev)
    slow_foreign = CompileNotice(after=0.01, stream=stream)
    slow_foreign.on_start(_event("somebody_else"))
    time.sleep(0.2)
    slow_foreign.on_end(_event("somebody_else"))
    assert stream.getvalue() == ""


def test_the_backend_listens_to_numba_compiles():
    from numba.core import event

    from backends.numba_kernels import first_use

    backends.get_backend("numba")
    assert first_use.NOTICE in event._registered["numba:compile"]
