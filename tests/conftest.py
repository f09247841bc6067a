"""The conformance suite's fixtures: one `backend` fixture over every backend, and `dtype`.

`backend` is parametrized over the known backends (ids `python`, `numpy`, `numba`). A backend whose
library is not installed is skipped with "backend not installed"; `$NN_TEST_BACKENDS=numpy,numba`
narrows the run, and a backend named there that cannot be loaded is an error, not a skip.
Tests that take `dtype` run once per dtype the backend computes in (float64, and float32 where the
backend has it), with ids like `numba-float32`.
"""

import os

import numpy as np
import pytest

import backends

SELECT_VARIABLE = "NN_TEST_BACKENDS"


def _selection():
    """[(name, reason it cannot run or None)] for the backends under test."""
    requested = os.environ.get(SELECT_VARIABLE, "").strip()
    if not requested:
        installed = backends.available_backends()
        return [(name, None if name in installed else "backend not installed")
                for name in backends.backend_names()]
    names = [name.strip() for name in requested.split(",") if name.strip()]
    unknown = [name for name in names if name not in backends.backend_names()]
    if unknown:
        raise pytest.UsageError(f"${SELECT_VARIABLE}: unknown backend {', '.join(map(repr, unknown))}; "
                                f"valid names are {', '.join(backends.backend_names())}")
    for name in names:
        try:
            backends.get_backend(name)
        except ImportError as error:
            raise pytest.UsageError(f"${SELECT_VARIABLE} names {name!r}, which cannot be loaded: {error}")
    return [(name, None) for name in names]


SELECTED = []


def pytest_configure(config):
    SELECTED[:] = _selection()


def _dtypes(name):
    return backends.get_backend(name).dtypes


def pytest_generate_tests(metafunc):
    if "backend_name" not in metafunc.fixturenames:
        return
    if "dtype" in metafunc.fixturenames:
        cases = []
        for name, reason in SELECTED:
            dtypes = ("float64",) if reason else _dtypes(name)
            marks = [pytest.mark.skip(reason=reason)] if reason else []
            cases += [pytest.param(name, dtype, id=f"{name}-{dtype}", marks=marks) for dtype in dtypes]
        metafunc.parametrize(("backend_name", "dtype"), cases, scope="session")
    else:
        cases = [pytest.param(name, id=name, marks=[pytest.mark.skip(reason=reason)] if reason else [])
                 for name, reason in SELECTED]
        metafunc.parametrize("backend_name", cases, scope="session")


@pytest.fixture(scope="session")
def backend(backend_name):
    return backends.get_backend(backend_name)


def pytest_report_header(config):
    lines = [f"backends under test: {', '.join(n + (f' ({r})' if r else '') for n, r in SELECTED)}",
             f"numpy {np.__version__}"]
    try:
        import numba
        lines[-1] += f", numba {numba.__version__} (NUMBA_DISABLE_JIT={os.environ.get('NUMBA_DISABLE_JIT', '0')})"
    except ImportError:
        lines[-1] += ", numba not installed"
    lines.append(f"${SELECT_VARIABLE}={os.environ.get(SELECT_VARIABLE, '')!r}")
    return lines
