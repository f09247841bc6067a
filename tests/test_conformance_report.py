"""The conformance report says what broke and where: every failure with its assertion and a
reproduction, counted for the operation that broke the contract (whatever the array type), the
skipped tests with their reasons, the known failures a backend declares, and the versions of a
plug-in's distribution and array library in the header."""

import json
import os
import subprocess
import sys
import types

import numpy as np
import pytest

from backends import Backend, NdArrays, conformance
from backends import numpy_backend


def numpy_with(name, **kernels):
    module = types.ModuleType(name)
    module.__dict__.update({k: v for k, v in vars(numpy_backend).items() if not k.startswith("__")} | kernels)
    return Backend.from_kernels(name, module, NdArrays(name), ("float64",))


def _relu_in_place(z):
    np.maximum(z, 0, out=z)
    return z


def test_a_kernel_that_changes_its_input_fails_on_its_own_row_with_the_change_and_a_reproduction():
    report = conformance.run(numpy_with("clamps", relu=_relu_in_place), select="relu or combined or forward",
                             modules=("test_operations.py",))
    assert report["failed"] == ["relu"]
    shown = conformance.format_report(report)
    assert "ContractError: contract of relu: the kernel changed its input z; an operation changes none of its " \
           "arguments (" in shown
    assert "    reproduce:\n        import numpy as np, backends\n        b = backends.get_backend('clamps')\n" \
           "        z = b.asarray([[" in shown and "        result = b.relu(z)" in shown
    for failure in report["failures"]:
        assert failure["blamed"] == ["relu"] and "reproduce" in failure["assertion"]


def test_a_kernel_that_returns_another_dtype_fails_on_its_own_row():
    backend = Backend.from_kernels("promotes", numpy_with("promotes", tanh=lambda z: np.tanh(z.astype(np.float64))).kernels,
                                   NdArrays("promotes"), ("float64", "float32"))
    report = conformance.run(backend, select="tanh and float32", modules=("test_operations.py",))
    assert report["failed"] == ["tanh"]
    assert "result has dtype float64; results have the dtype of the inputs (float32)" in report["failures"][0]["assertion"]


def test_declared_known_failures_are_reported_as_such_and_do_not_fail_the_run(tmp_path, capsys):
    wrong = numpy_with("known", relu=lambda z: np.maximum(z, 0) * 1.001)
    declared = {"test_elementwise_activation": "relu scales by 1.001 on purpose",
                "test_softmax[known-float64-1x1]": "passes: the declaration can go"}
    report = conformance.run(wrong, select="test_elementwise_activation and relu or test_softmax",
                             modules=("test_operations.py",), known_failures=declared)
    assert report["ok"] and report["operations"]["relu"]["known failures"] == 6
    assert report["operations"]["relu"]["status"] == "passed" and report["operations"]["relu"]["failed"] == 0
    shown = conformance.format_report(report)
    assert "known failures, declared by the backend (6):\n    test_elementwise_activation[known-float64-3x4-relu]: " \
           "relu scales by 1.001 on purpose" in shown
    passed = shown.split("declared known failures that passed (the declaration can go):\n")[1].split("\n\n")[0]
    assert "    test_softmax[known-float64-1x1]: passes: the declaration can go" in passed.splitlines()
    # the same from the kernel module's KNOWN_FAILURES, and from a file given to the command
    wrong.kernels.KNOWN_FAILURES = {"test_elementwise_activation[*relu]": "declared by the module"}
    assert conformance.run(wrong, select="test_elementwise_activation and relu", modules=("test_operations.py",))["ok"]
    path = tmp_path / "xfails.txt"
    path.write_text("# known failures of numpy\ntest_matmul[numpy-float64-1-3x4]  # a reason\n\n")
    assert conformance.read_known_failures(path) == {"test_matmul[numpy-float64-1-3x4]": "a reason"}
    from backends.cli import main
    assert main(["conformance", "numpy", "-k", "test_matmul and 3x4", "--known-failures", str(path)]) == 0
    assert "declared known failures that passed" in capsys.readouterr().out


def test_skipped_tests_are_listed_with_their_reasons():
    report = conformance.run("python", select="test_read_only_parameters_are_refused or test_asarray_keeps_float32",
                             modules=("test_bad_input.py", "test_conversion.py"))
    reason = ("The test reads numpy.ndarray flags and views, and the native arrays of the backend 'python' are not "
              "numpy.ndarray.")  # a sentence, naming the backend
    assert {"id": "test_read_only_parameters_are_refused[python]", "reason": reason} in report["skipped"]
    assert f"skipped (1):\n    1 × {reason} (e.g. test_read_only_parameters_are_refused[python])" \
           in conformance.format_report(report)


