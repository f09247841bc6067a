"""A whole training step of the numba backend, compiled as one call.

One call runs forward, softmax + cross-entropy, backward and Adam for a stack of Dense layers, each
followed by at most one activation, over parameters kept in `Model`'s one flat parameter buffer, with
every intermediate array in work buffers allocated once per batch size. It retraces the layer-by-layer
path exactly (a test holds the two to 1e-9): the same products, the same fused ReLU, the same Adam.

`Model` never sees any of this: it asks its backend through the interface's optional hook
(`Backend.compiled_training_step(model)`), gets back a `CompiledStep` or None, and calls it like its
own `train_step`. The layout table that describes the layers to the compiled code is private here.
"""

from __future__ import annotations

import math

import numpy as np
from numba import get_num_threads, njit, prange, set_num_threads

from .. import numba_backend as nb
from ..nn.layers import Dense, Linear, ReLU, Sigmoid, Softmax, Tanh
from ..nn.losses import CategoricalCrossEntropy
from ..nn.optim import Adam
from . import gemm

_adam_update = nb.adam_update.kernel  # the compiled kernel behind the adapter (over flat arrays)

#: Activation codes, as the compiled step reads them from the layout table.
LINEAR, RELU, SIGMOID, TANH, SOFTMAX = 0, 1, 2, 3, 4
ACTIVATION_CODES = {Linear: LINEAR, ReLU: RELU, Sigmoid: SIGMOID, Tanh: TANH, Softmax: SOFTMAX}

#: Columns of the layout table, one row per Dense layer: its widths, where its weights and biases
#: start in the flat parameter buffer (-1: no biases), its activation, where its outputs start in `work`.
N_INPUTS, N_NEURONS, WEIGHTS_AT, BIASES_AT, ACTIVATION, OUTPUTS_AT = range(6)


def layout_of(model) -> np.ndarray | None:
    """The layout table of `model`, or None when the compiled step cannot run it.

    It runs: Dense layers without penalties, each followed by at most one ReLU, Sigmoid, Tanh or
    Linear; a Softmax after the last one and none before; categorical cross-entropy; Adam; parameters
    in one flat buffer."""
    if model.parameter_buffer is None or type(model.optimizer) is not Adam:
        return None
    if not isinstance(model.loss, CategoricalCrossEntropy):
        return None
    rows, offset, i, layers = [], 0, 0, model.layers
    while i < len(layers):
        dense = layers[i]
        if not isinstance(dense, Dense) or dense.weight_l1 or dense.weight_l2 or dense.bias_l1 or dense.bias_l2:
            return None
        following = type(layers[i + 1]) if i + 1 < len(layers) else None
        activation = ACTIVATION_CODES.get(following, LINEAR)
        weights_at = offset
        offset += dense.n_inputs * dense.n_neurons
        biases_at = offset if dense.bias else -1
        offset += dense.n_neurons if dense.bias else 0
        rows.append([dense.n_inputs, dense.n_neurons, weights_at, biases_at, activation, 0])
        i += 2 if following in ACTIVATION_CODES else 1
    if rows[-1][ACTIVATION] != SOFTMAX or any(row[ACTIVATION] == SOFTMAX for row in rows[:-1]):
        return None
    return np.array(rows, dtype=np.int64)


