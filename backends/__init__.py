"""nn-backends: one small neural-network interface, implemented three times.

    import backends
    backends.available_backends()      # ['python', 'numpy', 'numba'], those installed here
    b = backends.get_backend("numba")  # name, else $NN_BACKEND, else "numpy"
    y = b.dense_forward(b.asarray(X), b.asarray(W), b.asarray(bias))

The `python` backend is nested loops, `numpy` is whole-array operations, `numba` is compiled loops;
all three validate their inputs the same way (`backends.validation`) and agree to rounding. On top of
the interface, written once: layers, losses, optimizers (`backends.optim`), `Model` and `backends.data`.
Other packages add backends by entry point (`Backend.from_kernels`; docs/writing-a-backend.md).
"""

from .interface import Backend, MissingKernelError
from .nn.layers import Dense, Dropout, Linear, ReLU, Sigmoid, Softmax, Step, Tanh
from .nn.model import Model
from .numerics import PROBABILITY_CLIP
from .registry import (BackendNotAvailableError, BackendPluginError, available_backends, backend_names, get_backend,
                       loadable_backends)
from .nn.saving import ModelFileError
from .validation import InvalidInputError, InvalidTypeError, ListArrays, NdArrays, TrainingDivergedError, TypedArrays

__all__ = [
    "Backend",
    "BackendNotAvailableError",
    "BackendPluginError",
    "Dense",
    "Dropout",
    "InvalidInputError",
    "InvalidTypeError",
    "Linear",
    "ListArrays",
    "MissingKernelError",
    "Model",
    "ModelFileError",
    "NdArrays",
    "PROBABILITY_CLIP",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Step",
    "Tanh",
    "TrainingDivergedError",
    "TypedArrays",
    "available_backends",
    "loadable_backends",
    "backend_names",
    "get_backend",
]
