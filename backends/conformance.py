"""The conformance suite, runnable against any registered backend, with a per-operation report.

    from backends import conformance
    report = conformance.run("mybackend")        # a name, or a Backend object
    print(conformance.format_report(report))

The suite is a folder, and the folder is the list: every `test_*.py` in `tests/conformance/` of
the clone, which an installed package carries as `backends/conformance_suite` (see `setup.py`), so
a user without a clone runs the same tests. `run` calls pytest in this process on that folder with
`$NN_TEST_BACKENDS` set to the backend (what `NN_TEST_BACKENDS=NAME pytest tests/conformance`
runs), and follows every test: which operations of the backend it called (each public
method and kernel is traced), whether it passed, failed or hit an operation the backend does not
implement. Every kernel call is also held to the interface's contract (`backends.contract`: no
input changed, no result aliasing an input, the inputs' dtype and the backend's native type).

A failing test counts for the operation that broke the contract or made the array an assertion
found wrong (the suite's assert helpers ask `contract.origin`); otherwise a test that calls one
operation (besides asarray/tolist) counts for that operation, a test of the conversions alone for
each of them, and tests that combine several operations (layers, Model, training, saving) for
"combined", with the operations they called. A backend may declare known failures with reasons
(`known_failures=`, or its kernel module's `KNOWN_FAILURES`, {test id, name or *-pattern: reason}); they
are reported as such and do not fail the run.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import importlib.util
import io
import os
import platform
import re
import sys
from pathlib import Path

import pytest

from . import contract
from .conformance_report import COMBINED, CONVERSIONS, format_report, report_of  # noqa: F401  (for callers)
from .contract import ContractChecker
from .interface import OPERATIONS, Backend
from .numerics import SMALLEST_DRAWN
from .registry import get_backend, registered
from .validation import TypedArrays


class ConformanceRunError(RuntimeError):
    """The suite could not run as a whole (pytest stopped, a worker process died): no report."""


#: Set for the pytest-xdist workers of a parallel `run`: each traces and records its own tests.
RECORD_IN_WORKER = "NN_BACKENDS_CONFORMANCE_WORKER"
#: Where a test's record travels on its pytest report (`user_properties`), and a worker's counts.
RECORD, COUNTS = "nn_backends_conformance", "nn_backends_conformance_counts"


def suite_directory() -> Path:
    """Where the suite lives: the installed copy, else `tests/conformance/` of the clone."""
    package = Path(__file__).resolve().parent
    for folder in (package / "conformance_suite", package.parent / "tests" / "conformance"):
        if (folder / "conftest.py").is_file():
            return folder
    raise FileNotFoundError(f"conformance: the suite is not installed; got package={package}; "
                            "reinstall nn-backends with pip")


def suite_modules() -> list[str]:
    """The suite's test modules: every `test_*.py` of its folder."""
    return sorted(path.name for path in suite_directory().glob("test_*.py"))