class CompiledStep:
    """`Model.train_step` for one model, as one compiled call: `step(inputs, targets) -> (probs, loss)`.

    inputs is a native array, targets a 1-D integer ndarray of class indices. The probabilities
    returned are a view of a work buffer that the next step overwrites."""

    def __init__(self, model, layout: np.ndarray):
        self.model = model
        self.layout = layout
        self._buffers: dict[int, tuple] = {}  # per batch size: layout with output offsets, work buffers

    def _buffers_for(self, n_samples: int):
        if n_samples not in self._buffers:
            layout = self.layout.copy()
            widths = layout[:, N_NEURONS]
            layout[:, OUTPUTS_AT] = np.concatenate([[0], np.cumsum(widths[:-1])]) * n_samples
            widest = int(max(widths.max(), layout[1:, N_INPUTS].max() if len(layout) > 1 else 0))
            dtype = self.model.dtype
            self._buffers[n_samples] = (layout, np.empty(n_samples * int(widths.sum()), dtype=dtype),
                                        np.empty(n_samples * widest, dtype=dtype),
                                        np.empty(n_samples * widest, dtype=dtype))
        return self._buffers[n_samples]

    def __call__(self, inputs, targets):
        n_samples = inputs.shape[0]
        layout, work, delta, delta_before = self._buffers_for(n_samples)
        model, optimizer = self.model, self.model.optimizer
        state = optimizer.states(model.backend, [model.parameter_buffer])[0]
        loss = softmax_cross_entropy_adam_step(
            inputs, targets, model.parameter_buffer, model.gradient_buffer, state["m"], state["v"], layout, work,
            delta, delta_before, optimizer.current_learning_rate, optimizer.beta1, optimizer.beta2,
            optimizer.epsilon, optimizer.iterations + 1)
        optimizer.iterations += 1
        probs_at, n_classes = layout[-1, OUTPUTS_AT], layout[-1, N_NEURONS]
        return work[probs_at:probs_at + n_samples * n_classes].reshape(n_samples, n_classes), loss


def compiled_training_step(model) -> CompiledStep | None:
    """The numba backend's answer to the interface's hook: a `CompiledStep` for `model`, or None."""
    layout = layout_of(model)
    return None if layout is None else CompiledStep(model, layout)


@njit(cache=True, parallel=True)
def _activate(outputs, activation):
    n_samples, width = outputs.shape
    for s in prange(n_samples):
        if activation == SOFTMAX:
            nb._softmax_row(outputs, outputs, s)
        elif activation == RELU:
            for j in range(width):
                if not outputs[s, j] > 0.0:
                    outputs[s, j] = 0.0
        elif activation == SIGMOID:
            for j in range(width):
                outputs[s, j] = nb._sigmoid_of(outputs[s, j])
        elif activation == TANH:
            for j in range(width):
                outputs[s, j] = math.tanh(outputs[s, j])


@njit(cache=True, parallel=True)
def _activation_backward(gradient, outputs, activation):
    """gradient *= the activation's derivative, read off its outputs (in place)."""
    n_samples, width = outputs.shape
    for s in prange(n_samples):
        for j in range(width):
            a = outputs[s, j]
            if activation == RELU:
                if not a > 0.0:
                    gradient[s, j] = 0.0
            elif activation == SIGMOID:
                gradient[s, j] = gradient[s, j] * a * (1.0 - a)
            elif activation == TANH:
                gradient[s, j] = gradient[s, j] * (1.0 - a * a)


