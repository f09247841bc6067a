"""Real training runs: the classic spiral of Neural Networks from Scratch's worked example, the binary
spiral, the sine regression, XOR (and the course notebooks' network that never learns it), and the
shipped digits. Each runs on every backend under test; the long runs are marked `needs_fast_loops`,
which skips the pure-Python one (its 10,000-epoch runs would take minutes).

The checks hold training to what it promises, not to one epoch's rounding: Adam at these rates
makes the accuracy of single epochs swing (the numpy backend's sine run dips to 0.15 at epoch 6000
between 0.7s), and a correct backend that sums in another order lands on another epoch's swing.
So the bars are met by the settled value, the median over the last epochs, or by the best of the
last few validation epochs; test_training_robustness proves that a backend that rounds differently
passes them and a wrong one does not."""

import numpy as np
import pytest

from backends import Dense, Linear, Model, ReLU, Sigmoid, Softmax, Tanh, data
from backends.optim import SGD, Adam


def settled(values, epochs):
    """The median of the last `epochs` values: where training settled, whatever one epoch's rounding did."""
    return float(np.median(values[-epochs:]))


def nnfs_spiral_run():
    """The classic run of Neural Networks from Scratch's worked example, number for number: nnfs.init() seeds the legacy global generator with 0,
    spiral_data(100, 3) draws the data, then Layer_Dense draws 0.01·randn(n_inputs, n_neurons) for
    each layer, and the test data is drawn after that. A private RandomState(0) replays that stream."""
    X, y = data.spiral(samples=100, classes=3, seed=0)
    stream = np.random.RandomState(0)
    stream.randn(3 * 100)  # the spiral's noise, already drawn above
    weights1, weights2 = 0.01 * stream.randn(2, 64), 0.01 * stream.randn(64, 3)
    X_test, y_test = np.zeros((300, 2)), np.repeat(np.arange(3), 100)
    for label in range(3):  # spiral_data(100, 3) again, continuing the same stream
        radius = np.linspace(0.0, 1.0, 100)
        angle = np.linspace(label * 4, (label + 1) * 4, 100) + stream.randn(100) * 0.2
        X_test[label * 100:(label + 1) * 100] = np.column_stack([radius * np.sin(angle * 2.5), radius * np.cos(angle * 2.5)])
    return X, y, X_test, y_test, weights1.T, weights2.T  # Neural Networks from Scratch stores (n_inputs, n_neurons)


@pytest.mark.slow
@pytest.mark.needs_fast_loops
def test_classic_spiral_run_reaches_the_books_accuracy(backend):
    X, y, X_test, y_test, weights1, weights2 = nnfs_spiral_run()
    model = Model([Dense(2, 64), ReLU(), Dense(64, 3), Softmax()], optimizer=Adam(0.05, decay=5e-7), backend=backend.name)
    model.layers[0].set_parameters([weights1, np.zeros(64)])
    model.layers[2].set_parameters([weights2, np.zeros(3)])
    history = model.fit(X, y, epochs=10_001, verbose=False)
    assert settled(history["accuracy"], 500) >= 0.95  # the worked example printed acc 0.967, loss 0.081 at epoch 10000
    assert settled(history["loss"], 500) < 0.1 < history["loss"][0]
    assert model.evaluate(X_test, y_test)["accuracy"] >= 0.75  # the worked example's validation: 0.803


@pytest.mark.slow
@pytest.mark.needs_fast_loops
def test_binary_spiral_learns(backend):
    X, y = data.spiral(samples=100, classes=2, seed=0)
    X_test, y_test = data.spiral(samples=100, classes=2, seed=1)
    model = Model([Dense(2, 64, weight_l2=5e-4, bias_l2=5e-4), ReLU(), Dense(64, 1), Sigmoid()],
                  loss="binary_cross_entropy", optimizer=Adam(decay=5e-7), backend=backend.name)
    history = model.fit(X, y, epochs=10_000, verbose=False)
    assert settled(history["accuracy"], 500) >= 0.9
    assert settled(history["loss"], 500) < history["loss"][0]
    assert model.evaluate(X_test, y_test)["accuracy"] >= 0.75


