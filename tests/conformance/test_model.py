"""Model on every backend: the same seed gives the same training run, step for step; fit, evaluate,
predict, summary; and bad data refused with the interface's clear errors."""

import functools
import itertools

import numpy as np
import pytest

import backends
from backends import (Dense, Dropout, InvalidInputError, InvalidTypeError, Linear, Model, ReLU, Sigmoid, Softmax, Step,
                      Tanh, data)
from backends import contract
from backends.optim import SGD, Adagrad, Adam, RMSprop
from support import assert_retraces, first_difference, rounding_band

X_SPIRAL, Y_SPIRAL = data.spiral(samples=20, classes=3, seed=0)


def assert_same_accuracy(actual: dict, expected: dict) -> None:
    """Two histories count the same hits: a compiled epoch counts its accuracy over the whole epoch,
    the layer path batch by batch, so the two fractions may differ in the last bit; one hit more or
    less moves an epoch's accuracy by at least 1/n_samples."""
    np.testing.assert_allclose(actual["accuracy"], expected["accuracy"], rtol=1e-12, atol=0)


def small_spiral_model(backend, dropout=False, optimizer=None, dtype="float64"):
    layers = [Dense(2, 16), ReLU()] + ([Dropout(0.2)] if dropout else []) + [Dense(16, 3), Softmax()]
    return Model(layers, optimizer=optimizer or Adam(0.05, decay=5e-7), backend=backend, seed=0, dtype=dtype)


OPTIMIZERS = {"adam": lambda: Adam(0.05, decay=5e-7), "sgd": lambda: SGD(0.5, decay=1e-3, momentum=0.9),
              "adagrad": lambda: Adagrad(0.5, decay=1e-4), "rmsprop": lambda: RMSprop(0.02, decay=1e-5)}


