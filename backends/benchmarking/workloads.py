"""The problems the benchmarks time, and what each is timed for: their sizes, and the marks the cases
carry (`cases.Case.marks`).

A mark says what a case is for, written once, here: a row of the README's headline table
(`Headline`), a speed target (`Target`), a ratio the bench's closing summary states (`Ratio`).
`nn-backends targets --headline`, the targets table, the summary and the bench's quick run all read
them from the cases (`cases.marked`); each mark's `row` is its place in its table, the order they
are declared in below.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from .models import FIT_MODELS

BOOK_LAYER = (3, 4, 3)  # the first layer of Neural Networks from Scratch: 3 samples, 4 inputs, 3 neurons
SQUARE = tuple((n, n, n) for n in (16, 64, 256, 1024))
SMALL_LAYER = (32, 64, 64)  # a batch of 32 through a 64-wide layer: where per-call costs still matter
#: The dense layers training really runs (samples, inputs, neurons): the spiral's first layer, the
#: mini-batch workload's two, an MNIST-sized one. Their products matter as much as 1024³.
TRAINING_LAYERS = ((300, 2, 64), (100, 40, 100), (100, 100, 100), (128, 784, 128))
SPIRAL_STEP = (300, 2, 64, 3)
MNIST_STEP = (128, 784, 128, 10)
FIT_EPOCH = (300, 2, 64, 3, 32)
MINIBATCH_EPOCH = (4000, 40, 100, 10, 100)  # samples, inputs, hidden width (twice), classes, batch size
#: A network with next to no arithmetic (4 samples, 1→1→2): a full-batch epoch of it times what
#: `Model.fit` and the call into the backend cost around the arithmetic.
GLUE_NETWORK = (4, 1, 1, 2)


@dataclass(frozen=True)
class Headline:
    """The case is a row of the README's headline table (every contender's median time), shown as `text`."""

    text: str
    row: int = 0


@dataclass(frozen=True)
class Target:
    """A speed target on the case: `contender` at least `at_least` times as fast as `other` (a ratio
    of speeds: the other's median time over the contender's)."""

    text: str
    other: str
    at_least: float
    contender: str = "numba"
    row: int = 0


@dataclass(frozen=True)
class Ratio:
    """A ratio the bench's closing summary states, with its interval and a sentence: `contender`
    against `other` on the case, which the sentence calls `what`."""

    contender: str
    other: str
    what: str
    row: int = 0


def on(operation: str, sizes: tuple, dtype: str = "float64", variant: str = "") -> tuple:
    """The key of one case: what `cases.Case.key` returns."""
    return operation, tuple(sizes), dtype, variant


def _cube(n: int) -> tuple:
    return (n, n, n)


HEADLINE = [
    (on("dense_forward", BOOK_LAYER), Headline("dense forward 3×4×3 (the book's layer)")),
    (on("dense_forward", _cube(64)), Headline("dense forward 64×64×64")),
    (on("dense_forward", (100, 100, 100)), Headline("dense forward 100×100×100 (a mini-batch layer)")),
    (on("dense_forward", _cube(1024)), Headline("dense forward 1024³")),
    (on("dense_forward", _cube(1024), "float32"), Headline("dense forward 1024³, float32")),
    (on("training_step", SPIRAL_STEP), Headline("spiral 2→64→3, 300 samples, Adam: one training step")),
    (on("fit_full_batch", SPIRAL_STEP), Headline("… the same, one full-batch epoch of `Model.fit`")),
    (on("training_step", MNIST_STEP, "float32"),
     Headline("MNIST-sized 784→128→10, batch 128, float32: one training step")),
    (on("fit_epoch", FIT_EPOCH), Headline("one `fit` epoch, spiral, mini-batches of 32")),
    (on("minibatch_epoch", MINIBATCH_EPOCH), Headline("4000×40, 40→100→100→10, Adam, batches of 100: per step")),
]

TARGETS = [
    (on(operation, _cube(n), dtype), Target(f"{operation} {n}³ {dtype}: numba ≥ 0.85× BLAS's speed", "blas", 0.85))
    for operation in ("dense_forward", "matmul") for dtype in ("float64", "float32") for n in (256, 1024)
] + [
    (on("dense_forward", BOOK_LAYER), Target("dense_forward 3×4×3: numba no slower than numpy", "numpy", 1.0)),
    (on("dense_forward", _cube(16)), Target("dense_forward 16×16×16: numba no slower than numpy", "numpy", 1.0)),
    (on("dense_forward", SMALL_LAYER), Target("dense_forward 32×64×64: numba ≤ 0.8× numpy's time", "numpy", 1.25)),
    (on("training_step", SPIRAL_STEP), Target("spiral step (`train_step`): numba ≥ 4× PyTorch", "torch", 4.0)),
    (on("training_step", SPIRAL_STEP), Target("… numba ≥ 2× numpy", "numpy", 2.0)),
    (on("training_step", SPIRAL_STEP), Target("… numpy ≥ 2× PyTorch", "torch", 2.0, contender="numpy")),
    (on("fit_full_batch", SPIRAL_STEP),
     Target("spiral step through `fit` (full-batch epoch): numba ≥ 4× PyTorch", "torch", 4.0)),
    (on("training_step", MNIST_STEP, "float32"),
     Target("MNIST-sized step, float32: numba ≤ 0.7× PyTorch's time", "torch", 1 / 0.7)),
    (on("minibatch_epoch", MINIBATCH_EPOCH),
     Target("mini-batch epoch, numpy ≥ 2× PyTorch", "torch", 2.0, contender="numpy")),
    (on("minibatch_epoch", MINIBATCH_EPOCH),
     Target("mini-batch epoch (40→100→100→10, Adam, batches of 100): numba ≥ 2× numpy", "numpy", 2.0)),
    (on("minibatch_epoch", MINIBATCH_EPOCH), Target("… numba ≥ 1.2× JAX (a whole epoch under `lax.scan`)",
                                                    "jax-scan", 1.2)),
    (on("minibatch_epoch", MINIBATCH_EPOCH), Target("… numba ≥ 5× PyTorch", "torch", 5.0)),
    (on("fit_full_batch", SPIRAL_STEP), Target("spiral full-batch epoch through `fit`: numba ≥ 4× numpy", "numpy", 4.0)),
    (on("training_step", MNIST_STEP, "float32"),
     Target("MNIST-sized step, float32: numba ≥ 1.5× numpy", "numpy", 1.5)),
    (on("training_step", MNIST_STEP), Target("MNIST-sized step, float64: numba ≥ 1.5× numpy", "numpy", 1.5)),
] + [
    (on("fit_models", FIT_MODELS[variant][0], variant=variant),
     Target(f"`fit_models` {variant}: numba ≥ 2× numpy", "numpy", 2.0))
    for variant in ("sine", "momentum", "dropout-l2", "binary")
]

_LAYER_100, _SPIRAL = "a 100×100×100 dense layer", "one spiral training step"
SUMMARY = [
    (on("dense_forward", (100, 100, 100)), Ratio("numba", "python", _LAYER_100)),
    (on("dense_forward", (100, 100, 100)), Ratio("numpy", "python", _LAYER_100)),
    (on("dense_forward", SMALL_LAYER),
     Ratio("numba", "numpy", "a 32×64×64 dense layer, where per-call costs still count")),
    (on("dense_forward", _cube(1024)), Ratio("numba", "blas", "a 1024³ dense layer")),
    (on("dense_forward", _cube(1024), "float32"), Ratio("numba", "blas", "a 1024³ dense layer in float32")),
    (on("dense_forward", _cube(1024)), Ratio("numpy", "blas", "a 1024³ dense layer")),
    (on("dense_forward", _cube(1024)), Ratio("numba", "torch", "a 1024³ dense layer")),
    (on("training_step", SPIRAL_STEP), Ratio("numba", "numpy", "one spiral training step (2→64→3, Adam)")),
    (on("training_step", SPIRAL_STEP), Ratio("numba", "torch", _SPIRAL)),
    (on("training_step", SPIRAL_STEP), Ratio("numpy", "torch", _SPIRAL)),
    (on("fit_full_batch", SPIRAL_STEP), Ratio("numba", "numpy", "a full-batch spiral epoch of Model.fit")),
    (on("minibatch_epoch", MINIBATCH_EPOCH),
     Ratio("numba", "numpy", "a mini-batch epoch (4000 samples, 40→100→100→10, batches of 100)")),
    (on("minibatch_epoch", MINIBATCH_EPOCH), Ratio("numba", "torch", "the same mini-batch epoch")),
    (on("minibatch_epoch", MINIBATCH_EPOCH),
     Ratio("numba", "jax-scan", "the same mini-batch epoch, against JAX's whole epoch under lax.scan")),
    (on("fit_full_batch", SPIRAL_STEP),
     Ratio("numba", "jax-scan", "a full-batch spiral epoch, against JAX's epochs under lax.scan")),
    (on("fit_full_batch", GLUE_NETWORK),
     Ratio("numba", "numpy", "a full-batch epoch of a 1→1→2 network, where fit's own work is nearly all there is")),
    (on("training_step", MNIST_STEP, "float32"), Ratio("numba", "torch", "an MNIST-sized float32 training step")),
]


def _by_case() -> dict[tuple, tuple]:
    marks = defaultdict(list)
    for table in (HEADLINE, TARGETS, SUMMARY):
        for row, (key, mark) in enumerate(table):
            marks[key].append(replace(mark, row=row))
    return {key: tuple(found) for key, found in marks.items()}


#: Every case's marks by its key (`on`): what `cases.all_cases` gives each case.
MARKS = _by_case()
