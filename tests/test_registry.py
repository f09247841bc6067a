"""The registry: names, $NN_BACKEND, lazy imports and the errors for unknown or missing backends."""

import importlib
import subprocess
import sys

import pytest

import backends
from backends import registry


def test_known_backends_in_teaching_order():
    assert backends.backend_names()[:3] == ["python", "numpy", "numba"]  # then any plug-ins
    available = backends.available_backends()
    assert available[0] == "python"
    assert available == [name for name in backends.backend_names() if name in available]


def test_get_backend_by_name(backend):
    assert backend.name in backends.available_backends()
    assert backends.get_backend(backend.name) is backend
    assert repr(backend) == f"<Backend {backend.name!r} dtypes={backend.dtypes}>"


def test_default_is_numpy_without_environment(monkeypatch):
    monkeypatch.delenv("NN_BACKEND", raising=False)
    assert backends.get_backend().name == "numpy"


def test_environment_variable_chooses_the_default(monkeypatch):
    monkeypatch.setenv("NN_BACKEND", "python")
    assert backends.get_backend().name == "python"
    assert backends.get_backend("numpy").name == "numpy"  # an explicit name wins


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError) as raised:
        backends.get_backend("torch")
    assert str(raised.value) == ("get_backend: unknown backend; got name='torch'; "
                                 "valid names are " + ", ".join(map(repr, backends.backend_names())))


def test_unknown_name_from_the_environment_says_where_it_came_from(monkeypatch):
    monkeypatch.setenv("NN_BACKEND", "Numba")
    with pytest.raises(ValueError) as raised:
        backends.get_backend()
    assert str(raised.value) == ("get_backend: unknown backend; got $NN_BACKEND='Numba'; "
                                 "valid names are " + ", ".join(map(repr, backends.backend_names())))


def test_missing_library_says_how_to_install_it(monkeypatch):
    real_import = importlib.import_module

    def import_without_numba(name, *args):
        if name == "backends.numba_backend":
            raise ModuleNotFoundError("No module named 'numba'", name="numba")
        return real_import(name, *args)

    monkeypatch.setattr(registry.importlib, "import_module", import_without_numba)
    monkeypatch.setattr(registry, "_loaded", {})
    with pytest.raises(backends.BackendNotAvailableError) as raised:
        backends.get_backend("numba")
    assert isinstance(raised.value, ImportError)
    assert str(raised.value) == ("get_backend: the 'numba' backend needs the 'numba' library, which is not "
                                 "installed; got name='numba'; install it with: pip install numba "
                                 "(or reinstall nn-backends, which depends on it)")


def test_available_backends_leaves_out_a_missing_library(monkeypatch):
    real_find_spec = registry.importlib.util.find_spec
    monkeypatch.setattr(registry.importlib.util, "find_spec",
                        lambda name: None if name == "numba" else real_find_spec(name))
    assert backends.available_backends()[:2] == ["python", "numpy"]
    assert "numba" not in backends.available_backends()


def run_python(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_importing_backends_does_not_import_numba():
    assert run_python("import sys, backends; backends.available_backends(); "
                      "backends.get_backend('numpy'); print('numba' in sys.modules)") == "False"


@pytest.mark.skipif("numba" not in backends.available_backends(), reason="backend not installed")
def test_asking_for_the_numba_backend_imports_numba():
    assert run_python("import sys, backends; backends.get_backend('numba'); print('numba' in sys.modules)") == "True"