def train(backend, dropout=False, batch_size=None, optimizer_name="adam", steps=50, dtype="float64"):
    """The loss curve of `steps` steps (full batch: one a point; mini-batches of 13 over 60 samples: 5 a point)."""
    model = small_spiral_model(backend, dropout, OPTIMIZERS[optimizer_name](), dtype)
    epochs = steps if batch_size is None else -(-steps // 5)
    curve = model.fit(X_SPIRAL, Y_SPIRAL, epochs=epochs, batch_size=batch_size, verbose=False)["loss"]
    assert model.optimizer.iterations == (epochs if batch_size is None else 5 * epochs)
    return curve


@functools.cache
def python_curve(dropout, batch_size, optimizer_name):
    """The pure-Python backend's loss curve: the reference every other backend must retrace."""
    return train("python", dropout, batch_size, optimizer_name)


@functools.cache
def band(dropout, batch_size, optimizer_name):
    """How far a correct backend may stray from the reference (support.rounding_band)."""
    return rounding_band(lambda name: train(name, dropout, batch_size, optimizer_name),
                         python_curve(dropout, batch_size, optimizer_name))


def assert_retraces_python(backend, curve, dropout=False, batch_size=None, optimizer_name="adam"):
    """The curve retraces the python reference within the band; a failure names, and is counted
    for, the first operation that differs from numpy's on its own inputs."""
    __tracebackhide__ = True

    def diagnose(step):
        op, sentence = first_difference(backend, lambda name, steps: train(name, dropout, batch_size, optimizer_name,
                                                                           steps), step)
        if op is not None:
            contract.blame(op)
        return sentence
    assert_retraces(curve, python_curve(dropout, batch_size, optimizer_name), band(dropout, batch_size, optimizer_name),
                    steps_per_point=1 if batch_size is None else 5, diagnose=diagnose)


@pytest.mark.parametrize("dropout, batch_size", [(False, None), (True, None), (False, 13), (True, 13)],
                         ids=["full-batch", "dropout", "mini-batches", "dropout+mini-batches"])
def test_same_seed_same_loss_curve_on_every_backend(backend, dropout, batch_size):
    """50 steps (full batch: 50 epochs; mini-batches of 13 over 60 samples: 10 epochs of 5 steps)."""
    curve = train(backend.name, dropout, batch_size)
    assert_retraces_python(backend, curve, dropout, batch_size)
    assert curve[-1] < curve[0]


@pytest.mark.parametrize("optimizer_name", ["sgd", "adagrad", "rmsprop"])
def test_every_optimizer_trains_identically_on_every_backend(backend, optimizer_name):
    curve = train(backend.name, optimizer_name=optimizer_name)
    assert_retraces_python(backend, curve, optimizer_name=optimizer_name)
    assert curve[-1] < curve[0]


def test_training_in_each_dtype_follows_the_float64_reference(backend, dtype):
    """float32 carries ~7 digits, and Adam at lr 0.05 amplifies rounding: 2 % over 50 steps."""
    curve = train(backend.name, dtype=dtype)
    if dtype == "float64":
        assert_retraces_python(backend, curve)
    else:
        np.testing.assert_allclose(curve, python_curve(False, None, "adam"), rtol=2e-2)
    model = small_spiral_model(backend.name, dtype=dtype)
    assert model.predict(X_SPIRAL).dtype == np.dtype(dtype)


def test_history_holds_every_epoch(backend):
    model = small_spiral_model(backend.name)
    history = model.fit(X_SPIRAL, Y_SPIRAL, epochs=3, validation_data=(X_SPIRAL, Y_SPIRAL), verbose=False)
    assert set(history) == {"loss", "accuracy", "learning_rate", "val_loss", "val_accuracy"}
    assert all(len(values) == 3 for values in history.values())
    assert history["learning_rate"][0] == 0.05
    assert history["learning_rate"][2] == pytest.approx(0.05 / (1 + 5e-7 * 2))


def test_the_remainder_batch_is_kept(backend):
    model = small_spiral_model(backend.name)
    model.fit(X_SPIRAL, Y_SPIRAL, epochs=2, batch_size=25, verbose=False)  # 60 samples: 25 + 25 + 10
    assert model.optimizer.iterations == 6


def test_shuffling_is_seeded():
    runs = [Model([Dense(2, 8), ReLU(), Dense(8, 3), Softmax()], backend="numpy", seed=seed).fit(
        X_SPIRAL, Y_SPIRAL, epochs=3, batch_size=10, verbose=False)["loss"] for seed in (1, 1, 2)]
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_evaluate_and_predict(backend):
    model = small_spiral_model(backend.name)
    model.fit(X_SPIRAL, Y_SPIRAL, epochs=5, verbose=False)
    predictions = model.predict(X_SPIRAL)
    assert isinstance(predictions, np.ndarray) and predictions.shape == (60, 3)
    np.testing.assert_allclose(predictions.sum(axis=1), 1.0)
    scores = model.evaluate(X_SPIRAL, Y_SPIRAL)
    assert scores["accuracy"] == pytest.approx(np.mean(predictions.argmax(axis=1) == Y_SPIRAL))
    expected_loss = -np.mean(np.log(np.clip(predictions[np.arange(60), Y_SPIRAL], 1e-7, 1 - 1e-7)))
    assert scores["loss"] == pytest.approx(expected_loss, rel=1e-9)
    np.testing.assert_allclose(model.predict(X_SPIRAL, batch_size=7), predictions, rtol=1e-12)
    assert model.evaluate(X_SPIRAL, Y_SPIRAL, batch_size=7)["loss"] == pytest.approx(expected_loss, rel=1e-9)


def test_one_hot_targets_train_like_class_indices():
    one_hot = np.eye(3)[Y_SPIRAL]
    by_index = small_spiral_model("numpy").fit(X_SPIRAL, Y_SPIRAL, epochs=5, verbose=False)["loss"]
    by_one_hot = small_spiral_model("numpy").fit(X_SPIRAL, one_hot, epochs=5, verbose=False)["loss"]
    assert by_index == by_one_hot


def test_softmax_with_cross_entropy_uses_the_fused_backward(backend, monkeypatch):
    model = small_spiral_model(backend.name)
    calls = []
    monkeypatch.setattr(backend.kernels, "softmax_backward", lambda *args: calls.append(args))
    model.fit(X_SPIRAL, Y_SPIRAL, epochs=1, verbose=False)
    assert calls == []


def test_regularization_is_added_to_the_reported_loss():
    plain = Model([Dense(2, 8), ReLU(), Dense(8, 3), Softmax()], backend="numpy", seed=0)
    penalized = Model([Dense(2, 8, weight_l2=0.5), ReLU(), Dense(8, 3), Softmax()], backend="numpy", seed=0)
    first_plain = plain.fit(X_SPIRAL, Y_SPIRAL, epochs=1, verbose=False)["loss"][0]
    weights = penalized.layers[0].weights.copy()
    first_penalized = penalized.fit(X_SPIRAL, Y_SPIRAL, epochs=1, verbose=False)["loss"][0]
    assert first_penalized == pytest.approx(first_plain + 0.5 * np.sum(weights**2), rel=1e-12)


def test_binary_and_regression_targets_may_be_flat_for_one_output(backend):
    X, y = data.xor()

    def binary():
        return Model([Dense(2, 4), Sigmoid(), Dense(4, 1), Sigmoid()], loss="binary_cross_entropy",
                     backend=backend.name)

    assert binary().fit(X, y.ravel(), epochs=2, verbose=False) == binary().fit(X, y, epochs=2, verbose=False)
    regression = Model([Dense(1, 4), ReLU(), Dense(4, 1), Linear()], loss="mean_squared_error", backend=backend.name,
                       accuracy_tolerance=0.1)
    X, y = data.sine(samples=20)
    history = regression.fit(X, y.ravel(), epochs=2, verbose=False)
    assert len(history["accuracy"]) == 2 and regression.accuracy_tolerance == 0.1


def test_summary_and_parameter_count(backend):
    model = Model([Dense(2, 64), ReLU(), Dense(64, 3), Softmax()], backend=backend.name)
    assert model.parameter_count == 2 * 64 + 64 + 64 * 3 + 3
    summary = model.summary()
    assert f"backend {backend.name!r}" in summary and "total parameters: 387" in summary
    assert "Dense(n_inputs=64, n_neurons=3, init='small', bias=True)" in summary


def test_progress_bar_shows_loss_and_accuracy_unless_quiet(capsys):
    small_spiral_model("numpy").fit(X_SPIRAL, Y_SPIRAL, epochs=5, verbose=True)
    shown = capsys.readouterr().err
    assert "fit [numpy]" in shown and "loss=" in shown and "accuracy=" in shown
    small_spiral_model("numpy").fit(X_SPIRAL, Y_SPIRAL, epochs=5, verbose=False)
    assert capsys.readouterr().err == ""


BAD_FITS = {
    "features do not match the first layer": (
        lambda m: m.fit(np.ones((4, 3)), [0, 1, 2, 0], verbose=False), InvalidInputError,
        "fit: X has 3 features per sample but the first Dense layer takes 2; got X.shape=(4, 3)"),
    "labels of the wrong length": (
        lambda m: m.fit(np.ones((4, 2)), [0, 1, 2], verbose=False), InvalidInputError,
        "fit: targets must hold one class index per sample (4,); got y.shape=(3,)"),
    "labels out of range": (
        lambda m: m.fit(np.ones((4, 2)), [0, 1, 2, 3], verbose=False), InvalidInputError,
        "fit: class index out of range for 3 classes (0..2); got y[3]=3"),
    "float labels": (
        lambda m: m.fit(np.ones((2, 2)), [0.0, 1.0], verbose=False), InvalidTypeError,
        "fit: class indices must be integers; got y.dtype=float64"),
    "an empty data set": (
        lambda m: m.fit(np.ones((0, 2)), [], verbose=False), InvalidInputError,
        "fit: X is empty; a batch needs at least one sample; got X.shape=(0, 2)"),
    "ragged features": (
        lambda m: m.fit([[1.0, 2.0], [3.0]], [0, 1], verbose=False), InvalidInputError,
        "fit: X is ragged: every row must have the length of row 0 (2); got len(X[1])=1"),
    "NaN features": (
        lambda m: m.predict([[1.0, float("nan")]]), InvalidInputError,
        "predict: X must be finite (no NaN or infinity); got X[0][1]=nan"),
    "zero epochs": (
        lambda m: m.fit(np.ones((2, 2)), [0, 1], epochs=0, verbose=False), InvalidInputError,
        "fit: epochs must be a positive integer; got epochs=0"),
    "zero batch size": (
        lambda m: m.fit(np.ones((2, 2)), [0, 1], batch_size=0, verbose=False), InvalidInputError,
        "fit: batch_size must be a positive integer; got batch_size=0"),
    "validation data that is not a pair": (
        lambda m: m.fit(np.ones((2, 2)), [0, 1], validation_data=np.ones((2, 2)), verbose=False), InvalidInputError,
        "fit: validation_data must be a pair (X_val, y_val); got validation_data of type ndarray"),
    "one-hot rows of the wrong width": (
        lambda m: m.evaluate(np.ones((2, 2)), np.eye(2)), InvalidInputError,
        "evaluate: 2-D targets must be one-hot rows of shape (2, 3); got y.shape=(2, 2)"),
}


@pytest.mark.parametrize("case", BAD_FITS)
def test_bad_data_gets_a_clear_error(backend, case):
    call, error, message = BAD_FITS[case]
    with pytest.raises(error) as raised:
        call(small_spiral_model(backend.name))
    assert str(raised.value) == message


def test_bad_models_get_a_clear_error():
    with pytest.raises(InvalidInputError) as raised:
        Model([Dense(2, 64), ReLU(), Dense(32, 3)])
    assert str(raised.value) == ("Model: layers[2] takes 32 inputs but the Dense layer before it gives 64; "
                                 "got layers[2]=Dense(n_inputs=32, n_neurons=3, init='small', bias=True)")
    with pytest.raises(InvalidInputError, match="Model: unknown loss; got loss='hinge'; valid names are"):
        Model([Dense(2, 3)], loss="hinge")
    with pytest.raises(InvalidInputError, match="Model: a model needs at least one Dense layer"):
        Model([ReLU()])
    with pytest.raises(InvalidTypeError, match=r"Model: every layer must be a Layer \(Dense, ReLU, ...\); got layers\[0\]=3"):
        Model([3])
    with pytest.raises(InvalidInputError, match="Model: dtype must be one of float64 on this backend; got dtype=.float32."):
        Model([Dense(2, 3)], backend="python", dtype="float32")


COMPILABLE = {
    "relu": lambda: [Dense(2, 16), ReLU(), Dense(16, 3), Softmax()],
    "deep, tanh and sigmoid, no biases": lambda: [Dense(2, 8, bias=False), Tanh(), Dense(8, 8), Sigmoid(),
                                                  Dense(8, 5), Linear(), Dense(5, 3), Softmax()],
    "one layer": lambda: [Dense(2, 3), Softmax()],
}


@pytest.mark.parametrize("architecture", COMPILABLE)
def test_a_compiled_training_step_matches_the_layer_by_layer_step(backend, dtype, architecture):
    """Backends that compile whole steps (numba) must retrace the layer-by-layer path exactly."""
    compiled = Model(COMPILABLE[architecture](), optimizer=Adam(0.05, decay=1e-3), backend=backend.name, dtype=dtype)
    reference = Model(COMPILABLE[architecture](), optimizer=Adam(0.05, decay=1e-3), backend=backend.name, dtype=dtype,
                      compile_step=False)
    assert reference.compiled_step is None
    assert (compiled.compiled_step is not None) == hasattr(backend.kernels, "compiled_training_step")
    for batch_size in (None, 16):
        expected = reference.fit(X_SPIRAL, Y_SPIRAL, epochs=10, batch_size=batch_size, verbose=False)
        actual = compiled.fit(X_SPIRAL, Y_SPIRAL, epochs=10, batch_size=batch_size, verbose=False)
        np.testing.assert_allclose(actual["loss"], expected["loss"], rtol=1e-9 if dtype == "float64" else 1e-4)
        assert_same_accuracy(actual, expected)
    np.testing.assert_allclose(compiled.predict(X_SPIRAL), reference.predict(X_SPIRAL),
                               rtol=1e-9 if dtype == "float64" else 1e-3, atol=1e-12 if dtype == "float64" else 1e-5)


# ---------------------------------------------------------------- every model Model trains, compiled
HIDDEN = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "linear": Linear}
PENALTIES = {"none": {}, "l1": {"weight_l1": 1e-3, "bias_l1": 1e-3}, "l2": {"weight_l2": 1e-3, "bias_l2": 1e-3},
             "l1+l2": {"weight_l1": 1e-3, "weight_l2": 1e-3, "bias_l1": 1e-3, "bias_l2": 1e-3}}
