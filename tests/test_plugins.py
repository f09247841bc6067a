"""Backends from outside the package: entry points, Backend.from_kernels, partial backends, and the
one-line errors a broken plug-in gives at get_backend time (never at import backends)."""

import importlib.metadata
import importlib.util
import json
import re
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import backends
from backends import Backend, BackendPluginError, NdArrays, TypedArrays, conformance, registry
from backends import numpy_backend
from backends.interface import OPERATIONS

GROUP = "nn_backends.backends"
TEMPLATE = Path(__file__).resolve().parents[1] / "examples" / "template_kernels.py"


def numpy_copy(name="copy", drop=()):
    kernels = types.ModuleType(name)
    kernels.__dict__.update({k: v for k, v in vars(numpy_backend).items() if k not in drop})
    return kernels


def make_good():
    return Backend.from_kernels("good", numpy_copy(), NdArrays("good"), ("float64", "float32"))


def make_broken():
    raise RuntimeError("no GPU here")


def make_nothing():
    return 42


def make_misnamed():
    return Backend.from_kernels("other", numpy_copy(), NdArrays("other"), ("float64",))


def make_without_metadata():
    return Backend.from_kernels("bare", numpy_copy())


@pytest.fixture
def entry_points(monkeypatch):
    """Install fake entry points: {name: "module:attribute"}."""
    def install(points):
        eps = [importlib.metadata.EntryPoint(name, value, GROUP) for name, value in points.items()]
        monkeypatch.setattr(registry, "_entry_points", lambda: eps)
        for name in points:
            monkeypatch.delitem(registry._loaded, name, raising=False)
    return install


def test_a_plugin_is_listed_after_the_builtins_and_loaded_lazily(entry_points):
    entry_points({"good": "test_plugins:make_good"})
    assert backends.available_backends()[-1] == "good"
    assert backends.backend_names()[:3] == ["python", "numpy", "numba"]
    good = backends.get_backend("good")
    assert good.name == "good" and backends.get_backend("good") is good
    np.testing.assert_array_equal(good.relu(good.asarray([[-1.0, 2.0]])), [[0.0, 2.0]])


@pytest.mark.parametrize("value, message", [
    ("no_such_module:make", "get_backend: plug-in 'bad' (no_such_module:make) cannot be imported; "
                            "got ModuleNotFoundError: No module named 'no_such_module'"),
    ("test_plugins:missing", "get_backend: plug-in 'bad' (test_plugins:missing) cannot be imported; got AttributeError: "
                             f"module 'test_plugins' has no attribute 'missing' (module 'test_plugins' imported from "
                             f"{Path(__file__).resolve()})"),
    ("test_plugins:GROUP", "get_backend: plug-in 'bad' (test_plugins:GROUP) must point to a zero-argument callable; got str"),
    ("test_plugins:make_broken", "get_backend: plug-in 'bad' (test_plugins:make_broken) raised while building the "
                                 "backend; got RuntimeError: no GPU here"),
    ("test_plugins:make_nothing", "get_backend: plug-in 'bad' (test_plugins:make_nothing) must return a "
                                  "backends.Backend; got int; build one with backends.Backend.from_kernels"),
    ("test_plugins:make_misnamed", "get_backend: plug-in 'bad' (test_plugins:make_misnamed) returned a backend "
                                   "named otherwise; got name='other'"),
    ("test_plugins:make_without_metadata", "get_backend: plug-in 'bad' (test_plugins:make_without_metadata) raised "
                                           "while building the backend; got TypeError: Backend.from_kernels: "
                                           "backend 'bare': arrays must be an ArrayKind"),
])
def test_a_broken_plugin_fails_in_one_line_at_get_backend(entry_points, value, message):
    entry_points({"bad": value, "good": "test_plugins:make_good"})
    assert "bad" in backends.available_backends()  # listing never loads it
    with pytest.raises(BackendPluginError) as raised:
        backends.get_backend("bad")
    assert str(raised.value).startswith(message) and "\n" not in str(raised.value)
    assert isinstance(raised.value, ImportError)
    assert backends.get_backend("good").name == "good"  # the others still load
    assert backends.get_backend("numpy").name == "numpy"


def test_loadable_backends_leave_a_broken_plugin_out_and_say_why(entry_points):
    entry_points({"bad": "test_plugins:make_broken", "good": "test_plugins:make_good"})
    heard = []
    names = backends.loadable_backends(lambda name, error: heard.append((name, str(error))))
    assert names == backends.available_backends()[:-2] + ["good"]
    assert heard == [("bad", "get_backend: plug-in 'bad' (test_plugins:make_broken) raised while building the "
                             "backend; got RuntimeError: no GPU here")]


