"""Backend names -> backends, resolved lazily: the three built-ins, then plug-ins.

Design rules:
- an explicit table of built-in names, in teaching order;
- plug-ins come from the entry-point group `nn_backends.backends` (name = the backend's name,
  value = a zero-argument callable returning a `Backend`), listed after the built-ins and loaded
  only when asked for: a broken plug-in fails at `get_backend(its name)`, never at `import backends`
  and never for another backend; a plug-in named like a built-in is refused;
- a backend's library is imported only when that backend is first asked for, so `import backends`
  stays cheap and never imports numba by itself;
- `get_backend()` without a name reads `$NN_BACKEND`, then falls back to "numpy";
- an unknown name lists the valid ones; a missing library says how to install it.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import importlib.util
import os
import sys

from .interface import Backend
from .validation import NdArrays, ListArrays

DEFAULT_BACKEND = "numpy"
ENVIRONMENT_VARIABLE = "NN_BACKEND"
ENTRY_POINT_GROUP = "nn_backends.backends"

# name -> (kernel module, library it needs or None, native arrays, dtypes)
_BACKENDS = {
    "python": ("backends.python_backend", None, ListArrays(), ("float64",)),
    "numpy": ("backends.numpy_backend", "numpy", NdArrays("numpy"), ("float64", "float32")),
    "numba": ("backends.numba_backend", "numba", NdArrays("numba"), ("float64", "float32")),
}

#: The built-in backends' names, in teaching order.
BUILTINS = tuple(_BACKENDS)

_INSTALL_HINT = {
    "numpy": "pip install numpy",
    "numba": "pip install numba (or reinstall nn-backends, which depends on it)",
}

_loaded: dict[str, Backend] = {}
_registered: dict[str, Backend] = {}  # backends objects lent to the registry by `registered`


class BackendNotAvailableError(ImportError):
    """The backend is known but the library it needs is not installed (or fails to import)."""


class BackendPluginError(BackendNotAvailableError):
    """A plug-in backend cannot be loaded: its entry point, its callable or what it returned is wrong."""


def _entry_points() -> list:
    return list(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))


def plugins() -> dict:
    """The plug-ins registered here: {name: entry point}, without loading them; names that clash
    with a built-in or are not identifiers are left out (see `refused_plugins`)."""
    return {ep.name: ep for ep in _entry_points() if _refusal(ep) is None}


def refused_plugins() -> dict[str, str]:
    """{entry point: why it is refused} for plug-ins that can never load."""
    return {f"{ep.name} = {ep.value}": reason for ep in _entry_points() if (reason := _refusal(ep))}


def _refusal(ep) -> str | None:
    if ep.name in _BACKENDS:
        return (f"get_backend: plug-in {ep.name!r} ({ep.value}) is named like a built-in backend and is "
                f"refused; got name={ep.name!r}; rename its entry point in group {ENTRY_POINT_GROUP!r}")
    if not ep.name.isidentifier():
        return (f"get_backend: plug-in name must be a Python identifier (letters, digits, underscores); "
                f"got name={ep.name!r} ({ep.value}); rename its entry point in group {ENTRY_POINT_GROUP!r}")
    return None


def backend_names() -> list[str]:
    """Every backend this project knows: the built-ins, installed or not, then the plug-ins."""
    return list(_BACKENDS) + list(plugins()) + list(_registered)


def builtin_backends() -> list[str]:
    """The built-in backends whose library is installed here, in teaching order (python, numpy, numba)."""
    return [name for name, (_, library, _, _) in _BACKENDS.items()
            if library is None or importlib.util.find_spec(library) is not None]


def available_backends() -> list[str]:
    """The built-in backends whose library is installed here, in teaching order (python, numpy,
    numba), then the registered plug-ins. Looks the libraries up without importing them."""
    return builtin_backends() + list(plugins())


def loadable_backends(left_out=None) -> list[str]:
    """`available_backends()` without the plug-ins that fail to build here: each of those is loaded
    (the built-ins are not), and `left_out(name, error)`, when given, hears why one is left out. For
    code that runs every backend (the demo, the walkthrough): one broken plug-in leaves the rest running."""
    names = builtin_backends()
    for name in plugins():
        try:
            get_backend(name)
        except BackendPluginError as error:
            if left_out is not None:
                left_out(name, error)
            continue
        names.append(name)
    return names


def get_backend(name: str | None = None) -> Backend:
    """The backend called `name`; without a name, `$NN_BACKEND`, else "numpy".

    Raises ValueError for an unknown name (listing the valid ones) and BackendNotAvailableError
    (an ImportError) when the backend's library is missing."""
    if isinstance(name, Backend):
        return name
    if name is None:
        name = os.environ.get(ENVIRONMENT_VARIABLE) or DEFAULT_BACKEND
        source = f"${ENVIRONMENT_VARIABLE}={name!r}" if os.environ.get(ENVIRONMENT_VARIABLE) else None
    else:
        source = None
    if name in _loaded:
        return _loaded[name]
    if name in _registered:
        return _registered[name]
    if isinstance(name, str) and name not in _BACKENDS:
        for ep in _entry_points():
            if ep.name == name:
                _loaded[name] = _load_plugin(ep)
                return _loaded[name]
    if not isinstance(name, str) or name not in _BACKENDS:
        got = source or f"name={name!r}"
        raise ValueError(f"get_backend: unknown backend; got {got}; valid names are "
                         f"{', '.join(repr(n) for n in backend_names())}")
    module_name, library, arrays, dtypes = _BACKENDS[name]
    try:
        kernels = importlib.import_module(module_name)
    except ImportError as error:
        if library is None or (error.name or "").split(".")[0] != library:
            raise
        raise BackendNotAvailableError(
            f"get_backend: the {name!r} backend needs the {library!r} library, which is not installed; "
            f"got name={name!r}; install it with: {_INSTALL_HINT[library]}") from error
    _loaded[name] = Backend(name, kernels, arrays, dtypes)
    return _loaded[name]