STEP_OPTIMIZERS = {"sgd": lambda: SGD(0.1, decay=1e-3), "sgd+momentum": lambda: SGD(0.1, decay=1e-3, momentum=0.9),
                   "adagrad": lambda: Adagrad(0.1, decay=1e-3), "rmsprop": lambda: RMSprop(0.01, decay=1e-3),
                   "adam": lambda: Adam(0.01, decay=1e-3)}
#: each loss with the output activation it is used with, and targets for the spiral's 60 samples
LOSS_SETUPS = {"categorical_cross_entropy": (Softmax, Y_SPIRAL),
               "binary_cross_entropy": (Sigmoid, np.eye(3)[Y_SPIRAL]),
               "mean_squared_error": (Linear, np.hypot(X_SPIRAL[:, 0], X_SPIRAL[:, 1])),
               "mean_absolute_error": (Linear, 2 * X_SPIRAL[:, ::-1])}
DROPOUTS = ("none", "after", "before")  # none, or a Dropout after each hidden activation, or before it

#: Every optimizer against every loss, and every pair of any two factors (optimizer, loss, hidden
#: activation, penalties, dropout) in at least one row: 20 rows, where the full product has 960.
#: Each row trains full batch and in shuffled mini-batches.
PAIRWISE = [
    ("sgd", "categorical_cross_entropy", "tanh", "l1+l2", "none"),
    ("sgd", "binary_cross_entropy", "relu", "l1", "after"),
    ("sgd", "mean_squared_error", "linear", "l2", "before"),
    ("sgd", "mean_absolute_error", "sigmoid", "none", "none"),
    ("sgd+momentum", "categorical_cross_entropy", "sigmoid", "l2", "before"),
    ("sgd+momentum", "binary_cross_entropy", "linear", "l1+l2", "after"),
    ("sgd+momentum", "mean_squared_error", "tanh", "none", "after"),
    ("sgd+momentum", "mean_absolute_error", "relu", "l1", "none"),
    ("adagrad", "categorical_cross_entropy", "linear", "none", "after"),
    ("adagrad", "binary_cross_entropy", "relu", "l2", "none"),
    ("adagrad", "mean_squared_error", "sigmoid", "l1+l2", "none"),
    ("adagrad", "mean_absolute_error", "tanh", "l1", "before"),
    ("rmsprop", "categorical_cross_entropy", "relu", "none", "before"),
    ("rmsprop", "binary_cross_entropy", "tanh", "l2", "none"),
    ("rmsprop", "mean_squared_error", "sigmoid", "l1", "after"),
    ("rmsprop", "mean_absolute_error", "linear", "l1+l2", "before"),
    ("adam", "categorical_cross_entropy", "linear", "l1", "none"),
    ("adam", "binary_cross_entropy", "sigmoid", "none", "before"),
    ("adam", "mean_squared_error", "relu", "l1+l2", "after"),
    ("adam", "mean_absolute_error", "tanh", "l2", "after"),
]


