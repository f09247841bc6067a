"""The conformance suite, runnable against any registered backend, with a per-operation report.

    from backends import conformance
    report = conformance.run("mybackend")        # a name, or a Backend object
    print(conformance.format_report(report))

The suite is the project's own `tests/` folder; an installed package carries a copy of it as
`backends/conformance_suite` (see `setup.py`), so a user without a clone runs the same tests. `run`
calls pytest in this process on the suite's per-backend modules with `$NN_TEST_BACKENDS` set to
the backend, and follows every test: which operations of the backend it called (each public
method and kernel is traced), whether it passed, failed or hit an operation the backend does not
implement. A test that calls one operation (besides asarray/tolist) counts for that operation; a
test of the conversions alone counts for each of them; tests that combine several operations
(layers, Model, training, saving) count as "combined".
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import io
import os
import platform
import re
import sys
from pathlib import Path

from .interface import OPERATIONS, Backend
from .registry import get_backend, registered

#: The suite's modules that test a backend (the others test the project: CLI, registry, README, data).
SUITE_MODULES = ("test_operations.py", "test_gradients.py", "test_properties.py", "test_stability.py",
                 "test_bad_input.py", "test_optimizers.py", "test_layers.py", "test_model.py",
                 "test_training.py", "test_saving.py", "test_divergence.py")
CONVERSIONS = ("asarray", "tolist")
COMBINED = "combined"


def suite_directory() -> Path:
    """Where the suite lives: the installed copy, else the `tests/` folder of the clone."""
    package = Path(__file__).resolve().parent
    for folder in (package / "conformance_suite", package.parent / "tests"):
        if (folder / "conftest.py").is_file():
            return folder
    raise FileNotFoundError(f"conformance: the suite is not installed; got package={package}; "
                            "reinstall nn-backends with pip")


def run(backend: str | Backend, select: str | None = None, modules=SUITE_MODULES, verbose=False,
        quick=False) -> dict:
    """Run the suite on `backend` (a registered name or a Backend) and return the report: the
    header (versions, dtypes) and, per operation, passed/failed/not implemented, the first failing
    case and the largest error against the oracle. `select` is a pytest -k expression; `quick`
    leaves out the long training runs (marked slow)."""
    import pytest

    folder = suite_directory()
    with (registered(backend) if isinstance(backend, Backend) else contextlib.nullcontext()):
        target = get_backend(backend if isinstance(backend, str) else backend.name)
        recorder = _Recorder(target)
        arguments = [str(folder / module) for module in modules] + [
            "-p", "no:cacheprovider", "-W", "error", "--rootdir", str(folder), "-q", "--tb=short",
            *(["-k", select] if select else []), *(["-m", "not slow"] if quick else [])]
        shown = contextlib.nullcontext() if verbose else contextlib.redirect_stdout(io.StringIO())
        with _suite_environment(folder, target.name), recorder.tracing(), shown:
            exit_code = pytest.main(arguments, plugins=[recorder])
    if exit_code not in (0, 1, 5):  # 5: nothing selected
        raise RuntimeError(f"conformance: pytest stopped with exit code {int(exit_code)}; got backend={target.name!r}; "
                           "run it with --verbose to see why")
    return recorder.report(_header(target, folder))


# ------------------------------------------------------------------------------- following the tests
class _Recorder:
    """A pytest plugin: traces the operations each test calls and collects its outcome."""

    def __init__(self, backend: Backend):
        self.backend = backend
        self.current: set[str] = set()
        self.tests: list[dict] = []

    @contextlib.contextmanager
    def tracing(self):
        backend, kernels = self.backend, self.backend.kernels
        for op in OPERATIONS:
            setattr(backend, op, self._traced(op, getattr(backend, op)))
        backend.kernels = _TracedKernels(kernels, self.current)
        try:
            yield
        finally:
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

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or report.outcome != "passed":
            self.tests.append({"id": report.nodeid.split("::", 1)[-1], "outcome": _outcome(report),
                               "operations": sorted(self.current), "details": report.longreprtext})

    @staticmethod
    def _count(entry: dict, test: dict) -> None:
        entry[test["outcome"]] += 1
        if test["outcome"] == "failed":
            entry["failures"].append(test["id"])
            for key, value in _largest_errors(test["details"]).items():
                entry[key] = value if entry[key] is None else max(entry[key], value)
            entry.setdefault("first_failure", _first_lines(test["details"]))

    def report(self, header: dict) -> dict:
        operations = {op: {"passed": 0, "failed": 0, "not implemented": 0, "failures": [], "max_abs_error": None,
                           "max_rel_error": None} for op in OPERATIONS + (COMBINED,)}
        for test in self.tests:
            if test["outcome"] == "skipped":
                continue
            used = [op for op in test["operations"] if op not in CONVERSIONS]
            # a test of conversions only (a round trip) counts for each conversion it calls
            blamed = (used if len(used) == 1 else [COMBINED]) if used else test["operations"] or [COMBINED]
            for op in blamed:
                self._count(operations[op], test)
        for op, entry in operations.items():
            entry["status"] = ("failed" if entry["failed"] else "passed" if entry["passed"] else "not implemented"
                               if entry["not implemented"] or op in self.backend.missing else "not run")
        failed = [op for op, entry in operations.items() if entry["status"] == "failed"]
        return {"header": header, "operations": operations, "failed": failed, "ok": not failed}


def _outcome(report) -> str:
    if report.skipped and "not implemented: " in str(report.longrepr):
        return "not implemented"
    return "failed" if report.failed else report.outcome


class _TracedKernels:
    def __init__(self, kernels, seen: set):
        self._kernels, self._seen = kernels, seen

    def __getattr__(self, name):
        attribute = getattr(self._kernels, name)
        if name not in OPERATIONS:
            return attribute
        seen = self._seen

        def traced(*args, **kwargs):
            seen.add(name)
            return attribute(*args, **kwargs)
        return traced


def _largest_errors(details: str) -> dict:
    """The largest absolute and relative errors that np.testing.assert_allclose printed."""
    found = {}
    for key, label in (("max_abs_error", "Max absolute difference"), ("max_rel_error", "Max relative difference")):
        values = [float(v) for v in re.findall(label + r"[^:]*:\s*([-+0-9.einfa]+)", details) if _is_float(v)]
        if values:
            found[key] = max(values)
    return found


def _is_float(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def _first_lines(details: str, count=6) -> str:
    """The assertion's own lines (pytest marks them with E) and any falsifying example."""
    lines = [line[1:].strip() for line in details.splitlines() if line.startswith("E ")]
    examples = [line.strip() for line in details.splitlines() if "Falsifying example" in line]
    return "\n".join((examples + lines)[:count])


