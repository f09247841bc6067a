"""Every operation, size and dtype on every contender; one table per group."""

import pytest

from backends.benchmarking.timing import COMPILED_KERNELS, numba_compile_seconds


def test_operation(benchmark, timed):
    benchmark(timed)


@pytest.mark.parametrize("kernel", COMPILED_KERNELS)
def test_numba_compile_time(benchmark, kernel):
    """Compiling one kernel from scratch (no disk cache): what a cold first call pays."""
    pytest.importorskip("numba", reason="backend not installed")
    benchmark.group = "numba compile (no cache)"
    benchmark.pedantic(numba_compile_seconds, args=(kernel,), rounds=3, iterations=1)
