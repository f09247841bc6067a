"""A whole training step of the numba backend, compiled as one call.

One call runs forward, loss, backward and the optimizer's update for a stack of Dense layers, each
followed by at most one activation and at most one Dropout (either side of it), over parameters kept
in one flat parameter buffer, with every intermediate array in work buffers allocated once per batch
size. Layers, loss, optimizer and penalties are read from runtime codes, so one compiled step per
dtype serves every model. It retraces the layer-by-layer path exactly (tests hold the two to 1e-9):
the same kernels in the same order, and the same dropout masks, which the caller draws and hands in.

This package sees training only through the training plan (`backends.nn.plan.TrainingPlan`, plain
data) and the arrays each call is given; it imports nothing of `backends.nn`. `Model` asks its
backend through the interface's optional hook (`Backend.compiled_training_step(plan)`), gets back a
`CompiledStep` or None, and drives it from `backends.nn.compiled`. Along the data flow, the layers
and their layout table live in `step_layers`, the losses in `step_losses`, the optimizer updates in
`step_updates`; here, the step and the mini-batches of an epoch.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from . import gemm, planner, products
from .step_layers import (ACTIVATION, BIAS_L1, BIAS_L2, BIASES_AT, DROPOUT, DROPOUT_AFTER, DROPOUT_BEFORE, MASKS_AT,
                          N_INPUTS, N_NEURONS, NO_DROPOUT, RELU, WEIGHT_L1, WEIGHT_L2, WEIGHTS_AT, Network, activate,
                          activation_backward, drop, layout_of, penalize, penalties_loss)
from .step_losses import SOFTMAX_CROSS_ENTROPY, loss_and_gradient
from .step_updates import Optimizing, Trainable, optimizing, update

#: At most this many mask values are drawn ahead for one compiled call of a mini-batch epoch.
MASK_BUDGET = 1 << 21
#: A call of full-batch epochs runs at most this many, and keeps at most OUTPUTS_BUDGET output
#: values: enough that fit's Python work per epoch is small beside a small network's step.
EPOCHS_PER_CALL, OUTPUTS_BUDGET = 64, 1 << 18


class Buffers(NamedTuple):
    """Work buffers for a batch size: every layer's activated outputs, one after another (layer l's
    start at n_samples times the widths before it, so buffers sized for a larger batch serve a smaller
    one); likewise the outputs after a Dropout that follows the activation (empty when none does); the
    inputs after a Dropout before the first Dense layer (empty when there is none); and two buffers of
    n_samples x the widest layer that the backward pass swaps between layers."""

    work: np.ndarray
    dropped: np.ndarray
    dropped_inputs: np.ndarray
    delta: np.ndarray
    delta_before: np.ndarray


class CompiledStep:
    """One model's training step as one compiled call, built from its training plan.

    `step(inputs, targets, arrays, masks, optimizer, learning_rate, step_number) -> (outputs, loss)`:
    inputs a native array; targets a 1-D integer ndarray of class indices where the plan's loss takes
    classes, else a native array of the outputs' shape; arrays the flat parameters, their gradients
    and the optimizer's state arrays in its own order (SGD's velocity; a cache; Adam's m, v),
    updated in place; masks the step's dropout masks (`mask_width` values per sample: each drawing
    Dropout's, in layer order); optimizer the plan's `OptimizerPlan` as it is now; learning_rate
    already decayed; step_number counting updates from 1. The outputs returned are a view of a work buffer that the next step
    overwrites. `epoch_runner` gives the compiled epochs of a fit, many steps per call."""

    def __init__(self, plan, network: Network):
        self.network = network
        self.layout = network.layout
        self.dtype = plan.dtype
        self.takes_classes = plan.loss.takes_classes
        #: Mask values per sample of one step: the widths of the Dropout layers that draw masks.
        self.mask_width = sum(layer.n_inputs for layer in plan.layers if layer.kind == "dropout" and layer.rate > 0.0)
        gemm.prepare(np.dtype(plan.dtype))
        self._capacity = 0  # the largest batch the work buffers hold so far
        self._threads: dict = {}  # batch size -> its `_threads_for`
        self._optimizer = self._optimizing = None  # the last OptimizerPlan, and what compiled code reads of it
        self._results = None  # (outputs, losses) of the epoch runners, grown as needed

    def _buffers_for(self, n_samples: int) -> Buffers:
        """Work buffers for batches of up to n_samples rows (grown, never shrunk)."""
        if n_samples > self._capacity:
            widths = self.layout[:, N_NEURONS]
            widest = int(max(widths.max(), self.layout[:, N_INPUTS].max()))
            dropped = (self.layout[:, DROPOUT] == DROPOUT_AFTER).any()
            dtype = self.dtype
            outputs = n_samples * int(widths.sum())
            deltas = (np.empty(n_samples * widest, dtype=dtype), np.empty(n_samples * widest, dtype=dtype))
            dropped_inputs = n_samples * int(self.layout[0, N_INPUTS]) if self.network.drops_inputs else 0
            self._buffers = Buffers(np.empty(outputs, dtype=dtype), np.empty(outputs if dropped else 0, dtype=dtype),
                                    np.empty(dropped_inputs, dtype=dtype), *deltas)
            self._capacity = n_samples
        return self._buffers

    def _results_for(self, samples: int, steps: int) -> tuple:
        """(outputs, losses): where an epoch runner's calls leave the outputs of up to `samples` samples
        and the losses of up to `steps` steps; kept from one fit to the next, so that a short fit does
        not pay for fresh pages (a new array this large is mapped anew, and faulted in on first write)."""
        n_outputs = int(self.layout[-1, N_NEURONS])
        if self._results is None or len(self._results[0]) < samples or len(self._results[1]) < steps:
            self._results = (np.empty((samples, n_outputs), dtype=self.dtype), np.empty(steps, dtype=np.float64))
        return self._results[0][:samples], self._results[1][:steps]

    def _trainable(self, arrays) -> Trainable:
        """The parameters, their gradients and the optimizer's state, padded to one signature."""
        return Trainable(*_padded(arrays, 4, self.dtype))

    def _targets(self, targets, dtype):
        """(class indices, float targets in dtype): the loss's kind of targets, and an empty array."""
        if self.takes_classes:
            return np.asarray(targets, dtype=np.int64), np.empty((0, self.layout[-1, N_NEURONS]), dtype=dtype)
        return np.empty(0, dtype=np.int64), np.ascontiguousarray(targets, dtype=dtype)

    def __call__(self, inputs, targets, arrays, masks, optimizer, learning_rate, step_number):
        n_samples = inputs.shape[0]
        classes, targets = self._targets(targets, self.dtype)
        if n_samples not in self._threads:
            self._threads[n_samples] = _threads_for(self.layout, n_samples, self.dtype)
        if optimizer != self._optimizer:
            self._optimizer, self._optimizing = optimizer, optimizing(optimizer)
        with self._threads[n_samples] as threads:
            loss, outputs = _train_step(np.ascontiguousarray(inputs), classes, targets, masks, self.network,
                                        self._trainable(arrays), self._buffers_for(n_samples), self._optimizing,
                                        learning_rate, step_number, threads)
        return outputs, float(loss)

    def samples_per_call(self, batch_size: int, n_samples: int) -> int:
        """How many samples one call of an `EpochRunner` should take: of mini-batches, a whole epoch,
        or with dropout as many whole batches as MASK_BUDGET mask values allow (at least one); of a
        full batch, as many epochs as EPOCHS_PER_CALL, OUTPUTS_BUDGET output values and MASK_BUDGET
        mask values allow (at least one)."""
        if batch_size < n_samples:
            return batch_size * max(1, MASK_BUDGET // (batch_size * self.mask_width)) if self.mask_width else n_samples
        epochs = min(EPOCHS_PER_CALL, OUTPUTS_BUDGET // (n_samples * int(self.layout[-1, N_NEURONS])))
        if self.mask_width:
            epochs = min(epochs, MASK_BUDGET // (n_samples * self.mask_width))
        return n_samples * max(1, epochs)

    def epoch_runner(self, inputs, targets, batch_size, optimizer) -> EpochRunner:
        """An `EpochRunner` for epochs over the native `inputs` and `targets` (int64 class indices or
        float64 rows, as `Model.fit` holds them) in mini-batches of batch_size (the whole set: a full
        batch), at the plan's optimizer `optimizer` (an `OptimizerPlan`)."""
        return EpochRunner(self, inputs, targets, batch_size, optimizing(optimizer))


class Epoch(NamedTuple):
    """What every call of one fit's compiled epochs reads: the data set (native inputs, and int64
    classes or float64 values, the other empty), buffers the batches are gathered into (inputs,
    classes, targets in the model's dtype), where each step's results go (`outputs`: the outputs of
    the epoch's steps, row after row in the epoch's order; `losses`: one per step), the batch size,
    and the step's own pieces (`Network`, `Buffers`, `Optimizing`, the threads for the products)."""

    inputs: np.ndarray
    classes: np.ndarray
    values: np.ndarray
    batch_inputs: np.ndarray
    batch_classes: np.ndarray
    batch_targets: np.ndarray
    outputs: np.ndarray
    losses: np.ndarray
    batch_size: int
    network: Network
    buffers: Buffers
    optimizer: Optimizing
    threads: int


class EpochRunner:
    """The mini-batches of a fit's epochs as compiled calls; `outputs` and `losses` hold what the
    last call's steps gave (see `Epoch`), for `Model` to count accuracy and sum losses by its rules."""

    def __init__(self, step: CompiledStep, inputs, targets, batch_size, optimizer):
        n_samples = len(inputs)
        classes, values = step._targets(targets, np.float64)
        dtype = step.dtype
        self._threads = _threads_for(step.layout, batch_size, dtype)
        samples = max(n_samples, step.samples_per_call(batch_size, n_samples)) if batch_size == n_samples else n_samples
        self.outputs, self.losses = step._results_for(samples, -(-samples // batch_size))
        self._epoch = Epoch(inputs, classes, values, np.empty((batch_size, inputs.shape[1]), dtype=inputs.dtype),
                            np.empty(batch_size if step.takes_classes else 0, dtype=np.int64),
                            np.empty((0 if step.takes_classes else batch_size, values.shape[1]), dtype=dtype),
                            self.outputs, self.losses, batch_size, step.network, step._buffers_for(batch_size),
                            optimizer, self._thread_count())
        self._step = step
        self._given: list = []

    def _thread_count(self) -> int:
        with self._threads as threads:
            return threads

    def __call__(self, order, start, stop, arrays, keeps, masks, learning_rates, iterations):
        """Run the epoch's steps on the batches that begin in order[start:stop] (start a multiple of
        the batch size; batches are rows order[i:i + batch_size], the last one keeps the remainder;
        for a full batch, order may repeat the data's rows for several epochs, one step each),
        stopping at the first whose loss or parameters are not finite; returns (the finite steps
        run, whether the next one diverged).

        arrays: the flat parameters, gradients and optimizer state arrays, updated in place. keeps:
        the guard's two slots of copies [parameters, *state arrays]: before the epoch's step k the
        arrays are copied into keeps[0] for even k, keeps[1] for odd k. masks: these
        steps' dropout masks, one step's after another. learning_rates[k]: the rate of the epoch's
        step k, whose update is number iterations + k + 1. Step k's loss goes to losses[k], its
        outputs to outputs[k * batch_size:]."""
        trainable, keeps = self._bound(arrays, keeps)
        with self._threads:
            return _train_epoch(self._epoch, trainable, keeps, masks, order, start, stop, learning_rates, iterations)

    def _bound(self, arrays, keeps) -> tuple:
        """(`Trainable`, the padded slots) for these arrays, made again only when one of them changed
        (a fit hands the same ones every epoch, until the optimizer makes its state)."""
        given = [*arrays, *keeps[0], *keeps[1]]
        if len(given) != len(self._given) or any(a is not b for a, b in zip(given, self._given)):
            self._given = given  # held, so no id is reused while compared
            self._arrays = (self._step._trainable(arrays),
                            tuple(tuple(_padded(slot, 3, self._step.dtype)) for slot in keeps))
        return self._arrays


def _padded(arrays, length, dtype) -> list:
    """arrays followed by empty arrays up to length: one compiled signature for every optimizer."""
    return list(arrays) + [np.empty(0, dtype=dtype)] * (length - len(arrays))


class _threads_for:
    """A small step runs on one thread: waking the other for each parallel loop costs more than the
    loop itself. From how many flops a step keeps every thread is measured on this CPU by the GEMM
    planner (`planner.step_parallel_flops`: the wisdom's, else the rule's). A context manager giving
    the thread count to use, restoring Numba's setting after."""

    def __init__(self, layout, n_samples, model_dtype):
        self.threads = gemm.thread_count()
        multiply_adds = 3 * n_samples * int((layout[:, N_INPUTS] * layout[:, N_NEURONS]).sum())
        self.single = self.threads > 1 and 2 * multiply_adds < planner.step_parallel_flops(model_dtype)

    def __enter__(self):
        if self.single:
            gemm.set_thread_count(1)
            return 1
        return self.threads

    def __exit__(self, *exc_info):
        if self.single:
            gemm.set_thread_count(self.threads)


def compiled_training_step(plan) -> CompiledStep | None:
    """The numba backend's answer to the interface's hook: a `CompiledStep` for a training plan, or None."""
    network = layout_of(plan)
    return None if network is None else CompiledStep(plan, network)


# ---------------------------------------------------------------- the compiled step
@njit(cache=True, inline="always")
def _block(flat, at, n_rows, n_columns):
    return flat[at:at + n_rows * n_columns].reshape((n_rows, n_columns))


@njit(cache=True, inline="always")
def _outputs_of(flat, layout, layer, n_samples):
    """Layer `layer`'s outputs in a buffer that holds every layer's, one after another."""
    return _block(flat, n_samples * layout[:layer, N_NEURONS].sum(), n_samples, layout[layer, N_NEURONS])


@njit(cache=True, inline="always")
def _passed_on(layout, buffers, layer, n_samples):
    """The outputs layer `layer` passes to the next: activated, and dropped where a Dropout follows."""
    flat = buffers.dropped if layout[layer, DROPOUT] == DROPOUT_AFTER else buffers.work
    return _outputs_of(flat, layout, layer, n_samples)


@njit(cache=True, inline="always")
def _relu_fused(layout, layer):
    """Whether the backward of layer `layer` applies the ReLU backward of the layer below it with its
    input gradient, in the same pass where a thin loop computes that, else right after the GEMM (a
    ReLU with no Dropout after it: its outputs are what it passed on)."""
    return 0 < layer < layout.shape[0] and layout[layer - 1, ACTIVATION] == RELU and layout[layer - 1, DROPOUT] == NO_DROPOUT


@njit(cache=True)
def _train_step(batch_inputs, classes, targets, masks, network, trainable, buffers, optimizer, lr, step, threads):
    """One step: forward, loss, backward, update; returns (the loss with penalties, the outputs).

    batch_inputs (n_samples, n_inputs), and classes (n_samples,) or targets (n_samples, n_outputs)
    as the loss takes them: the batch. masks: the step's dropout masks, layer after layer (see MASKS_AT).
    network: the model (layout, penalties, loss code). trainable: the flat buffers updated in place.
    buffers: `Buffers`. optimizer: `Optimizing`, at learning rate lr, step counting from 1. threads:
    for the products. The outputs are a view of a work buffer."""
    layout = network.layout
    n_samples, n_layers = batch_inputs.shape[0], layout.shape[0]
    parameters, gradients = trainable.parameters, trainable.gradients
    no_biases = np.zeros(layout[:, N_NEURONS].max(), dtype=parameters.dtype)

    # forward: each layer's activated (and dropped) outputs stay in the buffers for the backward pass
    inputs = batch_inputs  # the first layer's: the batch, or what a Dropout before it passes on
    if network.drops_inputs:
        inputs = _block(buffers.dropped_inputs, 0, n_samples, batch_inputs.shape[1])
        drop(inputs, batch_inputs, masks, 0)
    layer_inputs = inputs
    for layer in range(n_layers):
        n_inputs, n_neurons = layout[layer, N_INPUTS], layout[layer, N_NEURONS]
        biases_at, activation, dropout = layout[layer, BIASES_AT], layout[layer, ACTIVATION], layout[layer, DROPOUT]
        weights = _block(parameters, layout[layer, WEIGHTS_AT], n_neurons, n_inputs)
        biases = parameters[biases_at:biases_at + n_neurons] if biases_at >= 0 else no_biases[:n_neurons]
        outputs = _outputs_of(buffers.work, layout, layer, n_samples)
        fuse_relu = activation == RELU and dropout != DROPOUT_BEFORE
        products.dense_forward_into(layer_inputs, weights, biases, outputs, fuse_relu, threads)
        if dropout == DROPOUT_BEFORE:
            drop(outputs, outputs, masks, n_samples * layout[layer, MASKS_AT])
        if not fuse_relu:
            activate(outputs, activation)
        layer_inputs = _passed_on(layout, buffers, layer, n_samples)
        if dropout == DROPOUT_AFTER:
            drop(layer_inputs, outputs, masks, n_samples * layout[layer, MASKS_AT])

    outputs = layer_inputs
    loss, gradient = loss_and_gradient(network.loss, outputs, classes, targets)
    loss += penalties_loss(network, parameters)  # of the parameters before the update, as Model.train_step

    # backward, from the loss's gradient (for softmax + cross-entropy: with respect to the last logits)
    delta, delta_before = buffers.delta, buffers.delta_before
    for layer in range(n_layers - 1, -1, -1):
        n_inputs, n_neurons = layout[layer, N_INPUTS], layout[layer, N_NEURONS]
        weights_at, biases_at = layout[layer, WEIGHTS_AT], layout[layer, BIASES_AT]
        dropout, masks_at = layout[layer, DROPOUT], n_samples * layout[layer, MASKS_AT]
        if dropout == DROPOUT_AFTER:
            drop(gradient, gradient, masks, masks_at)
        if not (layer == n_layers - 1 and network.loss == SOFTMAX_CROSS_ENTROPY or _relu_fused(layout, layer + 1)):
            activated = _outputs_of(buffers.work, layout, layer, n_samples)
            activation_backward(gradient, activated, layout[layer, ACTIVATION])
        if dropout == DROPOUT_BEFORE:
            drop(gradient, gradient, masks, masks_at)
        weights = _block(parameters, weights_at, n_neurons, n_inputs)
        dweights = _block(gradients, weights_at, n_neurons, n_inputs)
        dbiases = gradients[biases_at:biases_at + n_neurons] if biases_at >= 0 else no_biases[:n_neurons]
        layer_inputs = _passed_on(layout, buffers, layer - 1, n_samples) if layer > 0 else inputs
        rows = n_samples if layer > 0 else 0  # the first layer's dinputs are not needed
        dinputs = delta_before[:rows * n_inputs].reshape((rows, n_inputs))
        gate = layer_inputs if layer > 0 and _relu_fused(layout, layer) else layer_inputs[:0]
        gated = products.dense_backward_into(gradient, layer_inputs, weights, dinputs, dweights, dbiases, layer > 0,
                                             gate, threads)
        if gate.size and not gated:  # the GEMM computed dinputs: the ReLU below is applied here, once
            activation_backward(dinputs, gate, RELU)
        if biases_at < 0:
            no_biases[:] = 0.0
        penalties = network.penalties[layer]
        penalize(gradients, parameters, weights_at, n_inputs * n_neurons, penalties[WEIGHT_L1], penalties[WEIGHT_L2])
        penalize(gradients, parameters, biases_at, n_neurons, penalties[BIAS_L1], penalties[BIAS_L2])
        delta, delta_before = delta_before, delta
        gradient = dinputs

    update(optimizer, trainable, lr, step)  # every parameter at once
    return loss, outputs


@njit(cache=True)
def _all_finite(x):
    bad = False
    for i in range(x.size):
        bad |= not abs(x[i]) < np.inf  # NaN compares false; an OR of booleans vectorizes
    return not bad


@njit(cache=True)
def _train_epoch(epoch, trainable, keeps, masks, order, start, stop, learning_rates, iterations):
    """The steps of `EpochRunner.__call__` (its arguments, with `epoch` the fit's `Epoch`): gather
    each batch, keep the arrays in the guard's slot, step, and stop at the first step whose loss or
    parameters are not finite. Returns (finite steps, diverged)."""
    n_features, batch_size = epoch.inputs.shape[1], epoch.batch_size
    mask_width = masks.size // (stop - start)  # per sample
    first = start // batch_size  # the epoch's step number of this call's first step
    for begin in range(start, stop, batch_size):
        k = begin // batch_size
        rows = min(batch_size, stop - begin)
        samples = order[begin:begin + rows]
        for r in range(rows):
            for j in range(n_features):
                epoch.batch_inputs[r, j] = epoch.inputs[samples[r], j]
            if epoch.classes.size:
                epoch.batch_classes[r] = epoch.classes[samples[r]]
            else:
                for j in range(epoch.values.shape[1]):
                    epoch.batch_targets[r, j] = epoch.values[samples[r], j]
        keep = keeps[k & 1]
        keep[0][:] = trainable.parameters
        keep[1][:] = trainable.state
        keep[2][:] = trainable.second_state
        loss, outputs = _train_step(epoch.batch_inputs[:rows], epoch.batch_classes[:rows], epoch.batch_targets[:rows],
                                    masks[(begin - start) * mask_width:], epoch.network, trainable, epoch.buffers,
                                    epoch.optimizer, learning_rates[k], iterations + k + 1, epoch.threads)
        epoch.losses[k] = loss
        if not (math.isfinite(loss) and _all_finite(trainable.parameters)):
            return k - first, True
        epoch.outputs[begin:begin + rows] = outputs
    return (stop - start + batch_size - 1) // batch_size, False
