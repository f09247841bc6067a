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
from typing import NamedTuple

import numpy as np
from numba import njit, prange, set_num_threads

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
#: start in the flat parameter buffer (-1: no biases), and its activation.
N_INPUTS, N_NEURONS, WEIGHTS_AT, BIASES_AT, ACTIVATION = range(5)


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
        rows.append([dense.n_inputs, dense.n_neurons, weights_at, biases_at, activation])
        i += 2 if following in ACTIVATION_CODES else 1
    if rows[-1][ACTIVATION] != SOFTMAX or any(row[ACTIVATION] == SOFTMAX for row in rows[:-1]):
        return None
    return np.array(rows, dtype=np.int64)


class CompiledStep:
    """`Model.train_step` for one model, as one compiled call: `step(inputs, targets) -> (probs, loss)`.

    inputs is a native array, targets a 1-D integer ndarray of class indices. The probabilities
    returned are a view of a work buffer that the next step overwrites. `run_epoch` runs a whole
    epoch of mini-batches as one call."""

    def __init__(self, model, layout: np.ndarray):
        self.model = model
        self.layout = layout
        gemm.prepare(np.dtype(model.dtype))
        self._capacity = 0  # the largest batch the work buffers hold so far

    def _buffers_for(self, n_samples: int):
        """Work buffers for batches of up to n_samples rows (grown, never shrunk)."""
        if n_samples > self._capacity:
            widths = self.layout[:, N_NEURONS]
            widest = int(max(widths.max(), self.layout[:, N_INPUTS].max()))
            dtype = self.model.dtype
            self._work = np.empty(n_samples * int(widths.sum()), dtype=dtype)
            self._deltas = (np.empty(n_samples * widest, dtype=dtype), np.empty(n_samples * widest, dtype=dtype))
            self._capacity = n_samples
        return self._work, *self._deltas

    def _adam(self):
        model, optimizer = self.model, self.model.optimizer
        state = optimizer.states(model.backend, [model.parameter_buffer])[0]
        return (model.parameter_buffer, model.gradient_buffer, state["m"], state["v"])

    def __call__(self, inputs, targets):
        n_samples = inputs.shape[0]
        work, delta, delta_before = self._buffers_for(n_samples)
        optimizer = self.model.optimizer
        with _threads_for(self.layout, n_samples) as threads:
            loss = float(_softmax_cross_entropy_step(
                np.ascontiguousarray(inputs), np.asarray(targets, dtype=np.int64), *self._adam(), self.layout,
                work, delta, delta_before, optimizer.current_learning_rate, optimizer.beta1, optimizer.beta2,
                optimizer.epsilon, optimizer.iterations + 1, threads))
        optimizer.iterations += 1
        probs_at, n_classes = n_samples * int(self.layout[:-1, N_NEURONS].sum()), self.layout[-1, N_NEURONS]
        return work[probs_at:probs_at + n_samples * n_classes].reshape(n_samples, n_classes), loss

    def run_epoch(self, inputs, classes, order, batch_size, guard, first_step):
        """One epoch of mini-batches as one compiled call: the batches are rows `order[i:i + batch_size]`
        of the native `inputs` and int64 `classes`, the last batch keeps the remainder.

        Like `Model.fit`'s own loop, it keeps the parameters and Adam's state before each step in the
        divergence guard's two slots (`guard.slots()`; `first_step` counts fit's steps so far) and
        stops at the first step whose loss or parameters are not finite. Returns an `EpochResult`."""
        work, delta, delta_before = self._buffers_for(batch_size)
        optimizer = self.model.optimizer
        adam = self._adam()  # makes Adam's state on first use, before the guard copies it
        keeps = tuple(tuple(slot) for slot in guard.slots())
        batch_inputs = np.empty((batch_size, inputs.shape[1]), dtype=inputs.dtype)
        batch_classes = np.empty(batch_size, dtype=np.int64)
        iterations = optimizer.iterations
        with _threads_for(self.layout, batch_size) as threads:
            result = EpochResult(*_softmax_cross_entropy_epoch(
                inputs, classes, order, batch_size, batch_inputs, batch_classes, *adam, self.layout,
                work, delta, delta_before, optimizer.learning_rate, optimizer.decay, iterations,
                optimizer.beta1, optimizer.beta2, optimizer.epsilon, threads, keeps, first_step))
        guard.kept(first_step, result.steps + result.diverged, iterations)
        optimizer.iterations += result.steps + result.diverged
        return result


class EpochResult(NamedTuple):
    """What a compiled epoch reports: the sums `Model.fit` accumulates (Σ loss·rows, Σ accuracy·rows)
    over the finite steps, how many there were, and, when a step diverged (it is then the next one),
    its loss; last_loss is the last finite loss (nan when there was none)."""

    loss_sum: float
    correct_sum: float
    steps: int
    loss: float
    last_loss: float
    diverged: bool