@njit(cache=True, parallel=True)
def _softmax_cross_entropy_step(inputs, classes, parameters, gradients, m, v, layout, work, delta, delta_before,
                                lr, beta1, beta2, eps, step, threads):
    """One Adam step; returns the mean loss.

    inputs (n_samples, n_inputs) and classes (n_samples,): the batch. parameters, gradients, m, v:
    flat buffers of every parameter, their gradients and Adam's moments, updated in place. layout:
    the table above, with OUTPUTS_AT filled in for this batch size. work: every layer's activated
    outputs, one after another. delta, delta_before: two buffers of n_samples x the widest layer that
    the backward pass swaps between layers. lr, beta1, beta2, eps, step: Adam's (step counts from 1).
    threads: for the products."""
    n_samples = inputs.shape[0]
    n_layers = layout.shape[0]
    dtype = parameters.dtype
    low, high = nb._clip_bounds(parameters)
    no_biases = np.zeros(layout[:, N_NEURONS].max(), dtype=dtype)

    # forward: each layer's activated outputs stay in `work` for the backward pass
    layer_inputs = inputs
    for layer in range(n_layers):
        n_inputs, n_neurons = layout[layer, N_INPUTS], layout[layer, N_NEURONS]
        weights_at, biases_at = layout[layer, WEIGHTS_AT], layout[layer, BIASES_AT]
        weights = parameters[weights_at:weights_at + n_neurons * n_inputs].reshape((n_neurons, n_inputs))
        biases = parameters[biases_at:biases_at + n_neurons] if biases_at >= 0 else no_biases[:n_neurons]
        outputs_at = layout[layer, OUTPUTS_AT]
        outputs = work[outputs_at:outputs_at + n_samples * n_neurons].reshape((n_samples, n_neurons))
        activation = layout[layer, ACTIVATION]
        nb._dense_forward_into(layer_inputs, weights, biases, outputs, activation == RELU, threads)  # ReLU fused
        if activation != RELU:
            _activate(outputs, activation)
        layer_inputs = outputs

    # loss, and its gradient with respect to the last layer's logits: (probs - onehot) / n
    probs = layer_inputs
    n_classes = probs.shape[1]
    gradient = delta[:n_samples * n_classes].reshape((n_samples, n_classes))
    loss = 0.0
    for s in range(n_samples):
        loss -= math.log(min(max(probs[s, classes[s]], low), high))
        for j in range(n_classes):
            gradient[s, j] = probs[s, j] / n_samples
        gradient[s, classes[s]] = (probs[s, classes[s]] - 1.0) / n_samples
    loss /= n_samples

    # backward
    for layer in range(n_layers - 1, -1, -1):
        n_inputs, n_neurons = layout[layer, N_INPUTS], layout[layer, N_NEURONS]
        weights_at, biases_at = layout[layer, WEIGHTS_AT], layout[layer, BIASES_AT]
        weights = parameters[weights_at:weights_at + n_neurons * n_inputs].reshape((n_neurons, n_inputs))
        dweights = gradients[weights_at:weights_at + n_neurons * n_inputs].reshape((n_neurons, n_inputs))
        dbiases = gradients[biases_at:biases_at + n_neurons] if biases_at >= 0 else no_biases[:n_neurons]
        if layer > 0:
            before_at = layout[layer - 1, OUTPUTS_AT]
            layer_inputs = work[before_at:before_at + n_samples * n_inputs].reshape((n_samples, n_inputs))
        else:
            layer_inputs = inputs
        rows = n_samples if layer > 0 else 0  # the first layer's dinputs are not needed
        dinputs = delta_before[:rows * n_inputs].reshape((rows, n_inputs))
        nb._dense_backward_into(gradient, layer_inputs, weights, dinputs, dweights, dbiases, layer > 0, threads)
        if biases_at < 0:
            no_biases[:] = 0.0
        if layer > 0:
            _activation_backward(dinputs, layer_inputs, layout[layer - 1, ACTIVATION])
            delta, delta_before = delta_before, delta
            gradient = dinputs

    _adam_update(parameters, gradients, lr, m, v, beta1, beta2, eps, step)  # every parameter at once
    return loss


def softmax_cross_entropy_adam_step(inputs, classes, parameters, gradients, m, v, layout, work, delta,
                                    delta_before, lr, beta1, beta2, eps, step):
    """One Adam step of a Dense stack ending in softmax + categorical cross-entropy; returns the loss.

    Updates parameters, gradients, m and v in place; the last layer's probabilities are left in
    `work` at layout[-1, OUTPUTS_AT]. Arguments are trusted: `CompiledStep` builds them once."""
    arguments = (np.ascontiguousarray(inputs), np.asarray(classes, dtype=np.int64), parameters, gradients, m, v,
                 layout, work, delta, delta_before, lr, beta1, beta2, eps, step)
    threads = get_num_threads()
    multiply_adds = 3 * inputs.shape[0] * int((layout[:, N_INPUTS] * layout[:, N_NEURONS]).sum())
    if threads == 1 or 2 * multiply_adds >= gemm.PARALLEL_FLOPS:
        return float(_softmax_cross_entropy_step(*arguments, threads))
    # a small step: waking the other thread for each parallel loop costs more than the loop itself
    set_num_threads(1)
    try:
        return float(_softmax_cross_entropy_step(*arguments, 1))
    finally:
        set_num_threads(threads)
