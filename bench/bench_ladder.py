"""The optimization ladder in the pytest-benchmark suite: one group per size and dtype, every rung.

    .venv/bin/python -m pytest bench/bench_ladder.py
    .venv/bin/python -m pytest bench/bench_ladder.py -k "512 and float64"

Rungs that are not parallel run on one thread, the parallel ones and BLAS on every CPU (as in
`nn-backends ladder`); pure Python is skipped, with its estimated time, where one call would take
over a second. Inputs are built and every rung is warmed (compiled) outside the timed call.
"""

import os

import numpy as np
import pytest

from backends import ladder
from backends.benchmarking.rounds import settle
from backends.benchmarking.timing import set_threads

SIZES = (64, 256, 512)
#: pure Python at this many ns per multiply-add (about 2x its measured cost, so the skip errs early)
PYTHON_NS_PER_MULTIPLY_ADD = 50
PYTHON_LIMIT = 1.0
RUNGS = ladder.rungs()
CASES = [(rung, n, dtype) for dtype in ladder.BOTH_DTYPES for n in SIZES for rung in RUNGS if dtype in rung.dtypes]


@pytest.fixture(autouse=True)
def every_thread_afterwards():
    yield
    set_threads(os.cpu_count())  # the benchmarks after these run on the threads they found


@pytest.mark.parametrize("rung, n, dtype", CASES,
                         ids=[f"{n}-{dtype}-{rung.number}-{rung.name.replace(' ', '_')}" for rung, n, dtype in CASES])
def test_ladder(benchmark, rung, n, dtype):
    estimate = n ** 3 * PYTHON_NS_PER_MULTIPLY_ADD * 1e-9
    if rung.name == "python" and estimate > PYTHON_LIMIT:
        pytest.skip(f"pure Python would take about {estimate:.1f} s per call at {n}³")
    rng = np.random.default_rng(n)
    arguments = rung.arguments(*(rng.uniform(-1.0, 1.0, (n, n)).astype(dtype) for _ in range(2)))
    threads = os.cpu_count() if rung.parallel else 1
    set_threads(threads)
    rung.function(*arguments)  # compile and warm outside the measurement
    settle()
    benchmark.group = f"ladder {n}x{n}x{n} {dtype}"
    benchmark.extra_info.update({"rung": rung.number, "idea": rung.idea, "threads": threads, "flops": 2.0 * n ** 3})
    benchmark(rung.function, *arguments)
