"""Backend names -> backends, resolved lazily.

Design rules:
- an explicit table of names, in teaching order; no discovery magic;
- a backend's library is imported only when that backend is first asked for, so `import backends`
  stays cheap and never imports numba by itself;
- `get_backend()` without a name reads `$NN_BACKEND`, then falls back to "numpy";
- an unknown name lists the valid ones; a missing library says how to install it.
"""

from __future__ import annotations

import importlib
import importlib.util
import os

from .interface import Backend
from .validation import NdArrays, ListArrays

DEFAULT_BACKEND = "numpy"
ENVIRONMENT_VARIABLE = "NN_BACKEND"

# name -> (kernel module, library it needs or None, native arrays, dtypes)
_BACKENDS = {
    "python": ("backends.python_backend", None, ListArrays(), ("float64",)),
    "numpy": ("backends.numpy_backend", "numpy", NdArrays("numpy"), ("float64", "float32")),
    "numba": ("backends.numba_backend", "numba", NdArrays("numba"), ("float64", "float32")),
}

_INSTALL_HINT = {
    "numpy": "pip install numpy",
    "numba": "pip install numba (or reinstall nn-backends, which depends on it)",
}

_loaded: dict[str, Backend] = {}


class BackendNotAvailableError(ImportError):
    """The backend is known but the library it needs is not installed (or fails to import)."""


def backend_names() -> list[str]:
    """Every backend this project knows, installed or not."""
    return list(_BACKENDS)


def available_backends() -> list[str]:
    """The backends whose library is installed here, in teaching order (python, numpy, numba).

    Looks the libraries up without importing them."""
    return [name for name, (_, library, _, _) in _BACKENDS.items()
            if library is None or importlib.util.find_spec(library) is not None]


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
    if not isinstance(name, str) or name not in _BACKENDS:
        got = source or f"name={name!r}"
        raise ValueError(f"get_backend: unknown backend; got {got}; valid names are "
                         f"{', '.join(repr(n) for n in _BACKENDS)}")
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