#: Beyond the table: a Dropout(0.2) on the inputs, before the first Dense layer.
INPUT_DROPOUT_ROWS = [("sgd+momentum", "categorical_cross_entropy", "relu", "l2", "inputs"),
                      ("adam", "mean_squared_error", "tanh", "none", "inputs")]


def test_the_pairwise_table_covers_every_pair_of_factors():
    levels = [STEP_OPTIMIZERS, LOSS_SETUPS, HIDDEN, PENALTIES, DROPOUTS]
    for (i, first), (j, second) in itertools.combinations(enumerate(levels), 2):
        assert {(row[i], row[j]) for row in PAIRWISE} == set(itertools.product(first, second)), (i, j)


def any_model_layers(loss, hidden, penalties, dropout):
    """Two hidden layers of the given kind, with penalties on every Dense layer, and the loss's output."""
    output, targets = LOSS_SETUPS[loss]
    n_outputs = 3 if loss == "categorical_cross_entropy" else (targets.shape[1] if targets.ndim == 2 else 1)
    layers = [Dropout(0.2)] if dropout == "inputs" else []
    for n_inputs, n_neurons, rate in ((2, 16, 0.2), (16, 8, 0.3)):  # rates that differ: masks cannot be swapped
        activation = [HIDDEN[hidden]()]
        dropped = {"after": activation + [Dropout(rate)], "before": [Dropout(rate)] + activation}
        layers += [Dense(n_inputs, n_neurons, **PENALTIES[penalties])] + dropped.get(dropout, activation)
    return layers + [Dense(8, n_outputs, **PENALTIES[penalties]), output()]