@pytest.mark.slow
@pytest.mark.needs_fast_loops
def test_sine_regression_learns(backend):
    X, y = data.sine()
    model = Model([Dense(1, 64, init="glorot"), ReLU(), Dense(64, 64, init="glorot"), ReLU(),
                   Dense(64, 1, init="glorot"), Linear()],
                  loss="mean_squared_error", optimizer=Adam(learning_rate=0.005, decay=1e-3), backend=backend.name)
    history = model.fit(X, y, epochs=10_000, verbose=False)
    assert history["loss"][0] > 0.1 and settled(history["loss"], 1000) < 1e-4  # from about 0.5, the variance of sin
    assert settled(history["accuracy"], 1000) >= 0.6  # within std(y)/250 = 0.0028 of the target (numpy: 0.69)
    assert np.abs(model.predict(X) - y).max() < 0.05


def test_xor_is_learned_by_a_2_4_1_network(backend):
    X, y = data.xor()
    model = Model([Dense(2, 4, init="glorot"), Tanh(), Dense(4, 1, init="glorot"), Sigmoid()],
                  loss="binary_cross_entropy", optimizer=Adam(0.05), backend=backend.name)
    history = model.fit(X, y, epochs=500, verbose=False)
    assert history["accuracy"][-1] == 1.0
    np.testing.assert_array_equal(model.predict(X) > 0.5, y > 0.5)


def test_the_course_notebooks_xor_network_never_learns_and_why(backend):
    """The XOR network of the course notebooks (notebook 001): 0.01·randn weights, no biases, sigmoids,
    squared error, plain gradient descent.

    Without biases the input (0, 0) reaches the output as σ(½·Σ w2) whatever the first layer's weights,
    and from tiny weights every output starts at 0.5. The best such a network finds nearby is to answer
    0.5 everywhere, whose squared error is the variance of the XOR targets: 0.25, the notebook's loss at
    every printed epoch. Add biases (and a reasonable initialization) and the same training learns XOR."""
    X, y = data.xor()

    def network(bias, init):
        return Model([Dense(2, 4, bias=bias, init=init), Sigmoid(), Dense(4, 1, bias=bias, init=init), Sigmoid()],
                     loss="mean_squared_error", optimizer=SGD(0.2), backend=backend.name, seed=0)

    stuck = network(bias=False, init="small")
    history = stuck.fit(X, y, epochs=1000, verbose=False)
    assert history["loss"][0] == pytest.approx(0.25, abs=1e-5)
    assert history["loss"][-1] == pytest.approx(0.25, abs=1e-6)
    np.testing.assert_allclose(stuck.predict(X), 0.5, atol=1e-4)

    w2 = np.asarray(backend.tolist(stuck.layers[2].weights))
    from_zero_input = stuck.predict(np.zeros((1, 2)))[0, 0]
    assert from_zero_input == pytest.approx(1 / (1 + np.exp(-0.5 * w2.sum())), rel=1e-12)

    learns = network(bias=True, init="glorot")
    assert learns.fit(X, y, epochs=10_000, verbose=False)["loss"][-1] < 0.01
    np.testing.assert_array_equal(learns.predict(X) > 0.5, y > 0.5)


@pytest.mark.slow
@pytest.mark.needs_fast_loops
def test_digits_reach_95_percent_validation_accuracy(backend):
    X, y = data.digits()
    X_train, X_val, y_train, y_val = data.train_validation_split(X, y, validation_fraction=0.2, seed=0)
    model = Model([Dense(64, 64, init="he"), ReLU(), Dense(64, 10, init="he"), Softmax()],
                  optimizer=Adam(0.01), backend=backend.name, seed=0)
    history = model.fit(X_train, y_train, epochs=20, batch_size=32, validation_data=(X_val, y_val), verbose=False)
    assert max(history["val_accuracy"][-5:]) >= 0.95 and history["loss"][-1] < history["loss"][0]