def run(backend: str | Backend, select: str | None = None, modules=None, verbose=False,
        quick=False, known_failures: dict[str, str] | None = None, workers: int = 1) -> dict:
    """Run the suite on `backend` (a registered name or a Backend) and return the report: the
    header (versions, dtypes); per operation, passed/failed/not implemented/known failures and the
    largest error against the oracle; every failure (id, blamed operations, operations called,
    assertion with its reproduction); the skipped tests with their reasons. `select` is a pytest -k
    expression; `quick` leaves out the long training runs (marked slow); `known_failures` adds to
    the kernel module's `KNOWN_FAILURES`. `modules` (file names of the suite's folder) narrows the
    run to those modules; None runs the whole folder. `workers` > 1 runs the tests in that many
    processes (pytest-xdist, for a backend given by a name a fresh process resolves): each traces
    its own tests and sends their records back on the pytest reports."""

    folder = suite_directory()
    unknown = sorted(set(modules or ()) - set(suite_modules()))
    if unknown:
        raise ValueError(f"conformance: no such module in the suite; got modules={unknown}; "
                         f"the suite's modules are {', '.join(suite_modules())}")
    with (registered(backend) if isinstance(backend, Backend) else contextlib.nullcontext()):
        target = get_backend(backend if isinstance(backend, str) else backend.name)
        declared = {**(getattr(target.kernels, "KNOWN_FAILURES", None) or {}), **(known_failures or {})}
        recorder = _Recorder(target, declared)
        # --confcutdir: the suite's own conftest only, in a clone as in an install
        arguments = [str(folder / module) for module in modules or ()] or [str(folder)]
        arguments += ["-p", "no:cacheprovider", "-W", "error", "--rootdir", str(folder), "--confcutdir", str(folder),
                      "-q", "--tb=short", *(["-k", select] if select else []), *(["-m", "not slow"] if quick else [])]
        parallel = workers > 1 and isinstance(backend, str) and importlib.util.find_spec("xdist") is not None
        if parallel:
            arguments += ["-p", "xdist", "-n", str(workers)]
        shown = contextlib.nullcontext() if verbose else contextlib.redirect_stdout(io.StringIO())
        with _suite_environment(folder, target.name, parallel), recorder.tracing(), shown:
            exit_code = pytest.main(arguments, plugins=[recorder])
    if recorder.worker_errors:  # a worker that could not start or died: its tests are missing from the report
        raise ConformanceRunError(f"conformance: a worker process stopped ({recorder.worker_errors[0]}); got "
                                  f"backend={target.name!r}; run it with --workers 1 to see why in this process")
    if exit_code not in (0, 1, 5):  # 5: nothing selected
        raise ConformanceRunError(f"conformance: pytest stopped with exit code {int(exit_code)}; got "
                                  f"backend={target.name!r}; run it with --verbose to see why")
    report = report_of(recorder.tests, _header(target, folder), target.missing)
    # a run narrowed by -k or to some modules is a subset: it can pass, but it does not conform
    report["selection"] = {"tests": recorder.selected, "of": recorder.selected + recorder.deselected,
                           "subset": bool(select or modules), "quick": bool(quick),
                           **({"select": select} if select else {}), **({"modules": list(modules)} if modules else {})}
    return report


def record_in_worker(config) -> None:
    """In a pytest-xdist worker of a parallel `run` (the suite's conftest calls this): trace this
    worker's tests with a recorder of its own, which puts each test's record on its report."""
    recorder = _Recorder(get_backend(os.environ["NN_TEST_BACKENDS"]), {})
    stack = contextlib.ExitStack()
    stack.enter_context(recorder.tracing())
    config.add_cleanup(stack.close)
    config.pluginmanager.register(recorder, "nn_backends_conformance_recorder")


