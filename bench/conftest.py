"""The pytest-benchmark suite: every case of `backends.benchmarking.cases`, every contender.

    .venv/bin/python -m pytest bench                       # time everything (a few minutes)
    .venv/bin/python -m pytest bench --benchmark-disable   # smoke test: each benchmark runs once
    .venv/bin/python -m pytest bench -k "training_step and float32"

    .venv/bin/python -m pytest bench --backends numpy,NAME # a plug-in side by side with numpy

One group per operation, size and dtype, so each table shows every contender side by side: the
three backends (or those --backends names), "blas" (the raw NumPy call) and "torch" (when installed).
Inputs are built outside the timed call and Numba kernels are compiled before timing; compile time is its own group.
"""

import time

import pytest

from backends.benchmarking import cases as bench_cases
from backends.benchmarking.timing import SETTLE_SECONDS, thread_settings

#: pure Python runs only where one call takes under about this many seconds
PYTHON_LIMIT = 1.0


def pytest_addoption(parser):
    parser.addoption("--backends", help="comma-separated backends to time, plug-ins too "
                                        "(default: the built-ins installed)")


def _backends(config):
    option = config.getoption("--backends", default=None)
    return [name.strip() for name in option.split(",") if name.strip()] if option else None


def pytest_generate_tests(metafunc):
    if "case" in metafunc.fixturenames:
        every = bench_cases.all_cases()
        metafunc.parametrize("case", every, ids=[f"{c.operation}-{c.label}-{c.dtype}" for c in every])
    if "contender" in metafunc.fixturenames:
        metafunc.parametrize("contender", bench_cases.contenders(_backends(metafunc.config)))


@pytest.fixture
def timed(case, contender, benchmark):
    """The callable to time, warmed up (Numba compiled), with the benchmark labelled."""
    try:
        call = case.callable_for(contender, python_limit=PYTHON_LIMIT)
    except bench_cases.Unsupported as reason:
        pytest.skip(str(reason))
    time.sleep(SETTLE_SECONDS)  # let the previous contender's spinning threads go idle
    call()  # compile and warm outside the measurement
    benchmark.group = case.group
    benchmark.extra_info.update({"operation": case.operation, "sizes": list(case.sizes), "dtype": case.dtype,
                                 "contender": contender, "flops": case.flops, "steps_per_call": case.steps})
    return call


def pytest_report_header(config):
    settings = thread_settings()
    return ["contenders: " + ", ".join(bench_cases.contenders(_backends(config))),
            "threads: " + ", ".join(f"{k}={v}" for k, v in settings.items() if v is not None)]
