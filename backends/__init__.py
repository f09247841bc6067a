"""nn-backends: one small neural-network interface, implemented three times.

    import backends
    backends.available_backends()      # ['python', 'numpy', 'numba'], those installed here
    b = backends.get_backend("numba")  # name, else $NN_BACKEND, else "numpy"
    y = b.dense_forward(b.asarray(X), b.asarray(W), b.asarray(bias))

The `python` backend is nested loops, `numpy` is whole-array operations, `numba` is compiled loops;
all three validate their inputs the same way (`backends.validation`) and agree to rounding.
"""

from .base import Backend
from .numerics import PROBABILITY_CLIP
from .registry import BackendNotAvailableError, available_backends, backend_names, get_backend
from .validation import InvalidInputError, InvalidTypeError

__all__ = [
    "Backend",
    "BackendNotAvailableError",
    "InvalidInputError",
    "InvalidTypeError",
    "PROBABILITY_CLIP",
    "available_backends",
    "backend_names",
    "get_backend",
]