def assert_arrays_alike(actual, expected, rtol):
    """Each value within rtol of its own size or of the array's largest (at least 1e-3): an element
    near zero is judged on the array's scale (a compiler's fused multiply-adds move it by a rounding
    of that)."""
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    scale = max(np.abs(expected).max(initial=0.0), 1e-3)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale)


def assert_trained_alike(compiled, reference, rtol):
    """Same parameters, optimizer state and steps, and the same random stream left for the dropouts."""
    assert compiled.optimizer.iterations == reference.optimizer.iterations
    values = compiled.backend.tolist  # a flat buffer's views or one array per parameter alike
    for actual, expected in zip(compiled.parameters(), reference.parameters(), strict=True):
        assert_arrays_alike(values(actual), values(expected), rtol)
    expected_state = reference.optimizer.state
    if not expected_state:  # put back to before the first step: the compiled step made its state before that, zeros
        expected_state = [{name: np.zeros_like(array) for name, array in state.items()}
                          for state in compiled.optimizer.state]
    for kept, expected in zip(compiled.optimizer.state, expected_state, strict=True):
        for name in expected:
            assert_arrays_alike(values(kept[name]), values(expected[name]), rtol)
    for layer, expected in zip(compiled.layers, reference.layers):
        if isinstance(layer, Dropout):
            assert layer.rng.bit_generator.state == expected.rng.bit_generator.state


