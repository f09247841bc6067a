"""Divergence: how `Model.fit` notices that training blew up, and how it gives the last good model back.

Every step, `fit` asks two cheap questions: is the loss finite (one `math.isfinite`), and are the
parameters still finite after the update (one product of the flat parameter buffer with zeros: 0·x
is 0 for every finite x and NaN for ±inf or NaN, so the sum is NaN exactly when one parameter is not
finite, without an overflow of its own and without allocating). Before each step it copies the
parameters and the optimizer's state into one of two alternating slots; two, because a loss that
comes out non-finite was computed from the parameters the *previous* step made, so the model goes
back one step further, to the parameters that gave the last finite loss.
"""

from __future__ import annotations

import math

import numpy as np

from ..validation import TrainingDivergedError, to_numpy

#: What the message suggests, in the order to try it.
FIXES = ("lower the learning rate (try a tenth)", "add learning-rate decay", "scale the inputs to about unit size")


def slot_of(step: int) -> int:
    """Which of the guard's two slots holds the state before `step`: they alternate."""
    return step & 1


def copy_of(x):
    """A copy of a native array: an ndarray, the python backend's list or list of lists, or (for a
    plug-in's arrays, such as array-API or torch ones) its values as an ndarray."""
    if isinstance(x, np.ndarray):
        return x.copy()
    if isinstance(x, list):
        return [list(row) for row in x] if x and isinstance(x[0], list) else list(x)
    return np.array(to_numpy(x), copy=True)


def _copy_into(target, source) -> bool:
    """Overwrite an ndarray or the python backend's list in place with a copy's values; False for
    any other array (a plug-in's, which may be immutable: the guard makes a new one instead)."""
    if isinstance(target, np.ndarray):
        target[...] = source
    elif isinstance(target, list):
        if target and isinstance(target[0], list):
            for row, saved in zip(target, source):
                row[:] = saved
        else:
            target[:] = source
    else:
        return False
    return True


def _finite(x) -> bool:
    if isinstance(x, list):
        rows = x if x and isinstance(x[0], list) else [x]
        return all(math.isfinite(value) for row in rows for value in row)
    return bool(np.isfinite(to_numpy(x)).all())


class LastFiniteSteps:
    """The parameters and optimizer state before the last two steps, kept to undo a diverged step.

    `Model.fit` makes one per model and keeps it across calls, so its copies are allocated once."""

    def __init__(self, model):
        self.model = model
        buffer = model.parameter_buffer
        self._zeros = np.zeros_like(buffer) if isinstance(buffer, np.ndarray) else None
        self._pairs: list = [None, None]  # two alternating slots of (copy, array) pairs
        self._state_of = [None, None]  # the optimizer state each slot's arrays were listed from
        self._iterations = [0, 0]

    def _arrays(self) -> list:
        """The parameters (the flat buffer where there is one) and the optimizer's state arrays."""
        model = self.model
        parameters = [model.parameter_buffer] if model.parameter_buffer is not None else model.parameters()
        return parameters + [state[name] for state in model.optimizer.state for name in model.optimizer.state_names]

    def _listed(self, slot: int) -> bool:
        """Make the slot's copies afresh on first use, or when the optimizer has made its state since;
        True when it did."""
        optimizer = self.model.optimizer
        if optimizer.state is self._state_of[slot]:
            return False
        self._state_of[slot] = optimizer.state
        self._pairs[slot] = [(copy_of(x), x) for x in self._arrays()]
        return True

    def keep(self, step: int) -> None:
        """Remember the parameters and optimizer state as they are before `step` (counted within one fit)."""
        slot = slot_of(step)
        if not self._listed(slot):
            if self._zeros is not None:  # from the arrays as they are now: an update may return new ones
                for (copy, _), x in zip(self._pairs[slot], self._arrays()):
                    copy[...] = x
            else:  # lists or a plug-in's arrays: Model.load may have put new ones in place, so list them again
                self._pairs[slot] = [(copy_of(x), x) for x in self._arrays()]
        self._iterations[slot] = self.model.optimizer.iterations

    def parameters_finite(self) -> bool:
        if self._zeros is not None:
            return math.isfinite(self.model.parameter_buffer.dot(self._zeros))
        return all(_finite(p) for p in self.model.parameters())

    def restore(self, step: int) -> None:
        """Put back the parameters and optimizer state as they were before `step`."""
        slot, model = slot_of(step), self.model
        optimizer = model.optimizer
        optimizer.state = self._state_of[slot]  # an empty list when the step came before the state was made
        optimizer.iterations = self._iterations[slot]
        # ndarrays and lists are written back in place; a plug-in's arrays are made anew with asarray
        # and handed back where they belong, so no array library needs item assignment
        arrays = [x if _copy_into(x, copy) else model.backend.kernels.asarray(copy, copy.dtype.name)
                  for (copy, _), x in zip(self._pairs[slot], self._arrays())]
        count = 1 if model.parameter_buffer is not None else len(model.parameters())
        model._use_parameters(arrays[:count])
        states = iter(arrays[count:])
        for state in optimizer.state:
            for name in optimizer.state_names:
                state[name] = next(states)


class KeptByCompiledEpochs(LastFiniteSteps):
    """The divergence guard of a model whose epochs a backend compiles: that loop copies the arrays
    into the guard's two slots itself, so the guard hands it the copies and is told what they hold."""

    def slots(self, first_step: int) -> list[list]:
        """Both slots' copies, [parameters, *optimizer state arrays], made for the optimizer's current
        state if needed; the one for `first_step` first, so that the compiled loop keeps the state
        before each step of an epoch from `first_step` on in the two alternately, the first first."""
        for slot in (0, 1):
            self._listed(slot)
        return [[copy for copy, _ in self._pairs[slot_of(step)]] for step in (first_step, first_step + 1)]

    def kept(self, first_step: int, steps: int, iterations: int) -> None:
        """Record that the compiled loop kept the state before `steps` steps from `first_step` on, the
        optimizer having counted `iterations` updates before the first of them."""
        for step in range(max(first_step, first_step + steps - 2), first_step + steps):
            self._iterations[slot_of(step)] = iterations + step - first_step


def diverged(guard: LastFiniteSteps, step: int, loss: float, last_loss, where: dict, history: dict):
    """Undo the diverged step and return the TrainingDivergedError that explains it.

    step counts steps within this fit; a non-finite loss came from the parameters the step before
    made, so those are undone too (when that step belongs to this fit); a finite loss followed by
    non-finite parameters undoes only this step. where: epoch, epochs, batch, batches (from 1)."""
    learning_rate = guard.model.optimizer.current_learning_rate
    if math.isfinite(loss):
        guard.restore(step)
        what, last_loss = "an update made parameters infinite or NaN", loss
    else:
        guard.restore(max(step - 1, 0))
        what = f"the loss became {loss}"
    last = "none (the first step already failed)" if last_loss is None else f"{last_loss:.6g}"
    message = (f"fit: training diverged at epoch {where['epoch']} of {where['epochs']}, batch {where['batch']} "
               f"of {where['batches']}: {what}; got last finite loss={last}, learning_rate={learning_rate:.6g}; "
               f"the model keeps the parameters that gave the last finite loss and the history of the "
               f"{len(history['loss'])} epochs before; {', '.join(FIXES[:-1])} or {FIXES[-1]}")
    return TrainingDivergedError(message, epoch=where["epoch"], batch=where["batch"], last_finite_loss=last_loss,
                                 learning_rate=learning_rate, history=history)
