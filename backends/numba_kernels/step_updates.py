"""The optimizer updates of the compiled training step: every optimizer of `nn.optim`, as a code.

`optimizing(optimizer)` describes the model's optimizer to compiled code (its code, its constants in
one float64 array, its learning rate schedule), so one compiled step serves every optimizer; `update`
then runs the numba backend's own update kernel over the flat parameter buffer, as `Optimizer.step`
does layer by layer.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from .. import numba_backend as nb
from ..nn.optim import SGD, Adagrad, Adam, RMSprop

# the compiled kernels behind the numba backend's adapters (Numba calls them, not the adapters)
_sgd_update = nb.sgd_update.kernel
_adagrad_update = nb.adagrad_update.kernel
_rmsprop_update = nb.rmsprop_update.kernel
_adam_update = nb.adam_update.kernel

#: Optimizer codes, and the constants each reads from `Optimizing.constants`, in that order.
SGD_UPDATE, ADAGRAD_UPDATE, RMSPROP_UPDATE, ADAM_UPDATE = range(4)
CONSTANTS = {SGD: (SGD_UPDATE, ("momentum",)), Adagrad: (ADAGRAD_UPDATE, ("epsilon",)),
             RMSprop: (RMSPROP_UPDATE, ("rho", "epsilon")), Adam: (ADAM_UPDATE, ("beta1", "beta2", "epsilon"))}


class Optimizing(NamedTuple):
    """The optimizer as compiled code reads it: which one, its constants, and its learning rate
    lr / (1 + decay·t), t counting from `iterations` updates already done."""

    code: int
    constants: np.ndarray
    learning_rate: float
    decay: float
    iterations: int


class Trainable(NamedTuple):
    """The flat buffers a step updates in place: every parameter, their gradients, and the optimizer's
    state arrays in its `state_names` order (SGD's velocity, a cache, or Adam's m and v); the second
    is empty for an optimizer with one."""

    parameters: np.ndarray
    gradients: np.ndarray
    state: np.ndarray
    second_state: np.ndarray


def optimizing(optimizer) -> Optimizing | None:
    """`optimizer` as compiled code reads it now, or None for an optimizer it does not know."""
    if type(optimizer) not in CONSTANTS:
        return None
    code, names = CONSTANTS[type(optimizer)]
    return Optimizing(code, np.array([getattr(optimizer, name) for name in names], dtype=np.float64),
                      float(optimizer.learning_rate), float(optimizer.decay), int(optimizer.iterations))


@njit(cache=True)
def update(optimizer, trainable, lr, step):
    """One update of every parameter at once at learning rate lr; step counts updates from 1 (Adam's)."""
    parameters, gradients, state = trainable.parameters, trainable.gradients, trainable.state
    # Python floats, as Optimizer.step passes them: run as Python (NUMBA_DISABLE_JIT=1), a NumPy float64
    # would widen float32 arithmetic; compiled, float() changes nothing (and allocates nothing)
    constants = optimizer.constants
    first = float(constants[0])
    if optimizer.code == SGD_UPDATE:
        _sgd_update(parameters, gradients, lr, first, state)
    elif optimizer.code == ADAGRAD_UPDATE:
        _adagrad_update(parameters, gradients, lr, state, first)
    elif optimizer.code == RMSPROP_UPDATE:
        _rmsprop_update(parameters, gradients, lr, state, first, float(constants[1]))
    else:
        _adam_update(parameters, gradients, lr, state, trainable.second_state, first, float(constants[1]),
                     float(constants[2]), step)