def compiled_or_skip(model):
    """The model's compiled step; a hook may return None for a plan it cannot run (the interface's
    contract), and the test is then skipped, saying so. The plainest model must compile (below)."""
    if model.compiled_step is None:
        pytest.skip(f"The compiled_training_step of the backend {model.backend.name!r} returned None for this model, "
                    "as a hook may for a plan it cannot run; the model trains layer by layer.")
    return model.compiled_step


@pytest.mark.needs_compiled_step
def test_a_compiled_step_runs_at_least_the_plainest_model(backend):
    """A hook that compiled no model at all would skip every test of it: Dense, ReLU, Dense, Softmax
    with Adam must compile, and train as the layers do."""
    compiled, reference = (Model([Dense(2, 8), ReLU(), Dense(8, 3), Softmax()], optimizer=Adam(0.05),
                                 backend=backend.name, compile_step=compile_step) for compile_step in (True, False))
    assert compiled.compiled_step is not None
    actual, expected = (model.fit(X_SPIRAL, Y_SPIRAL, epochs=5, verbose=False)["loss"]
                        for model in (compiled, reference))
    np.testing.assert_allclose(actual, expected, rtol=1e-9, atol=0)


def train_compiled_and_layer_by_layer(backend, optimizer, loss, hidden, penalties, dropout, dtype, rtol):
    """50 steps full batch, then 52 in shuffled mini-batches of 16 (60 samples: 16 + 16 + 16 + 12), each
    held to the layer-by-layer path: loss history, accuracy, parameters, optimizer state, predictions."""
    targets = LOSS_SETUPS[loss][1]
    for batch_size, epochs, steps in ((None, 50, 50), (16, 13, 52)):
        compiled, reference = (Model(any_model_layers(loss, hidden, penalties, dropout), loss=loss,
                                     optimizer=STEP_OPTIMIZERS[optimizer](), backend=backend.name, seed=0,
                                     dtype=dtype, compile_step=compile_step) for compile_step in (True, False))
        compiled_or_skip(compiled)
        assert reference.compiled_step is None
        actual, expected = (model.fit(X_SPIRAL, targets, epochs=epochs, batch_size=batch_size, verbose=False)
                            for model in (compiled, reference))
        np.testing.assert_allclose(actual["loss"], expected["loss"], rtol=rtol, atol=0)
        assert_same_accuracy(actual, expected)
        assert actual["learning_rate"] == expected["learning_rate"]  # each epoch's, though run ahead
        assert actual["loss"][-1] != actual["loss"][0]
        assert compiled.optimizer.iterations == steps
        assert_trained_alike(compiled, reference, rtol=rtol)
        assert_arrays_alike(compiled.predict(X_SPIRAL), reference.predict(X_SPIRAL), rtol)


