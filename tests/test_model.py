"""Model on every backend: the same seed gives the same training run, step for step; fit, evaluate,
predict, summary; and bad data refused with the interface's clear errors."""

import functools

import numpy as np
import pytest

import backends
from backends import Dense, Dropout, InvalidInputError, InvalidTypeError, Linear, Model, ReLU, Sigmoid, Softmax, Tanh, data
from backends.optim import SGD, Adagrad, Adam, RMSprop

X_SPIRAL, Y_SPIRAL = data.spiral(samples=20, classes=3, seed=0)


def small_spiral_model(backend, dropout=False, optimizer=None, dtype="float64"):
    layers = [Dense(2, 16), ReLU()] + ([Dropout(0.2)] if dropout else []) + [Dense(16, 3), Softmax()]
    return Model(layers, optimizer=optimizer or Adam(0.05, decay=5e-7), backend=backend, seed=0, dtype=dtype)


@functools.cache
def python_curve(dropout, batch_size, optimizer_name):
    """The pure-Python backend's loss curve: the reference every other backend must retrace."""
    model = small_spiral_model("python", dropout, OPTIMIZERS[optimizer_name]())
    return model.fit(X_SPIRAL, Y_SPIRAL, epochs=50 if batch_size is None else 10, batch_size=batch_size,
                     verbose=False)["loss"]


OPTIMIZERS = {"adam": lambda: Adam(0.05, decay=5e-7), "sgd": lambda: SGD(0.5, decay=1e-3, momentum=0.9),
              "adagrad": lambda: Adagrad(0.5, decay=1e-4), "rmsprop": lambda: RMSprop(0.02, decay=1e-5)}


@pytest.mark.parametrize("dropout, batch_size", [(False, None), (True, None), (False, 13), (True, 13)],
                         ids=["full-batch", "dropout", "mini-batches", "dropout+mini-batches"])
def test_same_seed_same_loss_curve_on_every_backend(backend, dropout, batch_size):
    """50 steps (full batch: 50 epochs; mini-batches of 13 over 60 samples: 10 epochs of 5 steps)."""
    model = small_spiral_model(backend.name, dropout)
    curve = model.fit(X_SPIRAL, Y_SPIRAL, epochs=50 if batch_size is None else 10, batch_size=batch_size,
                      verbose=False)["loss"]
    assert model.optimizer.iterations == 50
    np.testing.assert_allclose(curve, python_curve(dropout, batch_size, "adam"), rtol=1e-9, atol=0)
    assert curve[-1] < curve[0]


@pytest.mark.parametrize("optimizer_name", ["sgd", "adagrad", "rmsprop"])
def test_every_optimizer_trains_identically_on_every_backend(backend, optimizer_name):
    model = small_spiral_model(backend.name, optimizer=OPTIMIZERS[optimizer_name]())
    curve = model.fit(X_SPIRAL, Y_SPIRAL, epochs=50, verbose=False)["loss"]
    np.testing.assert_allclose(curve, python_curve(False, None, optimizer_name), rtol=1e-9, atol=0)
    assert curve[-1] < curve[0]


def test_training_in_each_dtype_follows_the_float64_reference(backend, dtype):
    """float32 carries ~7 digits, and Adam at lr 0.05 amplifies rounding: 2 % over 50 steps."""
    model = small_spiral_model(backend.name, dtype=dtype)
    curve = model.fit(X_SPIRAL, Y_SPIRAL, epochs=50, verbose=False)["loss"]
    np.testing.assert_allclose(curve, python_curve(False, None, "adam"), rtol=1e-9 if dtype == "float64" else 2e-2)
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
    assert model._fused_backward
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
        assert actual["accuracy"] == expected["accuracy"]
    np.testing.assert_allclose(compiled.predict(X_SPIRAL), reference.predict(X_SPIRAL),
                               rtol=1e-9 if dtype == "float64" else 1e-3, atol=1e-12 if dtype == "float64" else 1e-5)


def test_models_the_compiled_step_cannot_run_use_the_layers(backend):
    for layers, optimizer in [([Dense(2, 8), ReLU(), Dropout(0.1), Dense(8, 3), Softmax()], Adam()),
                              ([Dense(2, 8, weight_l2=1e-3), ReLU(), Dense(8, 3), Softmax()], Adam()),
                              ([Dense(2, 8), ReLU(), Dense(8, 3), Softmax()], SGD(0.1)),
                              ([Dense(2, 8), ReLU(), Dense(8, 1), Sigmoid()], Adam())]:
        loss = "binary_cross_entropy" if isinstance(layers[-1], Sigmoid) else "categorical_cross_entropy"
        assert Model(layers, loss=loss, optimizer=optimizer, backend=backend.name).compiled_step is None


def test_a_compiled_epoch_diverges_as_the_layer_by_layer_path_does(backend):
    """Mini-batch epochs that a backend runs as one call stop at the same batch, with the same message
    and the same restored parameters, as the layer-by-layer loop."""
    outcomes = []
    for compile_step in (False, True):
        model = Model([Dense(2, 16), ReLU(), Dense(16, 3), Softmax()], optimizer=Adam(1e300),
                      backend=backend.name, compile_step=compile_step)
        with pytest.raises(FloatingPointError) as raised:
            model.fit(X_SPIRAL, Y_SPIRAL, epochs=3, batch_size=16, verbose=False)
        outcomes.append((str(raised.value), model.predict(X_SPIRAL), model.optimizer.iterations))
    (message, predictions, iterations), (compiled_message, compiled_predictions, compiled_iterations) = outcomes
    assert "training diverged at epoch 1 of 3, batch " in message
    assert compiled_message == message
    assert compiled_iterations == iterations
    np.testing.assert_array_equal(compiled_predictions, predictions)
