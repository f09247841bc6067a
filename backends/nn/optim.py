"""Optimizers, written once on top of the backends' update operations.

Each optimizer decays its learning rate as lr / (1 + decay · t), t counting the updates done so
far, and keeps its state arrays (velocities, caches, moments) as native arrays of the model's
backend, one set per parameter, created on the first update. An update kernel returns the updated
parameter and state (the same arrays, changed in place, or new ones on a backend whose arrays cannot
change, see `backends.updates`): the optimizer keeps the state it returns and hands the
parameters back to the caller.
"""

from __future__ import annotations

import numpy as np

from ..updates import updated
from ..validation import hyperparameter, native_dtype_name


class Optimizer:
    def __init__(self, learning_rate: float, decay: float = 0.0):
        name = type(self).__name__
        self.learning_rate = hyperparameter(name, "learning_rate", learning_rate, 0.0)
        self.decay = hyperparameter(name, "decay", decay, 0.0)
        self.iterations = 0
        self.state: list[dict] = []

    @property
    def current_learning_rate(self) -> float:
        return self.learning_rate_after(self.iterations)

    def learning_rate_after(self, iterations):
        """The decayed rate lr / (1 + decay·t) after t = iterations updates (an int, or an integer
        ndarray for the rates of several steps at once, as a compiled epoch takes them)."""
        return self.learning_rate / (1.0 + self.decay * iterations)

    def states(self, backend, parameters: list) -> list[dict]:
        """The state arrays of each parameter (zeros, made on first use), in the order given."""
        if not self.state:
            self.state = [{name: backend.asarray(np.zeros(backend.shape(p)), _dtype_of(p))
                           for name in self.state_names} for p in parameters]
        return self.state

    def step(self, backend, parameters: list, gradients: list) -> list:
        """Update every parameter from its gradient, then count the update. Returns the updated
        parameters, in the order given: the arrays given where the backend updates in place."""
        lr = self.current_learning_rate
        new = []
        for param, grad, state in zip(parameters, gradients, self.states(backend, parameters)):
            names = self.state_names
            result = updated(self.operation, self.update(backend, param, grad, lr, state),
                             (param, *(state[name] for name in names)))
            new.append(result[0])
            for name, array in zip(names, result[1:]):
                if array is not state[name]:
                    state[name] = array
        self.iterations += 1
        return new

    def config(self) -> dict:
        return {"type": type(self).__name__, **{k: v for k, v in vars(self).items()
                                                if k not in ("iterations", "state")}}

    def __repr__(self):
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.config().items() if k != "type")
        return f"{type(self).__name__}({arguments})"


def _dtype_of(param):
    return native_dtype_name(param)


class SGD(Optimizer):
    """Stochastic gradient descent with momentum: v = momentum·v - lr·g; param += v."""

    state_names = ("velocity",)
    operation = "sgd_update"

    def __init__(self, learning_rate: float = 1.0, decay: float = 0.0, momentum: float = 0.0):
        super().__init__(learning_rate, decay)
        self.momentum = hyperparameter("SGD", "momentum", momentum, 0.0, 1.0, high_inclusive=False)

    def update(self, backend, param, grad, lr, state):
        return backend.kernels.sgd_update(param, grad, lr, self.momentum, state["velocity"])


class Adagrad(Optimizer):
    """Per-parameter rates that shrink with the sum of squared gradients seen so far."""

    state_names = ("cache",)
    operation = "adagrad_update"

    def __init__(self, learning_rate: float = 1.0, decay: float = 0.0, epsilon: float = 1e-7):
        super().__init__(learning_rate, decay)
        self.epsilon = hyperparameter("Adagrad", "epsilon", epsilon, 0.0, low_inclusive=False)

    def update(self, backend, param, grad, lr, state):
        return backend.kernels.adagrad_update(param, grad, lr, state["cache"], self.epsilon)


class RMSprop(Optimizer):
    """Per-parameter rates from a moving average of squared gradients."""

    state_names = ("cache",)
    operation = "rmsprop_update"

    def __init__(self, learning_rate: float = 0.001, decay: float = 0.0, epsilon: float = 1e-7, rho: float = 0.9):
        super().__init__(learning_rate, decay)
        self.epsilon = hyperparameter("RMSprop", "epsilon", epsilon, 0.0, low_inclusive=False)
        self.rho = hyperparameter("RMSprop", "rho", rho, 0.0, 1.0, high_inclusive=False)

    def update(self, backend, param, grad, lr, state):
        return backend.kernels.rmsprop_update(param, grad, lr, state["cache"], self.rho, self.epsilon)


class Adam(Optimizer):
    """Momentum plus RMSprop, with both moving averages corrected for their start at zero."""

    state_names = ("m", "v")
    operation = "adam_update"

    def __init__(self, learning_rate: float = 0.001, decay: float = 0.0, epsilon: float = 1e-7,
                 beta1: float = 0.9, beta2: float = 0.999):
        super().__init__(learning_rate, decay)
        self.epsilon = hyperparameter("Adam", "epsilon", epsilon, 0.0, low_inclusive=False)
        self.beta1 = hyperparameter("Adam", "beta1", beta1, 0.0, 1.0, high_inclusive=False)
        self.beta2 = hyperparameter("Adam", "beta2", beta2, 0.0, 1.0, high_inclusive=False)

    def update(self, backend, param, grad, lr, state):
        return backend.kernels.adam_update(param, grad, lr, state["m"], state["v"], self.beta1, self.beta2,
                                           self.epsilon, self.iterations + 1)


OPTIMIZERS = {cls.__name__: cls for cls in (SGD, Adagrad, RMSprop, Adam)}
