"""The conformance report says what broke and where: every failure with its assertion and a
reproduction, counted for the operation that broke the contract (whatever the array type), the
skipped tests with their reasons, the known failures a backend declares, and the versions of a
plug-in's distribution and array library in the header."""

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