def test_the_header_names_a_plugins_array_library_and_its_version():
    xp = pytest.importorskip("array_api_strict")
    from backends import TypedArrays
    from test_mutations_arrays import ArrayApiKernels
    backend = Backend.from_kernels("strict_header", ArrayApiKernels(xp), TypedArrays("strict_header", type(xp.asarray(0.0))),
                                   ("float64",))
    report = conformance.run(backend, select="test_matmul and 3x4", modules=("test_operations.py",))
    assert report["header"]["versions"]["array_api_strict"] == xp.__version__
    assert f"array_api_strict {xp.__version__}" in conformance.format_report(report).splitlines()[1]


def test_a_failure_shows_hypothesis_notes_and_every_inner_error_of_a_group():
    inner = AssertionError("relu: Not equal to tolerance")
    inner.add_note("Falsifying example: test_relu(z=[[0.5]])")
    group = ExceptionGroup("Hypothesis found 2 distinct failures.", [inner, ValueError("dtype float64")])
    shown = conformance.failure_text(types.SimpleNamespace(value=group)).splitlines()
    assert shown == ["ExceptionGroup: Hypothesis found 2 distinct failures.",
                     "  Falsifying example: test_relu(z=[[0.5]])", "  AssertionError: relu: Not equal to tolerance",
                     "  ValueError: dtype float64"]


CLAMPING_PLUGIN = """
import json
import os
import subprocess
import sys
import types

import numpy as np
from backends import Backend, NdArrays, numpy_backend


def relu(z):
    np.maximum(z, 0, out=z)  # the fault: the input changed in place
    return z


def backend():
    kernels = types.ModuleType("clamping_kernels")
    kernels.__dict__.update({k: v for k, v in vars(numpy_backend).items() if not k.startswith("__")}, relu=relu)
    return Backend.from_kernels("clamping", kernels, NdArrays("clamping"), ("float64",))
"""


def install_plugin(folder, source: str) -> dict:
    """An entry-point plug-in "clamping" in `folder`, and the environment a fresh process finds it in."""
    (folder / "clamping_plugin.py").write_text(source)
    info = folder / "clamping_plugin-0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: clamping-plugin\nVersion: 0\n")
    (info / "entry_points.txt").write_text("[nn_backends.backends]\nclamping = clamping_plugin:backend\n")
    outer = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_XDIST")}
    return outer | {"PYTHONPATH": str(folder)}  # not a worker of this test run: the command's own may be


def conformance_command(environment, *arguments):
    command = [sys.executable, "-c", "import sys; from backends.cli import main; sys.exit(main())"]
    return subprocess.run([*command, "conformance", "clamping", "-k", "relu or softmax", *arguments], env=environment,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow  # two runs of the command, one with its workers: CI's slow pass
def test_a_parallel_run_reports_what_a_serial_run_does(tmp_path):
    """The workers of a parallel run (pytest-xdist) trace their own tests and send each record back
    on its report: the same outcomes, blame, assertions with their reproductions, and counts. (A
    plug-in installed by entry point: the command runs in a fresh process that finds it.)"""
    environment = install_plugin(tmp_path, CLAMPING_PLUGIN)
    reports = []
    for workers in (1, 2):
        path = tmp_path / f"report-{workers}.json"
        done = conformance_command(environment, "--workers", str(workers), "--json", str(path))
        assert done.returncode == 1, done.stdout + done.stderr
        reports.append(json.loads(path.read_text()))

    def outcomes(report):
        return sorted((failure["id"], tuple(failure["blamed"]), failure["assertion"]) for failure in report["failures"])

    serial, parallel = reports
    assert serial["failed"] == parallel["failed"] == ["relu"]
    assert outcomes(parallel) == outcomes(serial) and "reproduce" in outcomes(parallel)[0][2]
    assert parallel["selection"] == serial["selection"]
    assert [(op, entry["passed"], entry["failed"]) for op, entry in parallel["operations"].items()] == \
        [(op, entry["passed"], entry["failed"]) for op, entry in serial["operations"].items()]


def test_a_parallel_run_whose_workers_cannot_start_says_so(tmp_path):
    """Workers that cannot load the backend stop the run with one clear error, never an empty report
    that reads as a pass."""
    only_here = "import os\nif os.environ.get('PYTEST_XDIST_WORKER'):\n    raise ImportError('not in a worker')\n"
    done = conformance_command(install_plugin(tmp_path, only_here + CLAMPING_PLUGIN), "--workers", "2")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stdout + done.stderr
    assert "conformance: a worker process stopped (" in done.stderr and "--workers 1" in done.stderr, done.stderr
