"""nn-backends: one small neural-network interface, implemented three times.

    import backends
    backends.available_backends()      # ['python', 'numpy', 'numba'], those installed here
    b = backends.get_backend("numba")  # name, else $NN_BACKEND, else "numpy"
    y = b.dense_forward(b.asarray(X), b.asarray(W), b.asarray(bias))

The `python` backend is nested loops, `numpy` is whole-array operations, `numba` is compiled loops;
all three validate their inputs the same way (`backends.validation`) and agree to rounding. On top of
the interface, written once: layers, losses, optimizers (`backends.optim`), `Model` and `backends.data`.
"""

from .interface import Backend
from .nn.layers import Dense, Dropout, Linear, ReLU, Sigmoid, Softmax, Step, Tanh
from .nn.model import Model
from .numerics import PROBABILITY_CLIP
from .registry import BackendNotAvailableError, available_backends, backend_names, get_backend
from .nn.saving import ModelFileError
from .validation import InvalidInputError, InvalidTypeError, TrainingDivergedError

__all__ = [
    "Backend",
    "BackendNotAvailableError",
    "Dense",
    "Dropout",
    "InvalidInputError",
    "InvalidTypeError",
    "Linear",
    "Model",
    "ModelFileError",
    "PROBABILITY_CLIP",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Step",
    "Tanh",
    "TrainingDivergedError",
    "available_backends",
    "backend_names",
    "get_backend",
]
