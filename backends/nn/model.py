"""`Model`: a stack of layers trained with a loss and an optimizer, on any backend.

Data comes in as NumPy arrays (or nested lists) and is checked once, when `fit`, `evaluate` or
`predict` receives it; batches are converted to the backend's native arrays with `asarray`; every
step after that is backend operations only, so the same model trains identically on `python`,
`numpy` and `numba` from the same seed.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import saving
from .compiled import CompiledTraining
from .divergence import KeptByCompiledEpochs, LastFiniteSteps, diverged
from .epochs import progress_bar, step_by_step
from .layers import Dense, Dropout, Layer
from .losses import Loss, MeanSquaredError, get_loss, uses_fused_softmax_backward
from .optim import Adam, Optimizer
from .plan import by_layer, parameter_slots, training_plan
from ..registry import get_backend
from ..validation import (InvalidInputError, InvalidTypeError, TypedArrays, check_array_like, dtype_name, positive_int,
                          to_numpy)


def _view(flat, offset: int, size: int, shape: tuple):
    """flat[offset:offset + size] reshaped to `shape`, or None when that is not a view of flat.

    Nothing is required of a plug-in's arrays here: one that cannot be sliced, reshaped or read
    through DLPack, or whose slices are copies (JAX's), gets None, and the model keeps one array per
    parameter."""
    if isinstance(flat, np.ndarray):
        return flat[offset:offset + size].reshape(shape)
    try:
        part = flat[offset:offset + size]
        namespace = getattr(part, "__array_namespace__", None)
        view = namespace().reshape(part, shape) if namespace is not None else part.reshape(shape)
        shared = np.shares_memory(np.from_dlpack(view), np.from_dlpack(flat))
    except (TypeError, AttributeError, RuntimeError, BufferError, ValueError, IndexError):
        return None
    return view if shared else None


def _writable(view, values) -> bool:
    """Write values into a view of the flat buffer; False where the array library refuses."""
    try:
        view[...] = values
    except (TypeError, AttributeError, RuntimeError, BufferError, ValueError, IndexError):
        return False
    return True


class Model:
    """A feed-forward network.

        model = Model([Dense(2, 64), ReLU(), Dense(64, 3), Softmax()],
                      loss="categorical_cross_entropy", optimizer=Adam(0.05, decay=5e-7),
                      backend="numba", seed=0)
        history = model.fit(X, y, epochs=10_000, validation_data=(X_val, y_val))

    The seed fixes everything random: initial weights, dropout masks and the order of mini-batches,
    identically on every backend. `accuracy_tolerance` sets how close a regression prediction must
    be to count as accurate (default: the targets' standard deviation / 250). Where the backend
    compiles whole training steps (numba) and can compile this model's, `train_step` runs as one
    compiled call; `compile_step=False` runs the same model layer by layer instead, step for step
    the same arithmetic, for tests and for teaching."""

    def __init__(self, layers: list[Layer], loss: str | Loss = "categorical_cross_entropy",
                 optimizer: Optimizer | None = None, backend=None, seed: int = 0, dtype: str = "float64",
                 accuracy_tolerance: float | None = None, compile_step: bool = True):
        self.backend = get_backend(backend)
        self.dtype = dtype_name("Model", dtype, self.backend.dtypes) or "float64"
        self.layers = list(layers)
        self.loss = get_loss(loss)
        self.optimizer = optimizer if optimizer is not None else Adam()
        if not isinstance(self.optimizer, Optimizer):
            raise InvalidTypeError(f"Model: optimizer must be an SGD, Adagrad, RMSprop or Adam; "
                                   f"got optimizer={self.optimizer!r}")
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
            raise InvalidInputError(f"Model: seed must be a non-negative integer; got seed={seed!r}")
        self.seed = int(seed)
        self.accuracy_tolerance = accuracy_tolerance
        self.n_inputs, self.n_outputs = self._check_architecture()
        init_rng, dropout_rng, self._shuffle_rng = (
            np.random.default_rng(s) for s in np.random.SeedSequence(self.seed).spawn(3))
        for layer in self.layers:
            layer.build(self.backend, self.dtype, dropout_rng if isinstance(layer, Dropout) else init_rng)
        #: Every parameter's layer, shape and place in the flat buffer (`backends.nn.plan.ParameterSlot`).
        self.parameter_slots = parameter_slots(self.layers)
        self._fused_backward = uses_fused_softmax_backward(self.layers, self.loss)
        # Backward stops at the first Dense layer: no layer before it has parameters to learn.
        first_dense = next(i for i, layer in enumerate(self.layers) if isinstance(layer, Dense))
        self.layers[first_dense].need_dinputs = False
        last = len(self.layers) - 1 if self._fused_backward else len(self.layers)
        self._backward_layers = self.layers[first_dense:last][::-1]
        #: One flat native array holding every parameter (the layers keep views of it) and one for
        #: their gradients, or None on a backend whose arrays cannot share memory (python, or a
        #: plug-in whose slices are copies).
        self.parameter_buffer, self.gradient_buffer, self._gradient_views = self._flatten_parameters()
        #: The model as plain data (`backends.nn.plan.TrainingPlan`), or None for layers, a loss or an
        #: optimizer of a class the plan cannot name: what a backend's compiled step is built from.
        self.plan = training_plan(self)
        #: The backend's compiled whole training step for this model (`CompiledTraining`), or None:
        #: then every step runs layer by layer (see `Backend.compiled_training_step`). Asked only
        #: with a plan; the plan says whether the step is handed a flat buffer or a list of arrays.
        step = None
        if compile_step and self.plan is not None:
            step = self.backend.compiled_training_step(self.plan)
        self.compiled_step = None if step is None else CompiledTraining(self, step)

    def _flatten_parameters(self):
        """Put every parameter in one flat buffer (the layers keep views of it), so the optimizer
        updates them all in one call per step: on ndarrays, and on a plug-in's arrays where slices
        and reshapes of one array are views of it (torch tensors, array_api_strict arrays: checked
        through DLPack). Not on lists, which cannot share memory."""
        parameters = self.parameters()
        if not parameters:
            return None, None, None
        if all(isinstance(p, np.ndarray) for p in parameters):
            flat = np.empty(self.parameter_count, dtype=parameters[0].dtype)
            gradients = np.zeros_like(flat)
        elif isinstance(self.backend.arrays, TypedArrays):
            flat = self.backend.kernels.asarray(np.zeros(self.parameter_count), self.dtype)
            gradients = self.backend.kernels.asarray(np.zeros(self.parameter_count), self.dtype)
        else:
            return None, None, None
        views, gradient_views = self._views_of(flat), self._views_of(gradients)
        if views is None or gradient_views is None or not all(map(_writable, views, parameters)):
            return None, None, None  # this array library copies on slicing: one array per parameter
        self._bind(views)
        return flat, gradients, gradient_views

    def _views_of(self, flat) -> list | None:
        """Each parameter's view of a flat buffer, or None when the array library's slices are not views."""
        views = [_view(flat, slot.offset, slot.size, slot.shape) for slot in self.parameter_slots]
        return None if any(view is None for view in views) else views

    def _check_architecture(self):
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, Layer):
                raise InvalidTypeError(f"Model: every layer must be a Layer (Dense, ReLU, ...); "
                                       f"got layers[{i}]={layer!r}")
        dense = [(i, layer) for i, layer in enumerate(self.layers) if isinstance(layer, Dense)]
        if not dense:
            raise InvalidInputError(f"Model: a model needs at least one Dense layer; got layers={self.layers!r}")
        for (_, before), (i, after) in zip(dense, dense[1:]):
            if after.n_inputs != before.n_neurons:
                raise InvalidInputError(
                    f"Model: layers[{i}] takes {after.n_inputs} inputs but the Dense layer before it gives "
                    f"{before.n_neurons}; got layers[{i}]={after!r}")
        return dense[0][1].n_inputs, dense[-1][1].n_neurons

    # ---------------------------------------------------------------- the training step
    def _forward(self, inputs, training):
        for layer in self.layers:
            inputs = layer.forward(inputs, training)
        return inputs

    def _backward(self, outputs, targets):
        if self._fused_backward:
            dvalues = self.backend.kernels.softmax_cross_entropy_backward(outputs, targets)
        else:
            dvalues = self.loss.backward(self.backend, outputs, targets)
        for layer in self._backward_layers:
            dvalues = layer.backward(dvalues)

    def train_step(self, inputs, targets):
        """One optimization step on a batch already in the backend's form: forward, loss, backward and
        the optimizer's update. inputs is a native array (backend.asarray), targets as the loss takes
        them (class indices as an integer ndarray, else a native array). Returns (outputs, loss).

        This is the hot path `fit` runs for every batch and it checks nothing (the backend kernels are
        called directly), so prefer `fit` unless you are timing or driving the loop yourself. Where the
        backend compiles whole steps (numba) and the model fits that step, it runs as one call; the
        outputs are then a view that the next step overwrites."""
        if self.compiled_step is not None:
            return self.compiled_step(inputs, targets)
        outputs = self._forward(inputs, training=True)
        loss = self.loss.forward(self.backend, outputs, targets) + self.regularization_loss()
        self._backward(outputs, targets)
        if self.parameter_buffer is None:
            self._use_parameters(self.optimizer.step(self.backend, self.parameters(), self._gradients()))
        else:
            for view, gradient in zip(self._gradient_views, self._gradients()):
                view[...] = gradient
            self._use_parameters(self.optimizer.step(self.backend, [self.parameter_buffer], [self.gradient_buffer]))
        return outputs, loss

    def _use_parameters(self, arrays: list) -> None:
        """Take these native arrays as the parameters from now on: the flat buffer (where the model
        has one) or one array per parameter, as `parameters()` lists them, holding the values. What
        an optimizer update returned goes here; arrays that are already the model's cost nothing,
        so a backend that updates in place never rebinds anything."""
        if self.parameter_buffer is not None:
            flat, = arrays
            if flat is not self.parameter_buffer:
                views = self._views_of(flat)
                if views is None:  # not sliceable into views: keep the buffer we have
                    self.parameter_buffer[...] = flat
                else:
                    self.parameter_buffer = flat
                    self._bind(views)
            return
        if any(new is not old for new, old in zip(arrays, self.parameters())):
            self._bind(list(arrays), views=False)

    def _bind(self, arrays: list, views: bool = True) -> None:
        """Hand each layer its parameters from `arrays` (in the order of `parameters()`)."""
        for i, layer_arrays in by_layer(self.parameter_slots, arrays).items():
            self.layers[i].bind_parameters(layer_arrays, views=views)

    def parameters(self) -> list:
        return [p for layer in self.layers for p in layer.parameters()]

    def _gradients(self) -> list:
        return [g for layer in self.layers for g in layer.gradients()]

    def regularization_loss(self) -> float:
        return sum(layer.regularization_loss() for layer in self.layers)

    # ---------------------------------------------------------------- data in
    def _features(self, op, X) -> np.ndarray:
        check_array_like(op, "X", X)
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            raise InvalidInputError(f"{op}: X must be 2-D, one row per sample; got X.shape={X.shape}")
        if X.shape[1] != self.n_inputs:
            raise InvalidInputError(f"{op}: X has {X.shape[1]} features per sample but the first Dense layer "
                                    f"takes {self.n_inputs}; got X.shape={X.shape}")
        return X

    def _data(self, op, X, y):
        X = self._features(op, X)
        return X, self.loss.targets(op, y, len(X), self.n_outputs)

    def _batches(self, X, targets, batch_size, order=None):
        """(native inputs, native targets, NumPy targets) per batch; the last batch keeps the remainder."""
        n = len(X)
        size = n if batch_size is None else batch_size
        for start in range(0, n, size):
            rows = slice(start, start + size) if order is None else order[start:start + size]
            yield (self.backend.asarray(X[rows], self.dtype),
                   self.loss.native_targets(self.backend, targets[rows], self.dtype), targets[rows])

    def _tolerance(self, targets):
        if self.accuracy_tolerance is None and isinstance(self.loss, MeanSquaredError):
            self.accuracy_tolerance = float(np.std(targets)) / 250
        return self.accuracy_tolerance

    # ---------------------------------------------------------------- public
    def fit(self, X, y, epochs: int = 1, batch_size: int | None = None, validation_data=None,
            shuffle: bool = True, verbose: bool = True) -> dict:
        """Train for `epochs` passes over (X, y): full batch when batch_size is None, else mini-batches
        in a seeded random order (shuffle=True) with the remainder batch kept.

        Returns the history: per epoch, "loss" (data loss + regularization, averaged over the epoch's
        batches), "accuracy", "learning_rate" and, with validation_data, "val_loss" and "val_accuracy".
        verbose=False turns the progress bar off.

        When the loss or an update becomes infinite or NaN, fit stops with TrainingDivergedError (a
        FloatingPointError) naming the epoch, batch, last finite loss and learning rate; the model keeps
        the parameters that gave the last finite loss, and the error holds the history so far."""
        X, targets = self._data("fit", X, y)
        epochs = positive_int("fit", "epochs", epochs)
        if batch_size is not None:
            batch_size = positive_int("fit", "batch_size", batch_size)
        if validation_data is not None:
            if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
                raise InvalidInputError("fit: validation_data must be a pair (X_val, y_val); "
                                        f"got validation_data of type {type(validation_data).__name__}")
            validation_data = self._data("fit", *validation_data)
        tolerance = self._tolerance(targets)
        history = {"loss": [], "accuracy": [], "learning_rate": []}
        if validation_data is not None:
            history |= {"val_loss": [], "val_accuracy": []}

        b, n = self.backend, len(X)
        progress = progress_bar(epochs, f"fit [{b.name}]", verbose)
        refresh_every = max(1, epochs // 100)
        if getattr(self, "_last_finite_steps", None) is None:
            compiled_epochs = self.compiled_step is not None and self.compiled_step.runs_epochs
            guard_type = KeptByCompiledEpochs if compiled_epochs else LastFiniteSteps
            self._last_finite_steps = guard_type(self)
        guard, step, last_loss = self._last_finite_steps, 0, None
        runner = self._epoch_runner(X, targets, batch_size, guard, tolerance)
        where = {"epochs": epochs, "batches": -(-n // (batch_size or n))}
        iterations, results = self.optimizer.iterations, []  # results: epochs run ahead, last first
        # Overflow is what divergence looks like on the way; it is reported once, as TrainingDivergedError.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for epoch in progress:
                if not results:  # validation looks at the model after every epoch: one at a time
                    count = 1 if validation_data is not None else min(runner.per_call, epochs - epoch)
                    order = self._shuffle_rng.permutation(n) if batch_size and shuffle else None
                    results = runner.run(order, step, count)[::-1]
                result = results.pop()
                learning_rate = self.optimizer.learning_rate_after(iterations + step)
                if result.diverged:
                    progress.close()
                    last = last_loss if result.steps == 0 else result.last_loss
                    raise diverged(guard, step + result.steps, result.loss, last,
                                   where | {"epoch": epoch + 1, "batch": result.steps + 1}, history)
                step, last_loss = step + result.steps, result.last_loss
                history["loss"].append(result.loss_sum / n)
                history["accuracy"].append(result.correct_sum / n)
                history["learning_rate"].append(learning_rate)
                if validation_data is not None:
                    scores = self._evaluate(*validation_data, batch_size)
                    history["val_loss"].append(scores["loss"])
                    history["val_accuracy"].append(scores["accuracy"])
                if verbose and (epoch % refresh_every == 0 or epoch == epochs - 1):
                    progress.set_postfix({key: f"{values[-1]:.4g}" for key, values in history.items()
                                          if key != "learning_rate"}, refresh=False)
        progress.close()
        return history

    def _epoch_runner(self, X, targets, batch_size, guard, tolerance):
        """How `fit` runs an epoch (see `backends.nn.epochs`): a backend's compiled epochs where the
        model's compiled step offers them, else step by step: the one full batch, converted once, or
        the mini-batches of each epoch's order."""
        if self.compiled_step is not None and self.compiled_step.runs_epochs:
            return self.compiled_step.epochs(self.backend.asarray(X, self.dtype), targets, batch_size, guard,
                                             tolerance)
        if batch_size:
            return step_by_step(self, lambda order: self._batches(X, targets, batch_size, order), guard, tolerance)
        full_batch = list(self._batches(X, targets, None))
        return step_by_step(self, lambda order: full_batch, guard, tolerance)

    def _evaluate(self, X, targets, batch_size):
        tolerance = self._tolerance(targets)
        loss_sum = correct_sum = 0.0
        for inputs, batch_targets, numpy_targets in self._batches(X, targets, batch_size):
            outputs = self._forward(inputs, training=False)
            weight = len(numpy_targets)
            loss_sum += self.loss.forward(self.backend, outputs, batch_targets) * weight
            correct_sum += self.loss.accuracy(to_numpy(outputs), numpy_targets, tolerance) * weight
        return {"loss": loss_sum / len(X) + self.regularization_loss(), "accuracy": correct_sum / len(X)}

    def evaluate(self, X, y, batch_size: int | None = None) -> dict:
        """{"loss": data loss + regularization, "accuracy": ...} on (X, y), in inference mode (no dropout)."""
        X, targets = self._data("evaluate", X, y)
        if batch_size is not None:
            batch_size = positive_int("evaluate", "batch_size", batch_size)
        return self._evaluate(X, targets, batch_size)

    def predict(self, X, batch_size: int | None = None) -> np.ndarray:
        """The network's outputs for X as a NumPy array, in inference mode (no dropout)."""
        X = self._features("predict", X)
        size = len(X) if batch_size is None else positive_int("predict", "batch_size", batch_size)
        parts = [to_numpy(self._forward(self.backend.asarray(X[start:start + size], self.dtype), training=False))
                 for start in range(0, len(X), size)]
        return np.concatenate(parts).astype(self.dtype, copy=False)

    @property
    def parameter_count(self) -> int:
        return sum(slot.size for slot in self.parameter_slots)

    def summary(self) -> str:
        """A table of the layers, their output widths and parameter counts."""
        lines = [f"Model on backend {self.backend.name!r} ({self.dtype}), loss {self.loss.name}, "
                 f"optimizer {self.optimizer!r}, seed {self.seed}",
                 f"{'#':>3}  {'layer':<44} {'outputs':>8} {'parameters':>11}"]
        width = self.n_inputs
        for i, layer in enumerate(self.layers):
            if isinstance(layer, Dense):
                width = layer.n_neurons
            count = sum(slot.size for slot in self.parameter_slots if slot.layer == i)
            lines.append(f"{i:>3}  {layer!r:<44} {width:>8} {count:>11,}")
        lines.append(f"total parameters: {self.parameter_count:,}")
        return "\n".join(lines)

    def __repr__(self):
        return (f"Model({self.layers!r}, loss={self.loss.name!r}, optimizer={self.optimizer!r}, "
                f"backend={self.backend.name!r}, seed={self.seed})")

    def save(self, path) -> None:
        """Write the architecture and parameters to one .npz file (no pickle), atomically."""
        saving.save_model(self, path)

    @classmethod
    def load(cls, path, backend=None) -> "Model":
        """A model saved by `save`, on any backend (default: $NN_BACKEND, else numpy)."""
        return saving.load_model(cls, path, backend)