@pytest.mark.needs_compiled_step
@pytest.mark.parametrize("optimizer, loss, hidden, penalties, dropout", PAIRWISE + INPUT_DROPOUT_ROWS,
                         ids=["-".join(row) for row in PAIRWISE + INPUT_DROPOUT_ROWS])
def test_every_model_trains_compiled_as_it_does_layer_by_layer(backend, optimizer, loss, hidden, penalties, dropout):
    train_compiled_and_layer_by_layer(backend, optimizer, loss, hidden, penalties, dropout, "float64", rtol=1e-9)


#: A row per optimizer kind, each with penalties and dropout: the float32 runs.
FLOAT32_ROWS = [PAIRWISE[5], PAIRWISE[11], PAIRWISE[15], PAIRWISE[18]]


@pytest.mark.needs_compiled_step
@pytest.mark.needs_float32
@pytest.mark.parametrize("optimizer, loss, hidden, penalties, dropout", FLOAT32_ROWS,
                         ids=["-".join(row) for row in FLOAT32_ROWS])
def test_every_model_trains_compiled_as_it_does_layer_by_layer_in_float32(backend, optimizer, loss, hidden, penalties,
                                                                          dropout):
    """The same kernels in the same dtype: float32 is held to 1e-4, as the compiled Adam step above."""
    train_compiled_and_layer_by_layer(backend, optimizer, loss, hidden, penalties, dropout, "float32", rtol=1e-4)


def test_models_the_compiled_step_cannot_run_use_the_layers(backend):
    """What stays layer by layer whatever the backend: a layer, loss or optimizer of a class the plan
    cannot name (a subclass of a known one too), which no hook is asked about; and a Step layer
    fails training with the layer's own error, compiled or not. (Which other models a hook compiles
    is its own to say: the numba step's refusals are in tests/test_training_plan.py.)"""
    class Clipped(ReLU):
        pass

    class Nesterov(SGD):
        pass

    if not hasattr(backend.kernels, "compiled_training_step"):  # with a hook, a dropout model may compile or not
        dropout = Model([Dense(2, 8), ReLU(), Dropout(0.1), Dense(8, 3), Softmax()], backend=backend.name)
        assert dropout.compiled_step is None
    for layers, optimizer in [([Dense(2, 8), Clipped(), Dense(8, 3), Softmax()], Adam()),
                              ([Dense(2, 8), ReLU(), Dense(8, 3), Softmax()], Nesterov(0.1))]:
        assert Model(layers, optimizer=optimizer, backend=backend.name).compiled_step is None
    with pytest.raises(InvalidInputError, match="Step.backward: the step function has zero gradient"):
        Model([Dense(2, 8), Step(), Dense(8, 3), Softmax()], backend=backend.name).fit(X_SPIRAL, Y_SPIRAL,
                                                                                         verbose=False)


DIVERGING = {"adam": lambda: Adam(1e300), "sgd+momentum": lambda: SGD(1e300, momentum=0.9),
             "adagrad": lambda: Adagrad(1e300), "rmsprop": lambda: RMSprop(1e300)}


@pytest.mark.parametrize("dropout", [False, True], ids=["no-dropout", "dropout"])
@pytest.mark.parametrize("optimizer", DIVERGING)
def test_a_compiled_epoch_diverges_as_the_layer_by_layer_path_does(backend, optimizer, dropout, monkeypatch):
    """Mini-batch epochs that a backend runs as one call stop at the same batch, with the same message
    and the same restored parameters and optimizer state, as the layer-by-layer loop; and training goes
    on from there alike, the dropout masks included (the compiled epoch draws them ahead, here one
    batch's per call, and must give back the ones the layer path would not have drawn yet)."""
    if hasattr(backend.kernels, "compiled_training_step"):
        from backends.numba_kernels import training_step
        monkeypatch.setattr(training_step, "MASK_BUDGET", 1)
    models = []
    for compile_step in (False, True):
        model = Model([Dense(2, 16), ReLU()] + ([Dropout(0.3)] if dropout else []) + [Dense(16, 3), Softmax()],
                      optimizer=DIVERGING[optimizer](), backend=backend.name, compile_step=compile_step)
        with pytest.raises(FloatingPointError) as raised:
            model.fit(X_SPIRAL, Y_SPIRAL, epochs=3, batch_size=16, verbose=False)
        models.append((model, str(raised.value)))
    (reference, message), (compiled, compiled_message) = models
    assert "training diverged at epoch 1 of 3, batch " in message
    assert compiled_message == message
    np.testing.assert_array_equal(compiled.predict(X_SPIRAL), reference.predict(X_SPIRAL))
    assert_trained_alike(compiled, reference, rtol=0)
    for model, _ in models:
        model.optimizer.learning_rate = 1e-3
    np.testing.assert_allclose(compiled.fit(X_SPIRAL, Y_SPIRAL, epochs=2, batch_size=16, verbose=False)["loss"],
                               reference.fit(X_SPIRAL, Y_SPIRAL, epochs=2, batch_size=16, verbose=False)["loss"],
                               rtol=1e-9, atol=0)


