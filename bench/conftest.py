"""The pytest-benchmark suite: every case of `backends.benchmarking.cases`, every contender.

    .venv/bin/python -m pytest bench                       # time everything (a few minutes)
    .venv/bin/python -m pytest bench --benchmark-disable   # smoke test: each benchmark runs once
    .venv/bin/python -m pytest bench -k "training_step and float32"

    .venv/bin/python -m pytest bench --backends numpy,NAME # a plug-in side by side with numpy

Two commits compared: on the first, `--benchmark-save=before --benchmark-save-data`; on the second,
`--benchmark-compare=0001 --benchmark-compare-fail=median:10%` (pytest-benchmark's own threshold) and
`--benchmark-save=after --benchmark-save-data`; then `nn-backends compare` on the two saved files
gives each row's change with its 95% interval and says faster, slower or within noise.

One group per operation, size and dtype, so each table shows every contender side by side: the
three backends (or those --backends names), "blas" (the raw NumPy call) and "torch" (when installed).
Inputs are built outside the timed call and Numba kernels are compiled before timing; compile time is its own group.
"""


import pytest

from backends.benchmarking import cases as bench_cases
from backends.benchmarking.rounds import settle
from backends.benchmarking.timing import thread_settings

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
    if not case.applies_to(contender):
        pytest.skip(f"{contender} has nothing to show on {case.operation}")
    try:
        call = case.callable_for(contender, python_limit=PYTHON_LIMIT)
    except bench_cases.Unsupported as reason:
        pytest.skip(str(reason))
    settle()  # the previous contender's spinning threads go idle first
    call()  # compile and warm outside the measurement
    benchmark.group = case.group
    benchmark.extra_info.update({"operation": case.operation, "sizes": list(case.sizes), "dtype": case.dtype,
                                 "contender": contender, "flops": case.flops, "steps_per_call": case.steps})
    return call


def pytest_benchmark_update_machine_info(config, machine_info):
    """What decides the speed here (CPU, ISA Numba compiles for, BLAS, threads) goes into every saved
    run, so comparing two runs can say when they come from different machines."""
    from backends.benchmarking.compare import COMPARABLE

    settings = thread_settings()
    machine_info["nn_backends"] = {key: settings.get(key) for key in COMPARABLE}


def pytest_benchmark_compare_machine_info(config, benchmarksession, machine_info, compared_benchmark):
    """A warning per setting the saved run does not share (pytest-benchmark's own warning only says
    that something in machine_info differs, the host name included)."""
    from backends.benchmarking.compare import differences

    for line in differences(compared_benchmark["machine_info"].get("nn_backends", {}),
                            machine_info.get("nn_backends", {})):
        benchmarksession.logger.warning(line)


def pytest_report_header(config):
    settings = thread_settings()
    return ["contenders: " + ", ".join(bench_cases.contenders(_backends(config))),
            "threads: " + ", ".join(f"{k}={v}" for k, v in settings.items() if v is not None)]
