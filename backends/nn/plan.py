"""A model as plain data: where its parameters sit, and the training plan a compiled step reads.

`parameter_slots(layers)` is the one description of a built model's parameters: each one's layer,
shape and place in the flat parameter buffer. `Model` computes it once when it is built and binds
its parameter views, counts and groups its parameters from it; `training_plan` reads the Dense
layers' offsets from it.

`training_plan(model)` describes a built model with frozen dataclasses of str, int, float, bool and
tuples of them, holding only what a backend's compiled step reads: the dtype, the layers in order
(kind, widths, where a Dense layer's weights and biases sit among the parameters, its
penalties, a Dropout's rate), the loss (with its fused softmax backward) and the optimizer (its
name and hyperparameters). It holds no layer, loss or optimizer object, so a backend's compiled
step needs nothing from `backends.nn`: the plan, and the arrays and numbers `Model` hands it with
each call (the decayed learning rate, the dropout masks), are everything it sees.

A model whose layers, loss or optimizer are of a class the plan cannot name (a subclass of a known
one included: it may compute something else) has no plan, and trains layer by layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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
    n_inputs, row-major) and biases sit among the parameters (see `TrainingPlan.flat`; biases_at -1:
    no biases) and its L1/L2 penalties; for Dropout: its rate."""

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
    """The optimizer by its class name (a key of `optim.OPTIMIZERS`) and its hyperparameters other
    than the learning rate and its decay, as (name, value) pairs in its constructor's order. (The
    schedule is `Model`'s: a compiled step is handed each step's decayed rate and update number.)"""

    name: str
    hyperparameters: tuple

    def hyperparameter(self, name: str) -> float:
        return dict(self.hyperparameters)[name]


@dataclass(frozen=True)
class TrainingPlan:
    """A built model as plain data (see the module's docstring). flat: True where the parameters sit
    in one flat buffer (a step is handed it, and a Dense layer's weights_at and biases_at are
    offsets in it); False where the backend's slices are not views of one array (JAX's): the step is
    handed a list of parameter arrays, and weights_at and biases_at are positions in that list."""

    dtype: str
    flat: bool
    layers: tuple
    loss: LossPlan
    optimizer: OptimizerPlan


@dataclass(frozen=True)
class ParameterSlot:
    """One parameter of a built model: the index of its layer in `Model.layers`, its shape, and
    where it starts in the flat parameter buffer."""

    layer: int
    shape: tuple
    offset: int

    @property
    def size(self) -> int:
        return math.prod(self.shape)


def parameter_slots(layers) -> tuple:
    """The `ParameterSlot` of every parameter of these built layers, in the order of
    `Model.parameters()`, packed one after another from offset 0."""
    slots, offset = [], 0
    for i, layer in enumerate(layers):
        for shape in layer.parameter_shapes():
            slots.append(ParameterSlot(i, tuple(shape), offset))
            offset += slots[-1].size
    return tuple(slots)


def by_layer(slots, arrays) -> dict:
    """{layer index: its arrays, in order} for arrays given one per slot."""
    grouped = {}
    for slot, array in zip(slots, arrays, strict=True):
        grouped.setdefault(slot.layer, []).append(array)
    return grouped


def optimizer_plan(optimizer) -> OptimizerPlan | None:
    """`optimizer` as plain data now, or None for an optimizer of a class the plan cannot name."""
    name = type(optimizer).__name__
    if OPTIMIZERS.get(name) is not type(optimizer):
        return None
    return OptimizerPlan(name, tuple((key, float(value)) for key, value in optimizer.config().items()
                                     if key not in ("type", "learning_rate", "decay")))


def _loss_plan(model) -> LossPlan | None:
    loss = model.loss
    if LOSSES.get(getattr(loss, "name", None)) is not type(loss):
        return None
    return LossPlan(loss.name, uses_fused_softmax_backward(model.layers, loss), loss.takes_classes)


def _layer_plans(model) -> tuple | None:
    flat = model.parameter_buffer is not None
    places = [slot.offset if flat else i for i, slot in enumerate(model.parameter_slots)]
    places = by_layer(model.parameter_slots, places)
    plans, width = [], model.n_inputs
    for i, layer in enumerate(model.layers):
        kind = LAYER_KINDS.get(type(layer))
        if kind is None:
            return None
        if kind == "dense":
            weights_at, biases_at = places[i] if layer.bias else (places[i][0], -1)
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
    return TrainingPlan(model.dtype, model.parameter_buffer is not None, layers, loss, optimizer)