@pytest.mark.needs_compiled_step
def test_a_compiled_epoch_with_dropout_drawn_in_parts_matches_the_layers(backend, monkeypatch):
    """The masks of a long epoch are drawn ahead a part at a time (MASK_BUDGET values): here three
    batches' worth per call, so the 4-batch epochs split 3 + 1. With a Dropout on the inputs too."""
    from backends.numba_kernels import training_step
    monkeypatch.setattr(training_step, "MASK_BUDGET", 3 * 16 * (2 + 16 + 8))
    compiled, reference = (Model([Dropout(0.1)] + any_model_layers("binary_cross_entropy", "relu", "l2", "after"),
                                 loss="binary_cross_entropy", optimizer=Adam(0.01), backend=backend.name,
                                 compile_step=compile_step) for compile_step in (True, False))
    targets = LOSS_SETUPS["binary_cross_entropy"][1]
    actual, expected = (model.fit(X_SPIRAL, targets, epochs=5, batch_size=16, verbose=False)
                        for model in (compiled, reference))
    compiled_or_skip(compiled)
    np.testing.assert_allclose(actual["loss"], expected["loss"], rtol=1e-9, atol=0)
    assert_same_accuracy(actual, expected)
    assert_trained_alike(compiled, reference, rtol=1e-9)


BAD_TARGETS = {
    "binary targets outside [0, 1]": ("binary_cross_entropy", Sigmoid, 2 * np.eye(3)[Y_SPIRAL]),
    "regression targets of the wrong shape": ("mean_squared_error", Linear, np.ones((60, 2))),
    "NaN regression targets": ("mean_absolute_error", Linear, np.full((60, 3), np.nan)),
}


@pytest.mark.parametrize("case", BAD_TARGETS)
def test_bad_targets_get_the_same_error_compiled_or_not(backend, case):
    loss, output, targets = BAD_TARGETS[case]
    errors = []
    for compile_step in (True, False):
        model = Model([Dense(2, 8), ReLU(), Dense(8, 3), output()], loss=loss, backend=backend.name,
                      compile_step=compile_step)
        for batch_size in (None, 16):
            with pytest.raises(InvalidInputError) as raised:
                model.fit(X_SPIRAL, targets, batch_size=batch_size, verbose=False)
            errors.append(str(raised.value))
    assert len(set(errors)) == 1 and errors[0].startswith("fit: ")


@pytest.mark.needs_compiled_step
def test_a_dropout_of_rate_zero_changes_nothing_and_compiles(backend):
    """Dropout(0.0) passes inputs through and draws no mask: the compiled step skips it, even before
    the first Dense layer."""
    compiled, reference = (Model([Dropout(0.0), Dense(2, 8), ReLU(), Dropout(0.0), Dense(8, 3), Softmax()],
                                 backend=backend.name, compile_step=compile_step) for compile_step in (True, False))
    compiled_or_skip(compiled)
    for batch_size in (None, 16):
        actual, expected = (model.fit(X_SPIRAL, Y_SPIRAL, epochs=5, batch_size=batch_size, verbose=False)["loss"]
                            for model in (compiled, reference))
        np.testing.assert_allclose(actual, expected, rtol=1e-9, atol=0)
    assert_trained_alike(compiled, reference, rtol=1e-9)
