"""Epoch runners: what `Model.fit` calls once per epoch, whichever path trains the model.

A runner is an `Epochs`: `run(order, first_step, count) -> [EpochResult, ...]` runs `count` epochs,
each one pass over the data in mini-batches of rows `order` (None: in order, or the one full batch),
`first_step` counting fit's steps before the first, keeping the parameters before each step in the
divergence guard and stopping at the first step whose loss or parameters are not finite (its epoch
is the last result). `per_call` is how many epochs one call may take: more than one only where
nothing changes between epochs (the full batch), so that Python's work per epoch is a list's worth.
`step_by_step` runs `Model.train_step` batch after batch (layer by layer, or a backend's compiled
step one call a batch); a backend that compiles whole epochs gets one from `backends.nn.compiled`.
`fit` picks one before its loop and never looks again.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from tqdm.auto import tqdm

from ..validation import to_numpy


class EpochResult(NamedTuple):
    """What an epoch reports: the sums `Model.fit` averages (Σ loss·rows, Σ accuracy·rows) over the
    finite steps, how many there were, and, when a step diverged (it is then the next one), its loss
    (nan otherwise); last_loss is the last finite loss of the epoch (nan when there was none)."""

    loss_sum: float
    correct_sum: float
    steps: int
    loss: float
    last_loss: float
    diverged: bool


class Epochs(NamedTuple):
    """An epoch runner (see the module docstring)."""

    run: object
    per_call: int


def step_by_step(model, batches, guard, tolerance) -> Epochs:
    """An epoch runner that calls `model.train_step` on each batch `batches(order)` gives
    ((native inputs, native targets, NumPy targets) per batch), one epoch per call."""

    def run_epoch(order, first_step) -> EpochResult:
        loss_sum = correct_sum = 0.0
        steps, last_loss = 0, math.nan
        for inputs, batch_targets, numpy_targets in batches(order):
            guard.keep(first_step + steps)
            outputs, loss = model.train_step(inputs, batch_targets)
            if not (math.isfinite(loss) and guard.parameters_finite()):
                return EpochResult(loss_sum, correct_sum, steps, loss, last_loss, True)
            steps, last_loss = steps + 1, loss
            weight = len(numpy_targets)
            loss_sum += loss * weight
            correct_sum += model.loss.accuracy(to_numpy(outputs), numpy_targets, tolerance) * weight
        return EpochResult(loss_sum, correct_sum, steps, math.nan, last_loss, False)

    def run(order, first_step, count) -> list[EpochResult]:
        results = []
        for _ in range(count):
            results.append(run_epoch(order, first_step))
            if results[-1].diverged:
                break
            first_step += results[-1].steps
        return results

    return Epochs(run, 1)


def progress_bar(epochs: int, label: str, verbose: bool):
    """What `fit` iterates over its epochs: a tqdm bar named `label`, or without verbose a bare
    range with the bar's `close` (a disabled tqdm still costs a short fit ~10 us)."""
    return tqdm(range(epochs), desc=label, unit="epoch", leave=True) if verbose else _Quiet(epochs)


class _Quiet:
    def __init__(self, epochs: int):
        self._epochs = range(epochs)

    def __iter__(self):
        return iter(self._epochs)

    def close(self) -> None:
        pass