@contextlib.contextmanager
def _suite_environment(folder: Path, name: str):
    """$NN_TEST_BACKENDS set to the backend, and the suite's modules imported afresh (a run inside
    another pytest session must not share `conftest`, `support` and the test modules with it)."""
    saved_environment = os.environ.get("NN_TEST_BACKENDS")
    saved_modules = {key: module for key, module in sys.modules.items()
                     if Path(getattr(module, "__file__", None) or "/").resolve().parent == folder}
    for key in saved_modules:
        del sys.modules[key]
    os.environ["NN_TEST_BACKENDS"] = name
    try:
        yield
    finally:
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
            "versions": {"nn-backends": version("nn-backends"), "python": platform.python_version(),
                         **{name: version(name) for name in ("numpy", "pytest", "hypothesis")},
                         **_plugin_distribution(backend.name)}}


def _plugin_distribution(name: str) -> dict:
    from .registry import plugins
    entry = plugins().get(name)
    dist = getattr(entry, "dist", None)
    return {dist.name: dist.version} if dist is not None else {}


# ------------------------------------------------------------------------------- the printed report
def format_report(report: dict) -> str:
    header = report["header"]
    versions = ", ".join(f"{k} {v}" for k, v in header["versions"].items())
    lines = [f"conformance of backend {header['backend']!r}: dtypes {', '.join(header['dtypes'])}; "
             f"native arrays: {header['arrays']}", f"versions: {versions}", f"suite: {header['suite']}", "",
             f"{'operation':36} {'status':16} {'passed':>6} {'failed':>6}  largest error (abs / rel)"]
    for op, entry in report["operations"].items():
        if entry["status"] == "not run":
            continue
        relative = entry["max_rel_error"] if entry["max_rel_error"] is not None else float("nan")
        errors = "" if entry["max_abs_error"] is None else f"{entry['max_abs_error']:.3g} / {relative:.3g}"
        lines.append(f"{op:36} {entry['status']:16} {entry['passed']:6} {entry['failed']:6}  {errors}")
    for op, entry in report["operations"].items():
        if entry["failed"]:
            lines += ["", f"{op}: {entry['failed']} failing; first: {entry['failures'][0]}",
                      *("    " + line for line in entry.get("first_failure", "").splitlines())]
    counts = {status: sum(e["status"] == status for e in report["operations"].values())
              for status in ("passed", "failed", "not implemented")}
    not_run = [op for op, entry in report["operations"].items() if entry["status"] == "not run"]
    if not_run:
        lines += ["", f"not run (no test selected): {', '.join(not_run)}"]
    lines += ["", f"{counts['passed']} passed, {counts['failed']} failed, {counts['not implemented']} not implemented: "
                  + ("CONFORMS" if report["ok"] else "DOES NOT CONFORM")]
    return "\n".join(lines)
