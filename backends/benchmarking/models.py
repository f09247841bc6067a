"""The models the training cases build: the spiral network every training row shares, and the four
models outside its family that the `fit_models` cases train (as tests/conformance/test_training.py trains them)."""

from __future__ import annotations

from .. import data
from ..nn.layers import Dense, Dropout, Linear, ReLU, Sigmoid, Softmax
from ..nn.model import Model
from ..nn.optim import SGD, Adam


def spiral_network(contender, n_inputs, n_hidden, n_outputs, dtype):
    """The benchmarked network on one of the project's backends: Dense, ReLU, Dense, Softmax, Adam."""
    return Model([Dense(n_inputs, n_hidden), ReLU(), Dense(n_hidden, n_outputs), Softmax()],
                 optimizer=Adam(0.001), backend=contender, seed=0, dtype=dtype)


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
