"""`Model`'s side of a backend's compiled training step: the arrays, the masks and the counting.

A backend that compiles whole steps (numba, or a `jax.jit` one) receives the model's training plan
through the interface's hook and gives back a step that sees only plain data and arrays. Everything
that belongs to the model stays here: handing the step the flat parameter and gradient buffers (or,
where slices are not views, the list of parameter arrays) and the optimizer's state arrays, keeping
the new arrays a step on immutable arrays returns, drawing the dropout masks with the model's own
Dropout layers (so the generator advances exactly as it does layer by layer), the decayed learning
rates (`Optimizer.learning_rate_after`), counting the optimizer's updates, and the divergence
guard's copies. `CompiledTraining` is what `Model.compiled_step` holds.
"""

from __future__ import annotations

import numpy as np

from .epochs import EpochResult, Epochs
from .layers import Dense, Dropout
from .plan import optimizer_plan


class CompiledTraining:
    """`Model.train_step` as one call of the backend's compiled `step`, and `epochs`, an epoch runner
    that gives the backend whole runs of mini-batches at once."""

    def __init__(self, model, step):
        self.model = model
        self.step = step
        #: Whether the step also runs whole epochs (`epoch_runner`, which updates the flat buffer in
        #: place); else `fit` calls it batch by batch.
        self.runs_epochs = hasattr(step, "epoch_runner") and model.plan.flat
        self._dropouts, width = [], model.n_inputs  # the Dropout layers that draw masks, in order, with widths
        for layer in model.layers:
            if isinstance(layer, Dense):
                width = layer.n_neurons
            elif isinstance(layer, Dropout) and layer.rate > 0.0:
                self._dropouts.append((layer, width))
        self._mask_width = sum(width for _, width in self._dropouts)  # per sample, of one step
        self._settings = self._plan = None

    def _optimizer_plan(self):
        """The optimizer's plan, made again only when its settings changed (not with every step)."""
        settings = self.model.optimizer.config()
        if settings != self._settings:
            self._settings, self._plan = settings, optimizer_plan(self.model.optimizer)
        return self._plan

    def _arrays(self) -> list:
        """What the step is handed (the optimizer's state made on first use): for a flat plan the
        flat parameters, their gradients and the optimizer's state arrays; else the list of
        parameter arrays and, per state name, the list of that state's arrays (one per parameter)."""
        model = self.model
        names = model.optimizer.state_names
        if model.plan.flat:
            state = model.optimizer.states(model.backend, [model.parameter_buffer])[0]
            return [model.parameter_buffer, model.gradient_buffer, *(state[name] for name in names)]
        states = model.optimizer.states(model.backend, model.parameters())
        return [model.parameters(), *([state[name] for state in states] for name in names)]

    def _take(self, given: list, returned) -> None:
        """Keep the arrays a step returned in place of those it was `given` (the same structure)."""
        model, flat = self.model, self.model.plan.flat

        def same_length(new, old) -> bool:
            return type(new) in (list, tuple) and len(new) == len(old)

        if not same_length(returned, given) or not (flat or all(map(same_length, returned, given))):
            shown = type(returned).__name__ + (f" of {len(returned)}" if type(returned) in (list, tuple) else "")
            raise TypeError(f"compiled_training_step: a step that returns new arrays returns them as it was handed "
                            f"them ({len(given)} entries: the parameters, {'their gradients, ' if flat else ''}"
                            f"then each optimizer state); got a {shown}")
        parameters, states = (returned[0], returned[2:]) if flat else (returned[0], returned[1:])
        model._use_parameters([parameters] if flat else list(parameters))
        for name, arrays in zip(model.optimizer.state_names, states):
            for state, array in zip(model.optimizer.state, [arrays] if flat else arrays):
                state[name] = array

    def _draw_masks(self, batch_rows) -> np.ndarray:
        """The dropout masks of consecutive steps on batches of these sizes, one step's after another
        (each step's layer by layer), drawn by the Dropout layers as their forward passes draw them."""
        masks = np.empty(sum(batch_rows) * self._mask_width, dtype=self.model.dtype)
        at = 0
        for rows in batch_rows:
            for layer, width in self._dropouts:
                masks[at:at + rows * width] = layer.draw_mask((rows, width)).reshape(-1)
                at += rows * width
        return masks

    def __call__(self, inputs, targets):
        """One step, as `Model.train_step` takes and returns it."""
        optimizer = self.model.optimizer
        masks = self._draw_masks([inputs.shape[0]])
        arrays = self._arrays()
        outputs, loss, *returned = self.step(inputs, targets, arrays, masks, self._optimizer_plan(),
                                             optimizer.current_learning_rate, optimizer.iterations + 1)
        if returned:  # a step on arrays that cannot change returns the new ones
            self._take(arrays, returned[0])
        optimizer.iterations += 1
        return outputs, loss

    def epochs(self, inputs, targets, batch_size, guard, tolerance) -> Epochs:
        """An epoch runner (see `backends.nn.epochs`) over the native `inputs` and `targets` (as
        `Model.fit` holds them: int64 class indices or float64 rows), in mini-batches of batch_size
        (None: the one full batch).

        The backend's compiled calls run the steps and say how many were finite; the loss of each
        step and the outputs come back as arrays, and the epoch's sums are taken here, by the loss's
        own accuracy rule. A call takes as many samples as the step says (`samples_per_call`): with
        dropout, the masks drawn ahead for them; for a full batch, possibly several epochs, each
        epoch's order the data's own. After a diverged step the generator is wound back to where the
        layer path leaves it."""
        model = self.model
        n_samples = len(inputs)
        batch_size = batch_size or n_samples
        run = self.step.epoch_runner(inputs, targets, batch_size, self._optimizer_plan())
        per_call = self.step.samples_per_call(batch_size, n_samples)
        ahead = max(1, per_call // n_samples) if batch_size == n_samples else 1  # epochs per call
        in_order = np.tile(np.arange(n_samples), ahead)
        per_epoch = np.arange(-(-n_samples // batch_size))
        rows = np.tile(np.minimum(batch_size, n_samples - per_epoch * batch_size), ahead)  # of each step
        steps = np.arange(len(rows))
        covered = [0, *np.cumsum(rows).tolist()]  # samples in the first k steps
        no_masks = np.empty(0, dtype=model.dtype)

        def run_epochs(order, first_step, count) -> list[EpochResult]:
            """count epochs in order (count > 1: full batches, `order` None)."""
            order = in_order if order is None else order
            optimizer = model.optimizer
            arrays, keeps = self._arrays(), guard.slots(first_step)  # after the state is made
            iterations = optimizer.iterations
            learning_rates = optimizer.learning_rate_after(iterations + steps)
            done, diverged, samples = 0, False, count * n_samples
            for start in range(0, samples, per_call):
                stop = min(start + per_call, samples)
                batch_rows = rows[start // batch_size:-(-stop // batch_size)]
                drawn_from = [(layer.rng, layer.rng.bit_generator.state) for layer, _ in self._dropouts]
                masks = self._draw_masks(batch_rows) if self._dropouts else no_masks
                finite, diverged = run(order, start, stop, arrays, keeps, masks, learning_rates, iterations)
                done += finite
                if diverged:  # the layer path drew masks up to the diverged step, not beyond
                    for rng, state in drawn_from:
                        rng.bit_generator.state = state
                    self._draw_masks(batch_rows[:finite + 1])
                    break
            guard.kept(first_step, done + diverged, iterations)
            optimizer.iterations += done + diverged
            if count > 1:
                return self._full_batches(run, targets, done, diverged, tolerance)
            in_targets_order = targets if order is in_order else targets[order[:covered[done]]]
            return [self._result(run, in_targets_order, rows[:done], covered[done], diverged, tolerance)]

        return Epochs(run_epochs, ahead)

    def _result(self, run, targets, rows, covered, diverged, tolerance) -> EpochResult:
        """The epoch's `EpochResult` from the losses and outputs of its finite steps (rows: theirs,
        covering the first `covered` samples of the epoch's order, whose targets start `targets`)."""
        steps = len(rows)
        loss = float(run.losses[steps]) if diverged else np.nan
        if steps == 0:
            return EpochResult(0.0, 0.0, 0, loss, np.nan, diverged)
        accuracy = self.model.loss.accuracy(run.outputs[:covered], targets[:covered], tolerance)
        return EpochResult(float(run.losses[:steps] @ rows), accuracy * covered, steps, loss,
                           float(run.losses[steps - 1]), diverged)

    def _full_batches(self, run, targets, done, diverged, tolerance) -> list[EpochResult]:
        """The `EpochResult`s of `done` finite full-batch epochs run in one call, one step each, and of
        the one that diverged after them."""
        n_samples = len(targets)
        results = []
        if done:
            hits = self.model.loss.hits(run.outputs[:done * n_samples].reshape(done, n_samples, -1), targets,
                                        tolerance).reshape(done, -1)
            correct = np.count_nonzero(hits, axis=1) * (n_samples / hits.shape[1])
            results = [EpochResult(loss * n_samples, float(hit), 1, np.nan, loss, False)
                       for loss, hit in zip(run.losses[:done].tolist(), correct)]
        if diverged:
            results.append(EpochResult(0.0, 0.0, 0, float(run.losses[done]), np.nan, True))
        return results