def test_the_demo_leaves_a_broken_plugin_out_in_one_line_and_runs_the_others(entry_points, capsys):
    from backends.cli.main import main
    entry_points({"bad": "test_plugins:make_broken", "good": "test_plugins:make_good"})
    assert main(["demo", "--size", "4"]) == 0
    printed = capsys.readouterr().out
    assert ("  bad: left out: get_backend: plug-in 'bad' (test_plugins:make_broken) raised while building the "
            "backend; got RuntimeError: no GPU here\n") in printed
    assert re.search(r"^ +good: \[", printed, re.MULTILINE) and "all backends agree to 1e-12: yes" in printed


@pytest.mark.parametrize("name, problem", [("numpy", "is named like a built-in backend and is refused"),
                                           ("my backend", "plug-in name must be a Python identifier")])
def test_a_clashing_or_badly_named_plugin_is_refused(entry_points, name, problem):
    entry_points({name: "test_plugins:make_good"})
    assert name not in backends.available_backends()[3:]
    assert any(problem in reason for reason in registry.refused_plugins().values())
    assert backends.get_backend("numpy").kernels is numpy_backend  # the built-in wins, untouched
    if name != "numpy":
        with pytest.raises(BackendPluginError, match=f"get_backend: {problem} .*; got name='my backend'"):
            backends.get_backend(name)


def test_importing_backends_loads_no_plugin(tmp_path):
    """A plug-in whose module would fail to import does not disturb `import backends`."""
    code = ("import importlib.metadata as m, backends.registry as r\n"
            "r._entry_points = lambda: [m.EntryPoint('bad', 'no_such_module:make', 'nn_backends.backends')]\n"
            "import backends, sys\nprint(backends.available_backends()[-1], 'no_such_module' in sys.modules)")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert shown.split() == ["bad", "False"]


@pytest.mark.parametrize("arguments, error, message", [
    (("my backend", numpy_backend, NdArrays("x"), ("float64",)), ValueError,
     "Backend.from_kernels: a backend name must be a Python identifier (letters, digits, underscores); "
     "got name='my backend'"),
    (("x", numpy_backend, None, ("float64",)), TypeError, "Backend.from_kernels: backend 'x': arrays must be an ArrayKind"),
    (("x", numpy_backend, NdArrays("x"), ("float32",)), ValueError,
     "Backend.from_kernels: backend 'x': dtypes must be a tuple of 'float64' then optionally 'float32'"),
    (("x", types.ModuleType("empty"), NdArrays("x"), ("float64",)), TypeError,
     "Backend.from_kernels: backend 'x': the kernel module must define asarray(); got kernels='empty'"),
])
def test_from_kernels_refuses_what_cannot_work(arguments, error, message):
    with pytest.raises(error) as raised:
        Backend.from_kernels(*arguments)
    assert str(raised.value).startswith(message)


def test_from_kernels_takes_arrays_made_under_another_name_under_the_backends_name():
    """A TypedArrays("other", ...) left over from a template gave messages naming "other" on every row."""
    class Tensor:
        shape, dtype = (1, 1), "float64"

    given = TypedArrays("other", Tensor)
    backend = Backend.from_kernels("mine", numpy_copy(), given, ("float64",))
    assert backend.arrays.backend == "mine" and given.backend == "other"  # a copy: the module's ARRAYS stays
    with pytest.raises(TypeError, match=r"relu: z is not a native array of the 'mine' backend .* "
                                        r"convert it with get_backend\('mine'\)"):
        backend.relu([[1.0]])
    numpy_arrays = Backend.from_kernels("mine", numpy_copy(), NdArrays("numpy"), ("float64",)).arrays
    assert isinstance(numpy_arrays, NdArrays) and numpy_arrays.backend == "mine"


def test_a_missing_operation_raises_not_implemented_naming_it_and_the_backend():
    partial = Backend.from_kernels("partial", numpy_copy(drop=("softmax",)), NdArrays("partial"), ("float64",))
    assert partial.missing == ("softmax",)
    with pytest.raises(NotImplementedError) as raised:
        partial.softmax(partial.asarray([[1.0, 2.0]]))
    assert str(raised.value) == "softmax: not implemented by the 'partial' backend; got backend='partial'"
    with pytest.raises(NotImplementedError, match="softmax: not implemented by the 'partial' backend"):
        partial.kernels.softmax(partial.asarray([[1.0, 2.0]]))
    with pytest.raises(ValueError, match="softmax: z must be 2-D"):  # validation still comes first
        partial.softmax(partial.asarray([1.0, 2.0]))


def test_the_conformance_run_reports_a_partial_backend_as_not_implemented_not_failed():
    partial = Backend.from_kernels("partial", numpy_copy(drop=("softmax", "softmax_backward")),
                                   NdArrays("partial"), ("float64",))
    report = conformance.run(partial, select="softmax", modules=("test_operations.py",))
    assert report["operations"]["softmax"]["status"] == "not implemented"
    assert report["operations"]["softmax_backward"]["status"] == "not implemented"
    assert report["ok"] and report["header"]["not_implemented"] == ["softmax", "softmax_backward"]
    assert "softmax                              not implemented" in conformance.format_report(report)


