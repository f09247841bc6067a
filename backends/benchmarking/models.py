"""The models the training cases build: the spiral network every training row shares, the same step
as the NumPy and PyTorch peers write it, and the four models outside its family that the
`fit_models` cases train (as tests/conformance/test_training.py trains them)."""

from __future__ import annotations

import numpy as np

from .. import data
from ..nn.layers import Dense, Dropout, Linear, ReLU, Sigmoid, Softmax
from ..nn.model import Model
from ..nn.optim import SGD, Adam


def spiral_network(contender, n_inputs, n_hidden, n_outputs, dtype):
    """The benchmarked network on one of the project's backends: Dense, ReLU, Dense, Softmax, Adam."""
    return Model([Dense(n_inputs, n_hidden), ReLU(), Dense(n_hidden, n_outputs), Softmax()],
                 optimizer=Adam(0.001), backend=contender, seed=0, dtype=dtype)


def numpy_training_step(X, classes, n_hidden, n_outputs, dtype):
    """The same step written by hand in NumPy, as a tutorial would: the practical limit of that style."""
    rng = np.random.default_rng(0)
    params = [0.01 * rng.standard_normal((n_hidden, X.shape[1])), np.zeros(n_hidden),
              0.01 * rng.standard_normal((n_outputs, n_hidden)), np.zeros(n_outputs)]
    params = [p.astype(dtype) for p in params]
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    rows, n, state = np.arange(len(X)), len(X), {"t": 0}

    def step():
        w1, b1, w2, b2 = params
        hidden = np.maximum(X @ w1.T + b1, 0)
        logits = hidden @ w2.T + b2
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        loss = -np.log(np.clip(p[rows, classes], 1e-7, 1 - 1e-7)).mean()
        p[rows, classes] -= 1
        dlogits = p / n
        dhidden = (dlogits @ w2) * (hidden > 0)
        grads = [dhidden.T @ X, dhidden.sum(axis=0), dlogits.T @ hidden, dlogits.sum(axis=0)]
        state["t"] += 1
        t = state["t"]
        for param, grad, (m, v) in zip(params, grads, moments):
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad * grad
            param -= 0.001 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-7)
        return loss
    return step


def torch_training_step(X, classes, n_hidden, n_outputs):
    import torch

    torch.manual_seed(0)
    dtype = torch.float64 if X.dtype == np.float64 else torch.float32
    network = torch.nn.Sequential(torch.nn.Linear(X.shape[1], n_hidden), torch.nn.ReLU(),
                                  torch.nn.Linear(n_hidden, n_outputs)).to(dtype)
    optimizer = torch.optim.Adam(network.parameters(), lr=0.001, eps=1e-7)
    inputs, targets = torch.from_numpy(X), torch.from_numpy(classes)

    def step():
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(network(inputs), targets)  # softmax + CE, fused
        loss.backward()
        optimizer.step()
        return loss
    return step


def _sine_regression(contender, dtype):
    X, y = data.sine(1000)
    layers = [Dense(1, 64, init="glorot"), ReLU(), Dense(64, 64, init="glorot"), ReLU(), Dense(64, 1, init="glorot"),
              Linear()]
    return Model(layers, loss="mean_squared_error", optimizer=Adam(0.005, decay=1e-3), backend=contender, seed=0,
                 dtype=dtype), X, y


def _spiral_momentum(contender, dtype):
    X, y = data.spiral(100, 3, seed=0)
    return Model([Dense(2, 64), ReLU(), Dense(64, 3), Softmax()], optimizer=SGD(1.0, decay=1e-3, momentum=0.9),
                 backend=contender, seed=0, dtype=dtype), X, y


def _spiral_dropout_l2(contender, dtype):
    X, y = data.spiral(100, 3, seed=0)
    layers = [Dense(2, 64, weight_l2=5e-4, bias_l2=5e-4), ReLU(), Dropout(0.1), Dense(64, 3), Softmax()]
    return Model(layers, optimizer=Adam(0.05, decay=5e-5), backend=contender, seed=0, dtype=dtype), X, y


def _binary_spiral(contender, dtype):
    X, y = data.spiral(100, 2, seed=0)
    layers = [Dense(2, 64, weight_l2=5e-4, bias_l2=5e-4), ReLU(), Dense(64, 1), Sigmoid()]
    return Model(layers, loss="binary_cross_entropy", optimizer=Adam(decay=5e-7), backend=contender, seed=0,
                 dtype=dtype), X, y


#: The models outside the spiral/Adam/softmax family, as tests/conformance/test_training.py trains them, by
#: variant name: (sizes: samples and layer widths, builder). The `fit_models` cases time full-batch
#: `Model.fit` epochs of each.
FIT_MODELS = {"sine": ((1000, 1, 64, 64, 1), _sine_regression), "momentum": ((300, 2, 64, 3), _spiral_momentum),
              "dropout-l2": ((300, 2, 64, 3), _spiral_dropout_l2), "binary": ((200, 2, 64, 1), _binary_spiral)}
