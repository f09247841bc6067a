"""What the benchmarks time: one table of cases shared by `nn-backends bench` and the pytest-benchmark
suite in `bench/`.

A case is an operation at one size and dtype. For each contender — the three backends, plus the
peers "blas" (the raw NumPy/BLAS call a hand-written program would make: `X @ W.T + b`) and
"torch" (PyTorch on the CPU, when installed) — `prepare` builds the inputs outside the timed region
and returns the zero-argument callable to time, or raises `Unsupported` with the reason. The sizes,
and the marks saying what a case is timed for (a headline row, speed targets, summary ratios), are
in `workloads`; `marked` finds the cases of each table.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from .. import available_backends, get_backend
from ..registry import BUILTINS
from ..nn.layers import Dense, ReLU, Softmax
from ..nn.model import Model
from ..nn.optim import Adam
from . import jax_peer
from .models import FIT_MODELS, numpy_training_step, spiral_network, torch_training_step
from .workloads import (BOOK_LAYER, FIT_EPOCH, GLUE_NETWORK, MARKS, MINIBATCH_EPOCH, MNIST_STEP, SMALL_LAYER,
                        SPIRAL_STEP, SQUARE, TRAINING_LAYERS)

PEERS = ("blas", "torch") + jax_peer.CONTENDERS

#: Pure Python pays roughly this per multiply-add (measured on the 2-core machines this project
#: runs on); the estimate decides whether a pure-Python call is worth timing.
PYTHON_SECONDS_PER_MULTIPLY_ADD = 45e-9


class Unsupported(Exception):
    """This contender does not run this case (the reason is the message)."""


def contenders(backends: list[str] | None = None) -> list[str]:
    """The backends named (built-ins or plug-ins; each is loaded now, so a bad name fails before any
    timing), else the built-in backends installed here; then the peers that are installed."""
    peers = ["blas"] + (["torch"] if importlib.util.find_spec("torch") is not None else [])
    peers += list(jax_peer.CONTENDERS) if jax_peer.installed() else []
    if backends is None:
        return [name for name in available_backends() if name in BUILTINS] + peers
    return [get_backend(name).name for name in backends] + peers


@dataclass(frozen=True)
class Case:
    operation: str
    sizes: tuple[int, ...]
    dtype: str
    flops: float  # floating-point operations of one call (a multiply-add counts 2)
    multiply_adds: float  # what pure Python loops over, for its time estimate
    prepare: Callable = field(repr=False, compare=False)
    steps: int = 1  # training steps one call runs: tables report the time per step
    variant: str = ""  # which model, where one operation times several of the same sizes
    #: what the case is timed for (`workloads`: a headline row, speed targets, summary ratios)
    marks: tuple = field(default=(), compare=False)

    @property
    def key(self) -> tuple:
        return self.operation, self.sizes, self.dtype, self.variant

    @property
    def label(self) -> str:
        sizes = "x".join(str(size) for size in self.sizes)
        return f"{sizes}-{self.variant}" if self.variant else sizes

    @property
    def group(self) -> str:
        return f"{self.operation} {self.label} {self.dtype}"

    def python_seconds(self) -> float:
        return self.multiply_adds * self.steps * PYTHON_SECONDS_PER_MULTIPLY_ADD

    def applies_to(self, contender: str) -> bool:
        """False where the contender has nothing to show (JAX's scan outside a training loop): no row."""
        return contender != "jax-scan" or self.operation in jax_peer.SCANNED_OPERATIONS

    def callable_for(self, contender: str, python_limit: float = 1.0):
        """The zero-argument callable to time for contender, inputs built; Unsupported if it can't run."""
        if contender == "python":
            if self.dtype != "float64":
                raise Unsupported("the python backend computes in float64 only")
            if self.python_seconds() > python_limit:
                raise Unsupported(f"pure Python would take about {self.python_seconds():.1f} s per call "
                                  f"(over the {python_limit:g} s limit)")
        elif contender not in PEERS and self.dtype not in get_backend(contender).dtypes:
            raise Unsupported(f"the {contender} backend computes in {', '.join(get_backend(contender).dtypes)} only")
        return self.prepare(contender, self.sizes, self.dtype)


def _random(shape, seed, dtype):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _torch():
    import torch

    return torch


# ---------------------------------------------------------------- the book's first lessons
def _matmul(contender, sizes, dtype):
    rows, inner, columns = sizes
    a, c = _random((rows, inner), 0, dtype), _random((inner, columns), 1, dtype)
    if contender == "blas":
        return lambda: a @ c
    if contender == "torch":
        torch = _torch()
        ta, tc = torch.from_numpy(a), torch.from_numpy(c)
        return lambda: torch.mm(ta, tc)
    if contender == "jax":
        return jax_peer.jitted(lambda x, y: x @ y, a, c)
    b = get_backend(contender)
    na, nc = b.asarray(a, dtype), b.asarray(c, dtype)
    return lambda: b.matmul(na, nc)


# ---------------------------------------------------------------- dense layer
def _dense_arrays(sizes, dtype):
    n_samples, n_inputs, n_neurons = sizes
    return (_random((n_samples, n_inputs), 0, dtype), _random((n_neurons, n_inputs), 1, dtype),
            _random(n_neurons, 2, dtype), _random((n_samples, n_neurons), 3, dtype))


def _dense_forward(contender, sizes, dtype):
    x, w, bias, _ = _dense_arrays(sizes, dtype)
    if contender == "blas":
        return lambda: x @ w.T + bias
    if contender == "torch":
        torch = _torch()
        tx, tw, tb = (torch.from_numpy(v) for v in (x, w, bias))
        return lambda: torch.nn.functional.linear(tx, tw, tb)
    if contender == "jax":
        return jax_peer.jitted(lambda x, w, b: x @ w.T + b, x, w, bias)
    b = get_backend(contender)
    nx, nw, nb = (b.asarray(v, dtype) for v in (x, w, bias))
    return lambda: b.dense_forward(nx, nw, nb)


def _dense_backward(contender, sizes, dtype):
    x, w, _, d = _dense_arrays(sizes, dtype)
    if contender == "blas":
        return lambda: (d @ w, d.T @ x, d.sum(axis=0))
    if contender == "torch":
        torch = _torch()
        tx, tw, td = (torch.from_numpy(v) for v in (x, w, d))
        return lambda: (td @ tw, td.T @ tx, td.sum(dim=0))
    if contender == "jax":
        return jax_peer.jitted(lambda d, w, x: (d @ w, d.T @ x, d.sum(axis=0)), d, w, x)
    b = get_backend(contender)
    nx, nw, nd = (b.asarray(v, dtype) for v in (x, w, d))
    return lambda: b.dense_backward(nd, nx, nw)


# ---------------------------------------------------------------- activation + loss
def _softmax_cross_entropy(contender, sizes, dtype):
    """Softmax, categorical cross-entropy, and the fused gradient with respect to the logits."""
    n_samples, n_classes = sizes
    z = _random((n_samples, n_classes), 0, dtype)
    classes = np.random.default_rng(1).integers(0, n_classes, size=n_samples)
    if contender == "blas":
        rows = np.arange(n_samples)

        def step():
            e = np.exp(z - z.max(axis=1, keepdims=True))
            p = e / e.sum(axis=1, keepdims=True)
            loss = -np.log(np.clip(p[rows, classes], 1e-7, 1 - 1e-7)).mean()
            g = p.copy()
            g[rows, classes] -= 1
            return loss, g / n_samples
        return step
    if contender == "torch":
        torch = _torch()
        tz, tc = torch.from_numpy(z).requires_grad_(), torch.from_numpy(classes)

        def step():
            tz.grad = None
            loss = torch.nn.functional.cross_entropy(tz, tc)
            loss.backward()
            return loss, tz.grad
        return step
    if contender == "jax":
        import jax

        def loss(logits, targets):
            picked = jax.numpy.take_along_axis(jax.nn.log_softmax(logits), targets[:, None], axis=1)
            return -picked.mean()
        return jax_peer.jitted(jax.value_and_grad(loss), z, classes)
    b = get_backend(contender)
    nz = b.asarray(z, dtype)

    def step():
        probs = b.softmax(nz)
        return b.categorical_cross_entropy(probs, classes), b.softmax_cross_entropy_backward(probs, classes)
    return step


# ---------------------------------------------------------------- one training step
def _training_step(contender, sizes, dtype):
    """Forward, loss, backward and Adam for Dense(n_in, hidden), ReLU, Dense(hidden, n_out), Softmax."""
    n_samples, n_inputs, n_hidden, n_outputs = sizes
    X = _random((n_samples, n_inputs), 0, dtype)
    classes = np.random.default_rng(1).integers(0, n_outputs, size=n_samples)
    if contender == "blas":
        return numpy_training_step(X, classes, n_hidden, n_outputs, dtype)
    if contender == "torch":
        return torch_training_step(X, classes, n_hidden, n_outputs)
    if contender == "jax":
        return jax_peer.training_step(X, classes, (n_inputs, n_hidden, n_outputs), 0.001, dtype)
    model = spiral_network(contender, n_inputs, n_hidden, n_outputs, dtype)
    inputs = model.backend.asarray(X, dtype)
    return lambda: model.train_step(inputs, classes)


FIT_EPOCHS_PER_CALL = 20


def _fit_full_batch(contender, sizes, dtype):
    """Model.fit, full batch: each epoch is one training step plus fit's bookkeeping (loss, accuracy,
    history). One call runs FIT_EPOCHS_PER_CALL epochs; the peers run as many bare steps."""
    if contender == "jax-scan":
        n_samples, n_inputs, n_hidden, n_outputs = sizes
        X = _random((n_samples, n_inputs), 0, dtype)
        classes = np.random.default_rng(1).integers(0, n_outputs, size=n_samples)
        return jax_peer.epochs_of_full_batch(X, classes, (n_inputs, n_hidden, n_outputs), 0.001, dtype,
                                             FIT_EPOCHS_PER_CALL)
    if contender in PEERS:
        step = _training_step(contender, sizes, dtype)

        def steps():
            for _ in range(FIT_EPOCHS_PER_CALL):
                step()
        return steps
    n_samples, n_inputs, n_hidden, n_outputs = sizes
    X = _random((n_samples, n_inputs), 0, "float64")
    classes = np.random.default_rng(1).integers(0, n_outputs, size=n_samples)
    model = spiral_network(contender, n_inputs, n_hidden, n_outputs, dtype)
    return lambda: model.fit(X, classes, epochs=FIT_EPOCHS_PER_CALL, verbose=False)


def _fit_epoch(contender, sizes, dtype):
    """One epoch of Model.fit in mini-batches: shuffling, batch conversion, steps and metrics."""
    n_samples, n_inputs, n_hidden, n_outputs, batch_size = sizes
    if contender in PEERS:
        raise Unsupported("Model.fit exists only on the project's backends")
    X = _random((n_samples, n_inputs), 0, "float64")
    classes = np.random.default_rng(1).integers(0, n_outputs, size=n_samples)
    model = spiral_network(contender, n_inputs, n_hidden, n_outputs, dtype)
    return lambda: model.fit(X, classes, epochs=1, batch_size=batch_size, verbose=False)


def _fit_model(variant):
    def prepare(contender, sizes, dtype):
        """FIT_EPOCHS_PER_CALL full-batch epochs of `Model.fit` for one model of FIT_MODELS."""
        if contender in PEERS:
            raise Unsupported("Model.fit exists only on the project's backends")
        model, X, y = FIT_MODELS[variant][1](contender, dtype)
        return lambda: model.fit(X, y, epochs=FIT_EPOCHS_PER_CALL, verbose=False)
    return prepare


def _minibatch_epoch(contender, sizes, dtype):
    """A mini-batch epoch of realistic size: Dense n_inputs→h→h→classes with ReLU, softmax + cross-entropy,
    Adam 1e-2, shuffled batches. The backends run Model.fit for one epoch; PyTorch the loop its tutorials
    write (nn.Sequential, torch.optim.Adam, randperm indexing)."""
    n_samples, n_inputs, n_hidden, n_outputs, batch_size = sizes
    X = _random((n_samples, n_inputs), 0, dtype)
    classes = np.random.default_rng(1).integers(0, n_outputs, size=n_samples)
    if contender == "blas":
        raise Unsupported("the hand-written NumPy peer covers single steps (training_step)")
    if contender in jax_peer.CONTENDERS:
        return jax_peer.minibatch_epoch(contender, X, classes, (n_inputs, n_hidden, n_hidden, n_outputs), 1e-2, dtype,
                                        batch_size)
    if contender == "torch":
        torch = _torch()
        torch.manual_seed(0)
        torch_dtype = torch.float64 if dtype == "float64" else torch.float32
        network = torch.nn.Sequential(torch.nn.Linear(n_inputs, n_hidden), torch.nn.ReLU(),
                                      torch.nn.Linear(n_hidden, n_hidden), torch.nn.ReLU(),
                                      torch.nn.Linear(n_hidden, n_outputs)).to(torch_dtype)
        optimizer = torch.optim.Adam(network.parameters(), lr=1e-2, eps=1e-7)
        inputs, targets = torch.from_numpy(X), torch.from_numpy(classes)

        def epoch():
            order = torch.randperm(n_samples)
            for start in range(0, n_samples, batch_size):
                rows = order[start:start + batch_size]
                optimizer.zero_grad()
                loss = torch.nn.functional.cross_entropy(network(inputs[rows]), targets[rows])
                loss.backward()
                optimizer.step()
        return epoch
    model = Model([Dense(n_inputs, n_hidden), ReLU(), Dense(n_hidden, n_hidden), ReLU(), Dense(n_hidden, n_outputs),
                   Softmax()], optimizer=Adam(1e-2), backend=contender, seed=0, dtype=dtype)
    return lambda: model.fit(X, classes, epochs=1, batch_size=batch_size, verbose=False)


def _dense_flops(sizes):
    n, i, o = sizes
    return 2.0 * n * i * o + n * o


def _step_flops(sizes):
    """Dense forward twice, dense backward twice (the first layer's dinputs are not needed)."""
    n, i, h, o = sizes
    return 2.0 * n * i * h * 2 + 2.0 * n * h * o * 3


def all_cases(dtypes=("float64", "float32")) -> list[Case]:
    """Every case of the full suite, grouped by operation, smallest first."""
    cases = []
    for dtype in dtypes:
        for sizes in (BOOK_LAYER,) + SQUARE:
            flops = 2.0 * sizes[0] * sizes[1] * sizes[2]
            cases.append(Case("matmul", sizes, dtype, flops, flops / 2, _matmul))
        for sizes in (BOOK_LAYER, SQUARE[0], SMALL_LAYER) + TRAINING_LAYERS + SQUARE[1:]:
            cases.append(Case("dense_forward", sizes, dtype, _dense_flops(sizes), _dense_flops(sizes) / 2,
                              _dense_forward))
        for sizes in (BOOK_LAYER,) + TRAINING_LAYERS + SQUARE:
            flops = 4.0 * sizes[0] * sizes[1] * sizes[2] + sizes[0] * sizes[2]
            cases.append(Case("dense_backward", sizes, dtype, flops, flops / 2, _dense_backward))
        for sizes in ((3, 3), (300, 3), (128, 10), (1024, 1024)):
            cases.append(Case("softmax_cross_entropy", sizes, dtype, 0.0, 10.0 * sizes[0] * sizes[1],
                              _softmax_cross_entropy))
        for sizes in (SPIRAL_STEP, MNIST_STEP):
            cases.append(Case("training_step", sizes, dtype, _step_flops(sizes), _step_flops(sizes) / 2 * 1.5,
                              _training_step))
        for sizes in (GLUE_NETWORK, SPIRAL_STEP):
            flops = _step_flops(sizes)
            cases.append(Case("fit_full_batch", sizes, dtype, flops, flops / 2 * 1.5, _fit_full_batch,
                              steps=FIT_EPOCHS_PER_CALL))
        flops = _step_flops(FIT_EPOCH[:4])
        cases.append(Case("fit_epoch", FIT_EPOCH, dtype, flops, flops / 2 * 1.5, _fit_epoch))
        for variant, (sizes, _) in FIT_MODELS.items():
            flops = 6.0 * sizes[0] * sum(a * b for a, b in zip(sizes[1:], sizes[2:]))  # forward, backward
            cases.append(Case("fit_models", sizes, dtype, flops, flops / 2 * 1.5, _fit_model(variant),
                              steps=FIT_EPOCHS_PER_CALL, variant=variant))
        n, i, h, o, batch = MINIBATCH_EPOCH
        flops = _step_flops((batch, i, h, h)) + 2.0 * batch * h * o * 3  # per step: three dense layers
        cases.append(Case("minibatch_epoch", MINIBATCH_EPOCH, dtype, flops, flops / 2 * 1.5, _minibatch_epoch,
                          steps=-(-n // batch)))
    return [replace(case, marks=MARKS.get(case.key, ())) for case in cases]


def marked(kind) -> list[tuple[Case, object]]:
    """Every mark of one kind (`workloads.Headline`, `Target` or `Ratio`) with its case, in its table's order."""
    pairs = [(case, mark) for case in all_cases() for mark in case.marks if isinstance(mark, kind)]
    return sorted(pairs, key=lambda pair: pair[1].row)