def test_typed_arrays_give_the_builtin_messages_for_another_array_type():
    class Tensor:  # a stand-in for torch.Tensor: .shape and .dtype
        def __init__(self, values):
            self.values = np.asarray(values)
            self.shape, self.dtype = self.values.shape, f"fake.{self.values.dtype}"

    kind = TypedArrays("fake", Tensor)
    assert kind.shape("relu", "z", Tensor([[1.0, 2.0]])) == (1, 2) and kind.dtype(Tensor([1.0])) == "float64"
    with pytest.raises(TypeError) as raised:
        kind.shape("relu", "z", [[1.0]])
    assert str(raised.value) == ("relu: z is not a native array of the 'fake' backend (a test_plugins.test_typed_"
                                 "arrays_give_the_builtin_messages_for_another_array_type.<locals>.Tensor of float64 "
                                 "or float32); got type(z)=list; convert it with get_backend('fake').asarray(z)")
    with pytest.raises(TypeError, match=r"relu: z must be a native float64 or float32 array; got z.dtype=int64"):
        kind.shape("relu", "z", Tensor([[1, 2]]))
    with pytest.raises(ValueError, match=r"relu: z must be 1-D or 2-D; got z.shape=\(1, 1, 1\)"):
        kind.shape("relu", "z", Tensor([[[1.0]]]))


def test_the_template_has_every_operation_with_the_interfaces_formula():
    spec = importlib.util.spec_from_file_location("template_kernels", TEMPLATE)
    template = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(template)
    stubs = [name for name in vars(template) if not name.startswith("_") and callable(getattr(template, name))
             and name not in ("NdArrays", "MissingKernelError")]
    assert stubs == list(OPERATIONS)
    for op in OPERATIONS:
        assert getattr(template, op).__doc__.split("\n")[0] == getattr(Backend, op).__doc__.split("\n")[0]
    backend = Backend.from_kernels("template", template)
    with pytest.raises(NotImplementedError, match="asarray: not written yet"):
        backend.asarray([[1.0]])


def test_the_conformance_command_reports_and_writes_json(tmp_path, capsys):
    from backends.cli import main
    path = tmp_path / "report.json"
    assert main(["conformance", "numpy", "-k", "test_matmul", "--json", str(path)]) == 0
    shown = capsys.readouterr().out
    assert "conformance of backend 'numpy': dtypes float64, float32" in shown and "versions: nn-backends" in shown
    assert re.search(r"\nmatmul +passed +\d+ +0", shown) and "CONFORMS" not in shown  # -k: a subset
    assert re.search(r"PASSED \(subset: \d+ of \d+ tests\)", shown)
    report = json.loads(path.read_text())
    assert report["ok"] and report["operations"]["matmul"]["passed"] > 0


@pytest.mark.parametrize("arguments, message", [
    (["conformance", "nosuch"], "nn-backends conformance: error: get_backend: unknown backend; got name='nosuch'"),
    (["conformance", "numpy", "--json", "/no/such/folder/r.json"],
     "nn-backends conformance: error: conformance: the folder for --json does not exist"),
    (["bench", "--backends", "numpy,nosuch"], "nn-backends bench: error: get_backend: unknown backend; got name='nosuch'"),
])
def test_bad_conformance_and_bench_arguments_are_one_line(arguments, message, capsys):
    from backends.cli import main
    assert main(arguments) == 2
    error = capsys.readouterr().err
    assert error.startswith(message) and error.count("\n") == 1


def test_a_failing_operation_is_reported_with_its_case_and_error(capsys):
    kernels = numpy_copy("wrong")
    kernels.relu = lambda z: np.maximum(z, 0) * 1.001
    report = conformance.run(Backend.from_kernels("wrong", kernels, NdArrays("wrong"), ("float64",)),
                             select="test_elementwise_activation and relu", modules=("test_operations.py",))
    relu = report["operations"]["relu"]
    assert report["failed"] == ["relu"] and not report["ok"]
    assert relu["failures"][0] == "test_elementwise_activation[wrong-float64-3x4-relu]"
    assert relu["max_rel_error"] == pytest.approx(0.001, rel=1e-6)
    shown = conformance.format_report(report)
    assert "FAILED test_elementwise_activation[wrong-float64-3x4-relu]\n    counted for: relu; operations called: " \
           "asarray, relu\n    AssertionError: relu:" in shown and "DOES NOT CONFORM" in shown
    # every failure with its reproduction: the call on small inputs, expected and actual
    assert shown.count("FAILED test_elementwise_activation") == relu["failed"] == len(report["failures"])
    assert shown.count("        result = b.relu(z)\n        # expected: ") == relu["failed"]