class _threads_for:
    """A small step runs on one thread: waking the other for each parallel loop costs more than the
    loop itself. A context manager giving the thread count to use, restoring Numba's setting after."""

    def __init__(self, layout, n_samples):
        self.threads = gemm.thread_count()
        multiply_adds = 3 * n_samples * int((layout[:, N_INPUTS] * layout[:, N_NEURONS]).sum())
        self.single = self.threads > 1 and 2 * multiply_adds < gemm.PARALLEL_FLOPS

    def __enter__(self):
        if self.single:
            set_num_threads(1)
            return 1
        return self.threads

    def __exit__(self, *exc_info):
        if self.single:
            set_num_threads(self.threads)


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
    the table above. work: every layer's activated
    outputs, one after another. delta, delta_before: two buffers of n_samples x the widest layer that
    the backward pass swaps between layers (each layer's outputs start at n_samples times the widths of
    the layers before it, so buffers sized for a larger batch serve a smaller one). lr, beta1, beta2, eps, step: Adam's (step counts from 1).
    threads: for the products."""
    n_samples = inputs.shape[0]
    n_layers = layout.shape[0]
    dtype = parameters.dtype
    low, high = nb._clip_bounds(parameters)
    no_biases = np.zeros(layout[:, N_NEURONS].max(), dtype=dtype)
    outputs_at = np.zeros(n_layers, dtype=np.int64)  # where each layer's outputs start in `work`
    for layer in range(1, n_layers):
        outputs_at[layer] = outputs_at[layer - 1] + n_samples * layout[layer - 1, N_NEURONS]

    # forward: each layer's activated outputs stay in `work` for the backward pass
    layer_inputs = inputs
    for layer in range(n_layers):
        n_inputs, n_neurons = layout[layer, N_INPUTS], layout[layer, N_NEURONS]
        weights_at, biases_at = layout[layer, WEIGHTS_AT], layout[layer, BIASES_AT]
        weights = parameters[weights_at:weights_at + n_neurons * n_inputs].reshape((n_neurons, n_inputs))
        biases = parameters[biases_at:biases_at + n_neurons] if biases_at >= 0 else no_biases[:n_neurons]
        start = outputs_at[layer]
        outputs = work[start:start + n_samples * n_neurons].reshape((n_samples, n_neurons))
        activation = layout[layer, ACTIVATION]
        gemm.product(layer_inputs, weights, outputs, transpose_a=False, transpose_b=True, bias=biases,
                     relu=activation == RELU, threads=threads)  # ReLU fused
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
            before_at = outputs_at[layer - 1]
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


@njit(cache=True)
def _all_finite(x):
    bad = False
    for i in range(x.size):
        bad |= not abs(x[i]) < np.inf  # NaN compares false; an OR of booleans vectorizes
    return not bad


@njit(cache=True)
def _softmax_cross_entropy_epoch(inputs, classes, order, batch_size, batch_inputs, batch_classes, parameters,
                                 gradients, m, v, layout, work, delta, delta_before, learning_rate, decay,
                                 iterations, beta1, beta2, eps, threads, keeps, first_step):
    """One epoch of Adam steps over the mini-batches `order` picks; returns the fields of `EpochResult`,
    summed as `Model.fit` sums them, so the history matches the layer-by-layer path.

    inputs (n, n_inputs), classes (n,): the whole data set. order: a permutation of range(n).
    batch_inputs, batch_classes: buffers of batch_size rows the batches are gathered into. learning_rate,
    decay, iterations: the optimizer's (lr / (1 + decay·t) before each step, t counting steps from
    `iterations`). keeps: two slots of (parameters, m, v) copies; before fit's step number s the state
    is copied into slot s & 1, s counting from first_step. The rest as in `_softmax_cross_entropy_step`."""
    n_samples, n_features = inputs.shape
    n_classes = layout[-1, N_NEURONS]
    loss_sum, correct_sum, steps, last_loss = 0.0, 0.0, 0, np.nan
    for start in range(0, n_samples, batch_size):
        rows = min(batch_size, n_samples - start)
        for r in range(rows):
            sample = order[start + r]
            batch_classes[r] = classes[sample]
            for j in range(n_features):
                batch_inputs[r, j] = inputs[sample, j]
        keep = keeps[(first_step + steps) & 1]
        keep[0][:] = parameters
        keep[1][:] = m
        keep[2][:] = v
        lr = learning_rate / (1.0 + decay * (iterations + steps))
        loss = _softmax_cross_entropy_step(batch_inputs[:rows], batch_classes[:rows], parameters, gradients, m, v,
                                           layout, work, delta, delta_before, lr, beta1, beta2, eps,
                                           iterations + steps + 1, threads)
        if not (math.isfinite(loss) and _all_finite(parameters)):
            return loss_sum, correct_sum, steps, loss, last_loss, True
        steps += 1
        last_loss = loss
        # accuracy as the categorical loss counts it: the first largest probability is the prediction
        probs_at = rows * (layout[:, N_NEURONS].sum() - n_classes)
        probs = work[probs_at:probs_at + rows * n_classes].reshape((rows, n_classes))
        hits = 0
        for s in range(rows):
            best = 0
            for j in range(1, n_classes):
                if probs[s, j] > probs[s, best]:
                    best = j
            hits += best == batch_classes[s]
        loss_sum += loss * rows
        correct_sum += hits / rows * rows
    return loss_sum, correct_sum, steps, np.nan, last_loss, False
