"""The project's tests (the suite any backend takes is in `conformance/`, beside them): the suite's
`backend` and `dtype` fixtures, its markers and its report header, for the whole tree, so a
project test that runs per backend (the CLI's training, the registry, determinism) takes the same
fixture, narrowed by the same `$NN_TEST_BACKENDS`. The plugin lives in the suite's folder
(`conformance/backend_fixture.py`), which pyproject puts on the path.

How thorough a run is, set once here by `$NN_TEST_PROFILE`:

- `quick` (the default; the README's test command): Hypothesis tries `QUICK_EXAMPLES` examples
  per property, the same ones every run (derandomized, so a failure on a laptop repeats; no example
  database, so parallel workers write nothing they share).
- `thorough` (CI, `.ci/run`): `THOROUGH_EXAMPLES` fresh random examples per property.

A test's own `@settings(max_examples=...)` still wins over either. The long forms of slow tests
are marked `slow`; the README's command leaves them out (`-m "not slow"`) and `.ci/run` runs them
with the thorough profile, so CI loses nothing.
"""

import contextlib
import json
import os
import time

import pytest
from hypothesis import settings

pytest_plugins = ["backend_fixture"]

PROFILE_VARIABLE = "NN_TEST_PROFILE"
QUICK_EXAMPLES = 30
THOROUGH_EXAMPLES = 300

settings.register_profile("quick", max_examples=QUICK_EXAMPLES, derandomize=True, database=None)
settings.register_profile("thorough", max_examples=THOROUGH_EXAMPLES, print_blob=True)


def _profile() -> str:
    chosen = os.environ.get(PROFILE_VARIABLE, "quick")
    if chosen not in ("quick", "thorough"):
        raise ValueError(f"tests: ${PROFILE_VARIABLE} must be quick or thorough; got {chosen!r}")
    return chosen


settings.load_profile(_profile())


def pytest_report_header(config):
    return f"hypothesis profile: {_profile()} (${PROFILE_VARIABLE}: quick or thorough)"

# No test tunes the numba GEMM or reads a user's wisdom file: the rule's settings, in every process
# the tests start too (backends/numba_kernels/planner.py; its own tests set the mode they test).
os.environ["NN_BACKENDS_GEMM_TUNING"] = "off"


@contextlib.contextmanager
def _exclusive(lock, timeout=900.0):
    """Hold `lock` (a file created exclusively: portable, and enough between a run's workers)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            break
        except FileExistsError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"tests: {lock} held for over {timeout:g} s") from None
            time.sleep(0.2)
    try:
        yield
    finally:
        os.remove(lock)


@pytest.fixture(scope="session")
def once_per_run(tmp_path_factory):
    """`compute(name, function)`: function(folder)'s result (JSON data), computed once in the whole
    test run and read from a file by every other pytest-xdist worker that asks (a module-scoped
    fixture is made again by every worker its tests land on, and again each time a worker comes
    back to the module). folder: an empty folder of the run's, for files the result names."""
    basetemp = tmp_path_factory.getbasetemp()
    shared = basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp  # this run's, not older ones'

    def compute(name, function):
        result, folder = shared / f"{name}.json", shared / name
        with _exclusive(shared / f"{name}.lock"):
            if not result.is_file():
                folder.mkdir()
                result.write_text(json.dumps(function(folder)))
        return json.loads(result.read_text())
    return compute
