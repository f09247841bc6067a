"""Divergence: fit stops with TrainingDivergedError on every backend at the same step, says where and
why, and leaves the model with the parameters that gave the last finite loss (checked against a fresh
model trained exactly that many steps) and the optimizer able to go on at a lower rate."""

import math

import numpy as np
import pytest

from backends import Dense, Linear, Model, ReLU, Softmax, TrainingDivergedError, data
from backends.nn.divergence import LastFiniteSteps
from backends.optim import SGD, Adam

X_SINE, Y_SINE = data.sine()
X_SPIRAL, Y_SPIRAL = data.spiral(samples=30, classes=3, seed=0)


def sine_model(backend_name, learning_rate=1e6, **options):
    return Model([Dense(1, 16), ReLU(), Dense(16, 1), Linear()], loss="mean_squared_error",
                 optimizer=SGD(learning_rate=learning_rate), backend=backend_name, seed=0, **options)


def spiral_model(backend_name, learning_rate, **options):
    return Model([Dense(2, 16), ReLU(), Dense(16, 3), Softmax()], optimizer=Adam(learning_rate),
                 backend=backend_name, seed=0, **options)


def diverge(model, X, y, epochs=60, **options):
    with pytest.raises(TrainingDivergedError) as raised:
        model.fit(X, y, epochs=epochs, verbose=False, **options)
    return raised.value


def parameters(model):
    return [np.array(model.backend.tolist(p)) for p in model.parameters()]


def test_the_error_is_a_floating_point_error_that_says_where_why_and_what_to_try(backend):
    error = diverge(sine_model(backend.name), X_SINE, Y_SINE)
    assert isinstance(error, FloatingPointError) and isinstance(error, ArithmeticError)
    message = str(error)
    assert message.startswith(f"fit: training diverged at epoch {error.epoch} of 60, batch 1 of 1: the loss became ")
    assert f"got last finite loss={error.last_finite_loss:.6g}, learning_rate=1e+06;" in message
    assert message.endswith("lower the learning rate (try a tenth), add learning-rate decay or scale the inputs "
                            "to about unit size")
    assert error.batch == 1 and error.learning_rate == 1e6
    assert len(error.history["loss"]) == error.epoch - 1
    assert all(math.isfinite(value) for values in error.history.values() for value in values)


def test_every_backend_stops_at_the_same_step_as_numpy(backend):
    expected = diverge(sine_model("numpy"), X_SINE, Y_SINE)
    error = diverge(sine_model(backend.name), X_SINE, Y_SINE)
    assert (error.epoch, error.batch) == (expected.epoch, expected.batch)
    np.testing.assert_allclose(error.history["loss"], expected.history["loss"], rtol=1e-9)


def test_the_model_keeps_the_parameters_that_gave_the_last_finite_loss(backend):
    model = sine_model(backend.name)
    error = diverge(model, X_SINE, Y_SINE)
    # full batch: the non-finite loss of epoch e came from the parameters epoch e - 1 made, so the model
    # goes back to those of after epoch e - 2, which gave the last finite loss (the history's last entry)
    replay = sine_model(backend.name)
    replay.fit(X_SINE, Y_SINE, epochs=error.epoch - 2, verbose=False)
    for kept, expected in zip(parameters(model), parameters(replay)):
        np.testing.assert_array_equal(kept, expected)
    assert model.optimizer.iterations == error.epoch - 2
    assert error.last_finite_loss == error.history["loss"][-1]
    assert model.evaluate(X_SINE, Y_SINE)["loss"] == pytest.approx(error.last_finite_loss, rel=1e-9)
    assert np.isfinite(model.predict(X_SINE)).all()


def test_a_finite_loss_with_an_update_that_overflows_undoes_only_that_update(backend):
    model = sine_model(backend.name, learning_rate=1e308)
    before = parameters(model)
    targets = 1000 * Y_SINE  # a loss of about 5e5, fine, and gradients of hundreds: lr · gradient overflows
    error = diverge(model, X_SINE, targets)
    assert (error.epoch, error.batch) == (1, 1)
    assert ": an update made parameters infinite or NaN; got last finite loss=" in str(error)
    assert error.history["loss"] == []
    assert error.last_finite_loss == pytest.approx(model.evaluate(X_SINE, targets)["loss"], rel=1e-12)
    for kept, initial in zip(parameters(model), before):
        np.testing.assert_array_equal(kept, initial)
    assert model.optimizer.iterations == 0


def test_the_compiled_step_and_adams_state_are_rolled_back_too(backend, dtype):
    model = spiral_model(backend.name, 0.05, dtype=dtype)
    assert (model.compiled_step is not None) == (getattr(backend.kernels, "compiled_training_step", None) is not None)
    model.fit(X_SPIRAL, Y_SPIRAL, epochs=7, verbose=False)
    model.optimizer.learning_rate = 1e154 if dtype == "float64" else 1e19  # logits of lr² overflow
    error = diverge(model, X_SPIRAL, Y_SPIRAL)
    assert (error.epoch, error.batch) == (2, 1) and "the loss became nan" in str(error)
    replay = spiral_model(backend.name, 0.05, dtype=dtype)
    replay.fit(X_SPIRAL, Y_SPIRAL, epochs=7, verbose=False)
    assert model.optimizer.iterations == replay.optimizer.iterations == 7
    for kept, expected in zip(parameters(model), parameters(replay)):
        np.testing.assert_array_equal(kept, expected)
    for kept, expected in zip(model.optimizer.state, replay.optimizer.state, strict=True):
        for name in kept:
            np.testing.assert_array_equal(model.backend.tolist(kept[name]), replay.backend.tolist(expected[name]))


def test_training_goes_on_at_a_lower_learning_rate(backend):
    model = sine_model(backend.name)
    diverge(model, X_SINE, Y_SINE)
    model.optimizer.learning_rate = 1e-3
    history = model.fit(X_SINE, Y_SINE, epochs=5, verbose=False)
    assert all(math.isfinite(value) for value in history["loss"])
    assert history["loss"][-1] < history["loss"][0]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("size", [1, 7, 64, 1000, 100_003])
def test_the_parameter_check_finds_one_bad_value_anywhere(size, dtype):
    model = Model([Dense(size, 1, bias=False)], loss="mean_squared_error", backend="numpy", dtype=dtype)
    guard = LastFiniteSteps(model)
    buffer = model.parameter_buffer
    buffer[...] = np.finfo(dtype).max  # huge but finite: the check itself must not overflow
    assert guard.parameters_finite()
    for position in {0, size // 2, size - 1}:
        for bad in (np.inf, -np.inf, np.nan):
            buffer[position] = bad
            with np.errstate(invalid="ignore"):  # as fit runs it
                assert not guard.parameters_finite()
            buffer[position] = 1.0
    assert guard.parameters_finite()
