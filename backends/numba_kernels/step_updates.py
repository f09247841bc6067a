"""The optimizer updates of the compiled training step: every optimizer a training plan names, as a code.

`optimizing(optimizer)` turns the plan's optimizer (`OptimizerPlan`: its name and hyperparameters)
into what compiled code reads (its code and its constants in one float64 array), so one compiled
step serves every optimizer; `update` then runs the numba backend's own update loop (`training_loops`) over the flat
parameter buffer, as `Optimizer.step` does layer by layer. The learning rate is not computed here:
each step receives it, decayed by `Optimizer.learning_rate_after`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from .training_loops import adagrad_update, adam_update, rmsprop_update, sgd_update


#: Optimizer codes by the plan's names, and the constants each reads from `Optimizing.constants`, in that order.
SGD_UPDATE, ADAGRAD_UPDATE, RMSPROP_UPDATE, ADAM_UPDATE = range(4)
CONSTANTS = {"SGD": (SGD_UPDATE, ("momentum",)), "Adagrad": (ADAGRAD_UPDATE, ("epsilon",)),
             "RMSprop": (RMSPROP_UPDATE, ("rho", "epsilon")), "Adam": (ADAM_UPDATE, ("beta1", "beta2", "epsilon"))}


class Optimizing(NamedTuple):
    """The optimizer as compiled code reads it: which one, and its constants."""

    code: int
    constants: np.ndarray


class Trainable(NamedTuple):
    """The flat buffers a step updates in place: every parameter, their gradients, and the optimizer's
    state arrays in its `state_names` order (SGD's velocity, a cache, or Adam's m and v); the second
    is empty for an optimizer with one."""

    parameters: np.ndarray
    gradients: np.ndarray
    state: np.ndarray
    second_state: np.ndarray


def optimizing(optimizer) -> Optimizing | None:
    """A plan's optimizer (`OptimizerPlan`) as compiled code reads it, or None for one it does not know."""
    if optimizer.name not in CONSTANTS:
        return None
    code, names = CONSTANTS[optimizer.name]
    return Optimizing(code, np.array([optimizer.hyperparameter(name) for name in names], dtype=np.float64))


@njit(cache=True)
def update(optimizer, trainable, lr, step):
    """One update of every parameter at once at learning rate lr; step counts updates from 1 (Adam's)."""
    parameters, gradients, state = trainable.parameters, trainable.gradients, trainable.state
    # Python floats, as Optimizer.step passes them: run as Python (NUMBA_DISABLE_JIT=1), a NumPy float64
    # would widen float32 arithmetic; compiled, float() changes nothing (and allocates nothing)
    constants = optimizer.constants
    first = float(constants[0])
    if optimizer.code == SGD_UPDATE:
        sgd_update(parameters, gradients, lr, first, state)
    elif optimizer.code == ADAGRAD_UPDATE:
        adagrad_update(parameters, gradients, lr, state, first)
    elif optimizer.code == RMSPROP_UPDATE:
        rmsprop_update(parameters, gradients, lr, state, first, float(constants[1]))
    else:
        adam_update(parameters, gradients, lr, state, trainable.second_state, first, float(constants[1]),
                     float(constants[2]), step)
