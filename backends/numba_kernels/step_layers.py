"""The layers of the compiled training step: the layout table that describes them, and what each does.

`layout_of(plan)` reads a training plan's layers into a `Network`: one row per Dense layer, giving
its widths, where its parameters sit in the flat parameter buffer, the activation after it and where
its Dropout sits, all as integer codes (and a float table of its L1/L2 penalties), so one compiled
step serves every arrangement. The kernels below are the pieces the step runs per layer, forward
and backward: activations, dropout masks, penalties, each with the arithmetic of the numba
backend's own kernel.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from .training_loops import regularization_backward, regularization_loss, softmax_backward
from .stable_formulas import sigmoid_of, softmax_row
from .step_losses import loss_code
from .step_updates import optimizing


#: Activation codes, as the compiled step reads them from the layout table, by the plan's layer kinds.
LINEAR, RELU, SIGMOID, TANH, SOFTMAX = 0, 1, 2, 3, 4
ACTIVATION_CODES = {"linear": LINEAR, "relu": RELU, "sigmoid": SIGMOID, "tanh": TANH, "softmax": SOFTMAX}
#: Where a layer's Dropout sits: none, between the Dense layer and its activation, or after the activation.
NO_DROPOUT, DROPOUT_BEFORE, DROPOUT_AFTER = 0, 1, 2

#: Columns of the layout table, one row per Dense layer: its widths, where its weights and biases
#: start in the flat parameter buffer (-1: no biases), its activation, its dropout, and where its
#: masks start in a step's masks, per sample (the widths of the dropouts before it).
N_INPUTS, N_NEURONS, WEIGHTS_AT, BIASES_AT, ACTIVATION, DROPOUT, MASKS_AT = range(7)
#: Columns of the penalties table, one row per Dense layer (zeros where it has none).
WEIGHT_L1, WEIGHT_L2, BIAS_L1, BIAS_L2 = range(4)


class Network(NamedTuple):
    """What the compiled step reads of a training plan: the layout table, the penalties, the loss's
    code, and whether a Dropout comes before the first Dense layer (its masks then come first in a
    step's)."""

    layout: np.ndarray
    penalties: np.ndarray
    loss: int
    drops_inputs: bool


def _arrangements() -> dict:
    """What may follow a Dense layer up to the next one -> [activation, dropout], a Dropout written None."""
    table = {(): [LINEAR, NO_DROPOUT], (None,): [LINEAR, DROPOUT_BEFORE]}
    for code in ACTIVATION_CODES.values():
        table |= {(code,): [code, NO_DROPOUT], (None, code): [code, DROPOUT_BEFORE],
                  (code, None): [code, DROPOUT_AFTER]}
    return table


ARRANGEMENTS = _arrangements()


def _row_of(after) -> list | None:
    """[activation, dropout] of a Dense layer followed by the layers `after` (up to the next Dense
    layer), or None for an arrangement the compiled step does not run."""
    kinds = tuple(None if layer.kind == "dropout" else ACTIVATION_CODES.get(layer.kind, -1) for layer in after)
    return ARRANGEMENTS.get(kinds)


def layout_of(plan) -> Network | None:
    """The `Network` of a training plan (`backends.nn.plan.TrainingPlan`), or None when the compiled
    step cannot run it.

    It runs: Dense layers (with any penalties), each followed by at most one ReLU, Sigmoid, Tanh,
    Softmax or Linear and at most one Dropout before or after it, and at most one Dropout before the
    first; any of the four losses; any of the four optimizers. Not: an activation before the first
    Dense layer, a Step layer, two activations or two Dropouts in a row, or a layer, loss or
    optimizer the plan does not name. A Dropout of rate 0 changes nothing and draws nothing: it is
    skipped."""
    loss = loss_code(plan.loss)
    if loss is None or optimizing(plan.optimizer) is None:
        return None
    layers = [layer for layer in plan.layers if not (layer.kind == "dropout" and layer.rate == 0.0)]
    starts = [i for i, layer in enumerate(layers) if layer.kind == "dense"]
    if not starts or _row_of(layers[:starts[0]]) not in ([LINEAR, NO_DROPOUT], [LINEAR, DROPOUT_BEFORE]):
        return None
    drops_inputs = starts[0] == 1
    rows, penalties, masks_at = [], [], layers[starts[0]].n_inputs if drops_inputs else 0
    for start, end in zip(starts, starts[1:] + [len(layers)]):
        dense, row = layers[start], _row_of(layers[start + 1:end])
        if row is None:
            return None
        rows.append([dense.n_inputs, dense.n_neurons, dense.weights_at, dense.biases_at, *row, masks_at])
        masks_at += dense.n_neurons if row[1] != NO_DROPOUT else 0
        penalties.append([dense.weight_l1, dense.weight_l2, dense.bias_l1, dense.bias_l2])
    return Network(np.array(rows, dtype=np.int64), np.array(penalties, dtype=np.float64), loss, drops_inputs)


@njit(cache=True)
def activate(outputs, activation):
    """outputs = the activation of outputs, in place (the step fuses a ReLU into the product instead,
    unless a Dropout comes between the two)."""
    n_samples, width = outputs.shape
    for s in range(n_samples):
        if activation == SOFTMAX:
            softmax_row(outputs, outputs, s)
        elif activation == RELU:
            for j in range(width):
                if not outputs[s, j] > 0.0:
                    outputs[s, j] = 0.0
        elif activation == SIGMOID:
            for j in range(width):
                outputs[s, j] = sigmoid_of(outputs[s, j])
        elif activation == TANH:
            for j in range(width):
                outputs[s, j] = math.tanh(outputs[s, j])


@njit(cache=True)
def activation_backward(gradient, outputs, activation):
    """gradient *= the activation's derivative, read off its outputs (in place; ReLU's outputs are
    positive exactly where its inputs are)."""
    n_samples, width = outputs.shape
    if activation == SOFTMAX:  # the numba backend's softmax backward, the full Jacobian-vector product
        gradient[:, :] = softmax_backward(gradient, outputs)
        return
    for s in range(n_samples):
        for j in range(width):
            a = outputs[s, j]
            if activation == RELU:
                if not a > 0.0:
                    gradient[s, j] = 0.0
            elif activation == SIGMOID:
                gradient[s, j] = gradient[s, j] * a * (1.0 - a)
            elif activation == TANH:
                gradient[s, j] = gradient[s, j] * (1.0 - a * a)


@njit(cache=True)
def drop(out, values, masks, at):
    """out = values · a step's mask that starts at masks[at] (Dropout's forward and backward)."""
    n_samples, width = out.shape
    for s in range(n_samples):
        for j in range(width):
            out[s, j] = values[s, j] * masks[at + s * width + j]


@njit(cache=True)
def penalties_loss(network, parameters):
    """The L1 and L2 penalties of every Dense layer's parameters, summed as `Model.regularization_loss` sums them."""
    layout, penalties = network.layout, network.penalties
    total = 0.0
    for layer in range(layout.shape[0]):
        penalty = 0.0
        weights_at, biases_at = layout[layer, WEIGHTS_AT], layout[layer, BIASES_AT]
        size = layout[layer, N_INPUTS] * layout[layer, N_NEURONS]
        l1, l2 = float(penalties[layer, WEIGHT_L1]), float(penalties[layer, WEIGHT_L2])  # as in `penalize`
        if l1 or l2:
            penalty += regularization_loss(parameters[weights_at:weights_at + size], l1, l2)
        l1, l2 = float(penalties[layer, BIAS_L1]), float(penalties[layer, BIAS_L2])
        if l1 or l2:
            penalty += regularization_loss(parameters[biases_at:biases_at + layout[layer, N_NEURONS]], l1, l2)
        total += penalty
    return total


@njit(cache=True)
def penalize(gradients, parameters, at, size, l1, l2):
    """Add a penalty's gradient to the gradients of parameters[at:at + size] (in place)."""
    l1, l2 = float(l1), float(l2)  # Python floats, as Dense passes them (see `step_updates.update`)
    if l1 or l2:
        gradients[at:at + size] = regularization_backward(gradients[at:at + size], parameters[at:at + size], l1, l2)