# ------------------------------------------------------------------------------- following the tests
class _Recorder:
    """A pytest plugin: traces the operations each test calls, checks the contract on the kernels'
    calls (`backends.contract`) and collects each test's outcome, assertion and blame."""

    def __init__(self, backend: Backend, known_failures: dict[str, str]):
        self.backend = backend
        self.known_failures = known_failures
        self.current: set[str] = set()
        self.tests: list[dict] = []
        self.checker = ContractChecker(backend, backend.kernels)
        self.selected = self.deselected = 0
        self.worker_errors: list[str] = []  # of a parallel run's workers that stopped

    def pytest_deselected(self, items):
        self.deselected += len(items)

    def pytest_collection_finish(self, session):
        self.selected = len(session.items)

    @contextlib.contextmanager
    def tracing(self):
        backend, kernels = self.backend, self.backend.kernels
        for op in OPERATIONS:
            setattr(backend, op, self._traced(op, getattr(backend, op)))
        backend.kernels = _TracedKernels(kernels, self.current, self.checker)
        contract._active.append(self.checker)
        try:
            yield
        finally:
            contract._active.remove(self.checker)
            backend.kernels = kernels
            for op in OPERATIONS:
                delattr(backend, op)

    def _traced(self, op, method):
        def traced(*args, **kwargs):
            self.current.add(op)
            return method(*args, **kwargs)
        return traced

    def pytest_runtest_setup(self, item):
        self.current.clear()
        self.checker.reset()

    @pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: after the suite's own wrapper made its skips
    def pytest_runtest_makereport(self, item, call):
        """The test's record, made where it ran (a worker, in a parallel run) and carried on its report."""
        report = yield
        if report.when == "call" or report.outcome != "passed":
            report.user_properties.append((RECORD, self._record(report, call.excinfo if report.failed else None)))
        return report

    def pytest_runtest_logreport(self, report):
        record = dict(report.user_properties).get(RECORD)
        if record is None:
            return
        known = _known(self.known_failures, record["id"])
        if known is not None:
            record = record | {"known": known} | ({"outcome": "known failure"} if record["outcome"] == "failed" else {})
        self.tests.append(record)

    def pytest_sessionfinish(self, session):
        if hasattr(session.config, "workeroutput"):  # a worker: the controller collects no tests itself
            session.config.workeroutput[COUNTS] = [self.selected, self.deselected]

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error):
        if error is not None:
            self.worker_errors.append(str(error).strip().splitlines()[-1])
        self.selected, self.deselected = getattr(node, "workeroutput", {}).get(COUNTS, [self.selected, self.deselected])

    def _record(self, report, excinfo) -> dict:
        test_id = report.nodeid.split("::", 1)[-1]
        outcome = _outcome(report)
        assertion = failure_text(excinfo) if excinfo is not None else _first_lines(report.longreprtext)
        broken = list(dict.fromkeys(self.checker.broken))
        if outcome == "passed" and broken:  # the test caught the ContractError itself
            outcome, assertion = "failed", (f"the contract of {', '.join(broken)} was broken inside the test "
                                            "(which caught the error)")
        reason = (str(report.longrepr[-1]).removeprefix("Skipped: ")
                  if report.skipped and isinstance(report.longrepr, tuple) else None)
        blamed = list(dict.fromkeys(broken + self.checker.blamed))
        if outcome == "failed" and "reproduce:" not in assertion:
            assertion += self._reproduction(blamed or [op for op in self.current if op not in CONVERSIONS])
        return {"id": test_id, "outcome": outcome, "operations": sorted(self.current), "blamed": blamed,
                "errors": {op: list(e) for op, e in self.checker.errors.items()}, "assertion": assertion,
                "details": report.longreprtext, **({"reason": reason} if reason is not None else {})}

    def _reproduction(self, operations) -> str:
        """The latest call of the one operation a failing test is about, as a reproduction."""
        call = self.checker.last_call(operations[0]) if len(operations) == 1 else None
        if call is None:
            return ""
        try:
            actual = contract.readable(call.result)
        except Exception:  # an unreadable result: the assertion says why
            actual = None
        return ("\nreproduce (the test's last call of " + call.op + "):\n"
                + "\n".join("    " + line for line in call.reproduction(self.backend.name, actual=actual).splitlines()))


def _outcome(report) -> str:
    if report.skipped and "not implemented: " in str(report.longrepr):
        return "not implemented"
    return "failed" if report.failed else report.outcome


def _known(declared: dict[str, str], test_id: str) -> str | None:
    """The reason a test is declared a known failure: its id, a pattern of ids (`*` for any text;
    brackets are the id's own, not character classes), or its name without the parameters."""
    for pattern, reason in declared.items():
        if test_id.split("[", 1)[0] == pattern or _glob(pattern).fullmatch(test_id):
            return reason
    return None


@functools.cache
def _glob(pattern: str):
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))


def read_known_failures(path) -> dict[str, str]:
    """A known-failures file, as array-api-tests' xfails file: one test id (or *-pattern, or test
    name) a line, its reason after a '#'; blank lines and lines starting with '#' are skipped."""
    declared = {}
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        pattern, _, reason = line.partition("#")
        if pattern.strip():
            declared[pattern.strip()] = reason.strip() or f"declared known failure ({Path(path).name}:{number})"
    return declared


class _TracedKernels:
    def __init__(self, kernels, seen: set, checker: ContractChecker):
        self._kernels, self._seen, self._checker = kernels, seen, checker

    def __getattr__(self, name):
        attribute = getattr(self._kernels, name)
        if name not in OPERATIONS:
            return attribute
        seen, checked = self._seen, self._checker.wrap(name, attribute)

        def traced(*args, **kwargs):
            seen.add(name)
            return checked(*args, **kwargs)
        return traced


