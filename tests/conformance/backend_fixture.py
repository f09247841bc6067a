"""The conformance suite's fixtures: one `backend` fixture over every backend, and `dtype`, as a
pytest plugin (the suite's conftest.py loads it; so does the project's `tests/conftest.py`, for
its own tests that run per backend).

`backend` is parametrized over the built-in backends (ids `python`, `numpy`, `numba`). A backend whose
library is not installed is skipped with "backend not installed"; `$NN_TEST_BACKENDS=numpy,numba`
narrows the run, and names plug-ins too (`$NN_TEST_BACKENDS=mybackend`); a backend named there that
cannot be loaded is an error, not a skip. Tests that take `dtype` run once per dtype the backend
computes in (float64, and float32 where the backend has it), with ids like `numba-float32`.

Tests say what they need of a backend with markers, never with its name; the backend fixture skips,
with the reason (a sentence naming the backend), where a backend lacks it:

    @pytest.mark.needs_float32        the backend computes in float32 too
    @pytest.mark.needs_ndarrays       its native arrays are numpy.ndarray (flags, views, dtypes)
    @pytest.mark.needs_fast_loops     not pure Python loops on lists (long training runs)
    @pytest.mark.needs_compiled_step  its kernels offer compiled_training_step
"""

import os

import numpy as np
import pytest

import backends
from backends import MissingKernelError
from backends.registry import BUILTINS, refused_plugins
from backends.validation import ListArrays, NdArrays

SELECT_VARIABLE = "NN_TEST_BACKENDS"

#: marker -> (what the backend must satisfy, what the marker asks for, the skip reason: a sentence
#: about the backend {name})
CAPABILITIES = {
    "needs_float32": (lambda b: "float32" in b.dtypes, "computes in float32 too",
                      "The test needs float32, and the backend {name!r} computes in float64 only."),
    "needs_ndarrays": (lambda b: isinstance(b.arrays, NdArrays), "computes on numpy.ndarray",
                       "The test reads numpy.ndarray flags and views, and the native arrays of the backend "
                       "{name!r} are not numpy.ndarray."),
    "needs_fast_loops": (lambda b: not isinstance(b.arrays, ListArrays), "does not run pure Python loops",
                         "The test is a long training run, too slow for the pure Python loops of the backend "
                         "{name!r}."),
    "needs_compiled_step": (lambda b: getattr(b.kernels, "compiled_training_step", None) is not None,
                            "offers compiled_training_step",
                            "The test holds a compiled training step to the layer path, and the backend {name!r} "
                            "has none."),
}


def _selection():
    """[(name, reason it cannot run or None)] for the backends under test."""
    requested = os.environ.get(SELECT_VARIABLE, "").strip()
    if not requested:
        installed = backends.available_backends()
        return [(name, None if name in installed else "backend not installed") for name in BUILTINS]
    names = [name.strip() for name in requested.split(",") if name.strip()]
    unknown = [name for name in names if name not in backends.backend_names()]
    if unknown:
        refused = "".join(f"; refused plug-in {entry}: {why}" for entry, why in refused_plugins().items())
        raise pytest.UsageError(f"${SELECT_VARIABLE}: unknown backend {', '.join(map(repr, unknown))}; "
                                f"valid names are {', '.join(backends.backend_names())}{refused}")
    for name in names:
        try:
            backends.get_backend(name)
        except ImportError as error:
            raise pytest.UsageError(f"${SELECT_VARIABLE} names {name!r}, which cannot be loaded: {error}")
    return [(name, None) for name in names]


SELECTED = []


def pytest_configure(config):
    for marker, (_, needed, _) in CAPABILITIES.items():
        config.addinivalue_line("markers", f"{marker}: runs only on a backend that {needed}")
    config.addinivalue_line("markers", "slow: long training runs (CI runs them too)")
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


def pytest_runtest_setup(item):
    """Skip a test whose capability markers the backend under test lacks, with the reason."""
    name = item.callspec.params.get("backend_name") if hasattr(item, "callspec") else None
    if name is None:
        return
    for marker, (has, _, reason) in CAPABILITIES.items():
        if item.get_closest_marker(marker) and not has(backends.get_backend(name)):
            pytest.skip(reason.format(name=name))


def pytest_report_header(config):
    lines = [f"backends under test: {', '.join(n + (f' ({r})' if r else '') for n, r in SELECTED)}",
             *(f"refused plug-in {entry}: {why}" for entry, why in refused_plugins().items()),
             f"numpy {np.__version__}"]
    try:
        import numba
        lines[-1] += f", numba {numba.__version__} (NUMBA_DISABLE_JIT={os.environ.get('NUMBA_DISABLE_JIT', '0')})"
    except ImportError:
        lines[-1] += ", numba not installed"
    lines.append(f"${SELECT_VARIABLE}={os.environ.get(SELECT_VARIABLE, '')!r}")
    return lines


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """An operation the backend does not implement (MissingKernelError: left out of its kernel module,
    or a stub raising it) is reported as skipped, "not implemented: ...", not as a failure: partial
    backends are allowed. A kernel's own NotImplementedError is a failure like any other error."""
    report = yield
    error = call.excinfo.value if call.excinfo is not None else None
    if isinstance(error, MissingKernelError):
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"not implemented: {error}")
    return report
