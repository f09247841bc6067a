"""A model as plain data: the training plan a backend's compiled step reads instead of the `Model`.

`training_plan(model)` describes a built model with frozen dataclasses of str, int, float, bool and
tuples of them: its layers in order (kind, widths, where a Dense layer's weights and biases sit in
the flat parameter buffer, its penalties, a Dropout's rate), the loss (with its fused softmax
backward and its accuracy rule), the optimizer (its hyperparameters and learning-rate schedule) and
the random state the dropout masks are drawn from. It holds no layer, loss or optimizer object, so
a backend's compiled step needs nothing from `backends.nn`: the plan, and the arrays `Model` hands
it with each call, are everything it sees.

A model whose layers, loss or optimizer are of a class the plan cannot name (a subclass of a known
one included: it may compute something else) has no plan, and trains layer by layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .layers import Dense, Dropout, Linear, ReLU, Sigmoid, Softmax, Step, Tanh
from .losses import LOSSES, uses_fused_softmax_backward
from .optim import OPTIMIZERS

#: The plan's name for each layer class (exactly that class: a subclass has no name here).
LAYER_KINDS = {Dense: "dense", ReLU: "relu", Sigmoid: "sigmoid", Tanh: "tanh", Softmax: "softmax",
               Linear: "linear", Step: "step", Dropout: "dropout"}


@dataclass(frozen=True)
class LayerPlan:
    """One layer, in the model's order. kind: a value of `LAYER_KINDS`. n_inputs, n_neurons: its input
    and output widths (equal for every layer but Dense). For Dense: where its weights (n_neurons x
    n_inputs, row-major) and biases start in the flat parameter buffer (biases_at -1: no biases) and
    its L1/L2 penalties; for Dropout: its rate."""

    kind: str
    n_inputs: int
    n_neurons: int
    weights_at: int = -1
    biases_at: int = -1
    weight_l1: float = 0.0
    weight_l2: float = 0.0
    bias_l1: float = 0.0
    bias_l2: float = 0.0
    rate: float = 0.0


@dataclass(frozen=True)
class LossPlan:
    """The loss by its name (a key of `losses.LOSSES`); whether the model fuses a final Softmax's
    backward into it ((probabilities - onehot) / n); whether its targets are class indices. (How a
    hit is counted is not the backend's business: `Model` counts accuracy from the outputs.)"""

    name: str
    fused_softmax_backward: bool
    takes_classes: bool


@dataclass(frozen=True)
class OptimizerPlan:
    """The optimizer by its class name (a key of `optim.OPTIMIZERS`); its hyperparameters other than
    the learning rate, as (name, value) pairs in its constructor's order; the schedule's numbers
    (`Optimizer.learning_rate_after` gives the rate after t updates; a compiled step is handed each
    step's rate and update number with the call); and the names of its state arrays, in the order
    `Model` hands them to a compiled step."""

    name: str
    hyperparameters: tuple
    learning_rate: float
    decay: float
    state_names: tuple

    def hyperparameter(self, name: str) -> float:
        return dict(self.hyperparameters)[name]


@dataclass(frozen=True)
class TrainingPlan:
    """A built model as plain data (see the module's docstring). parameter_count: the flat parameter
    buffer's length. seed: the model's. dropout_generator: the state of the generator the dropout
    masks come from when the plan was made, as nested (key, value) pairs of its
    `bit_generator.state` (`generator_state` turns it back into that dict); `Model` draws the masks
    and hands them to a compiled step as arrays."""

    dtype: str
    n_inputs: int
    n_outputs: int
    layers: tuple
    loss: LossPlan
    optimizer: OptimizerPlan
    parameter_count: int
    seed: int
    dropout_generator: tuple


def _pairs(state: dict) -> tuple:
    return tuple((key, _pairs(value) if isinstance(value, dict) else value) for key, value in state.items())


def generator_state(pairs: tuple) -> dict:
    """The `bit_generator.state` dict that `TrainingPlan.dropout_generator` holds as pairs."""
    return {key: generator_state(value) if isinstance(value, tuple) else value for key, value in pairs}


def optimizer_plan(optimizer) -> OptimizerPlan | None:
    """`optimizer` as plain data now, or None for an optimizer of a class the plan cannot name."""
    name = type(optimizer).__name__
    if OPTIMIZERS.get(name) is not type(optimizer):
        return None
    settings = optimizer.config()
    hyperparameters = tuple((key, float(value)) for key, value in settings.items()
                            if key not in ("type", "learning_rate", "decay"))
    return OptimizerPlan(name, hyperparameters, float(optimizer.learning_rate), float(optimizer.decay),
                         tuple(optimizer.state_names))


def _loss_plan(model) -> LossPlan | None:
    loss = model.loss
    if LOSSES.get(getattr(loss, "name", None)) is not type(loss):
        return None
    return LossPlan(loss.name, uses_fused_softmax_backward(model.layers, loss), loss.takes_classes)


def _layer_plans(model) -> tuple | None:
    plans, width, offset = [], model.n_inputs, 0
    for layer in model.layers:
        kind = LAYER_KINDS.get(type(layer))
        if kind is None:
            return None
        if kind == "dense":
            weights_at, offset = offset, offset + layer.n_inputs * layer.n_neurons
            biases_at, offset = (offset, offset + layer.n_neurons) if layer.bias else (-1, offset)
            biases = (layer.bias_l1, layer.bias_l2) if layer.bias else (0.0, 0.0)
            plans.append(LayerPlan(kind, layer.n_inputs, layer.n_neurons, weights_at, biases_at,
                                   float(layer.weight_l1), float(layer.weight_l2), *map(float, biases)))
            width = layer.n_neurons
        else:
            plans.append(LayerPlan(kind, width, width, rate=float(layer.rate) if kind == "dropout" else 0.0))
    return tuple(plans)


def training_plan(model) -> TrainingPlan | None:
    """The `TrainingPlan` of a built `Model`, or None when its layers, loss or optimizer are of a
    class the plan cannot name."""
    layers, loss, optimizer = _layer_plans(model), _loss_plan(model), optimizer_plan(model.optimizer)
    if layers is None or loss is None or optimizer is None:
        return None
    dropouts = [layer for layer in model.layers if isinstance(layer, Dropout)]
    state = _pairs(dropouts[0].rng.bit_generator.state) if dropouts else ()
    count = sum(int(np.prod(model.backend.shape(p))) for p in model.parameters())
    return TrainingPlan(model.dtype, model.n_inputs, model.n_outputs, layers, loss, optimizer, count, model.seed,
                        state)