def failure_text(excinfo, count=40) -> str:
    """A failure as its exception's own lines, with hypothesis's notes (the falsifying example) and
    every inner error of an exception group."""
    lines = []

    def add(error, depth=0):
        pad = "  " * depth
        lines.extend(pad + note for note in getattr(error, "__notes__", ()))
        if isinstance(error, BaseExceptionGroup):
            lines.append(f"{pad}{type(error).__name__}: {error.message}")
            for inner in error.exceptions:
                add(inner, depth + 1)
        else:
            lines.extend(pad + line for line in f"{type(error).__name__}: {error}".splitlines())
    add(excinfo.value)
    return "\n".join(line.rstrip() for line in lines[:count]) + ("\n..." if len(lines) > count else "")


def _first_lines(details: str, count=6) -> str:
    """The assertion's own lines (pytest marks them with E) and any falsifying example."""
    lines = [line[1:].strip() for line in details.splitlines() if line.startswith("E ")]
    examples = [line.strip() for line in details.splitlines() if "Falsifying example" in line]
    return "\n".join((examples + lines)[:count])


@contextlib.contextmanager
def _suite_environment(folder: Path, name: str, parallel: bool = False):
    """$NN_TEST_BACKENDS set to the backend (and, for a parallel run, `RECORD_IN_WORKER`), and the
    suite's modules imported afresh (a run inside another pytest session must not share
    `conftest`, `support` and the test modules with it)."""
    if parallel:
        os.environ[RECORD_IN_WORKER] = "1"
    saved_environment = os.environ.get("NN_TEST_BACKENDS")
    saved_modules = {key: module for key, module in sys.modules.items()
                     if Path(getattr(module, "__file__", None) or "/").resolve().parent == folder}
    for key in saved_modules:
        del sys.modules[key]
    os.environ["NN_TEST_BACKENDS"] = name
    try:
        yield
    finally:
        os.environ.pop(RECORD_IN_WORKER, None)
        if saved_environment is None:
            os.environ.pop("NN_TEST_BACKENDS", None)
        else:
            os.environ["NN_TEST_BACKENDS"] = saved_environment
        for key in [key for key, module in sys.modules.items()
                    if Path(getattr(module, "__file__", None) or "/").resolve().parent == folder]:
            del sys.modules[key]
        sys.modules.update(saved_modules)


def _header(backend: Backend, folder: Path) -> dict:
    def version(distribution):
        try:
            return importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"
    return {"backend": backend.name, "dtypes": list(backend.dtypes), "arrays": backend.arrays.description,
            "not_implemented": list(backend.missing), "suite": str(folder),
            "numerics": f"random inputs are 0 or at least {SMALLEST_DRAWN:g} in magnitude: no subnormal input, so a "
                        "backend that flushes subnormals to zero is judged on the same results",
            "versions": {"nn-backends": version("nn-backends"), "python": platform.python_version(),
                         **{name: version(name) for name in ("numpy", "pytest", "hypothesis")},
                         **_plugin_distribution(backend), **_array_library(backend)}}


def _plugin_distribution(backend: Backend) -> dict:
    """{distribution: version} of a plug-in: its entry point's, else the one that installed the
    package its kernels come from (a Backend object handed to `run`)."""
    from .registry import plugins
    dist = getattr(plugins().get(backend.name), "dist", None)
    if dist is not None:
        return {dist.name: dist.version}
    kernels = getattr(backend.kernels, "_module", backend.kernels)  # a partial backend's own module
    module = getattr(kernels, "__name__", None) if isinstance(kernels, type(sys)) else type(kernels).__module__
    top = (module or "").split(".")[0]
    if top in ("backends", "builtins", ""):
        return {}
    names = importlib.metadata.packages_distributions().get(top, [])
    return {name: _distribution_version(name) for name in names}


def _array_library(backend: Backend) -> dict:
    """{library: version} of a plug-in's array type (torch, array_api_strict, ...)."""
    if not isinstance(backend.arrays, TypedArrays):
        return {}
    types = backend.arrays.array_type if isinstance(backend.arrays.array_type, tuple) else (backend.arrays.array_type,)
    found = {}
    for array_type in types:
        top = array_type.__module__.split(".")[0]
        module = sys.modules.get(top)
        found[top] = str(getattr(module, "__version__", None) or _distribution_version(top))
    return found


def _distribution_version(name):
    try:
        return importlib.metadata.version(name.replace("_", "-"))
    except importlib.metadata.PackageNotFoundError:
        return "version unknown"