@contextlib.contextmanager
def registered(backend: Backend):
    """Lend a Backend object to the registry by its name for the duration of a `with` block, so code
    that takes backend names (the conformance suite, Model) can use it without an entry point."""
    if not isinstance(backend, Backend):
        raise TypeError(f"registered: expected a backends.Backend; got {type(backend).__name__}")
    if backend.name in backend_names():
        raise ValueError(f"registered: a backend of this name exists already; got name={backend.name!r}")
    _registered[backend.name] = backend
    try:
        yield backend
    finally:
        del _registered[backend.name]


def _imported_from(module: str) -> str:
    """Where Python found the plug-in's module (a project folder can shadow the installed package)."""
    found = sys.modules.get(module)
    origin = getattr(found, "__file__", None)
    if origin is None:
        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            spec = None
        origin = getattr(spec, "origin", None)
        if spec is not None and origin in (None, "namespace"):
            origin = f"a namespace package over {', '.join(spec.submodule_search_locations or [])}"
    return f" (module {module!r} imported from {origin})" if origin else f" (no module {module!r} on sys.path)"


def _load_plugin(ep) -> Backend:
    """The backend an entry point makes, or BackendPluginError naming the plug-in and the cause."""
    refusal = _refusal(ep)
    if refusal:
        raise BackendPluginError(refusal)
    where = f"get_backend: plug-in {ep.name!r} ({ep.value})"
    try:
        make = ep.load()
    except Exception as error:  # anything its module raises on import
        raise BackendPluginError(f"{where} cannot be imported; got {type(error).__name__}: {error}"
                                 f"{_imported_from(ep.module)}") from error
    if not callable(make):
        raise BackendPluginError(f"{where} must point to a zero-argument callable; got {type(make).__name__}")
    try:
        backend = make()
    except Exception as error:
        raise BackendPluginError(f"{where} raised while building the backend; "
                                 f"got {type(error).__name__}: {error}") from error
    if not isinstance(backend, Backend):
        raise BackendPluginError(f"{where} must return a backends.Backend; got {type(backend).__name__}; "
                                 "build one with backends.Backend.from_kernels")
    if backend.name != ep.name:
        raise BackendPluginError(f"{where} returned a backend named otherwise; got name={backend.name!r}; "
                                 "the entry point's name is the backend's name")
    return backend
