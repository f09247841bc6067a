"""Conversion: every form of data `asarray` accepts, as the shared checks accept it, arrives on every
backend equal to the oracle, native and of the dtype asked for, and leaves the caller's data alone;
`tolist` gives it back as new Python floats. The ndarrays a user really passes are here: reversed
(negative strides), Fortran-ordered, strided slices, big-endian, read-only, longdouble, integer."""

import numpy as np
import pytest

from backends import Dense, Model, ReLU, Softmax, data
from backends.optim import Adam
from support import assert_native

BASE = np.array([[1.5, -2.0, 3.25, 0.0], [4.0, 5.5, -6.0, 7.125], [-8.0, 9.0, 10.5, -11.0]])


def _read_only(x):
    x = x.copy()
    x.flags.writeable = False
    return x


#: id -> (the input as the user holds it, its values). Each passes `check_array_like`.
EDGE_INPUTS = {
    "reversed columns": (BASE[:, ::-1], BASE[:, ::-1].copy()),
    "reversed rows": (BASE[::-1], BASE[::-1].copy()),
    "reversed 1-D": (BASE[0, ::-1], BASE[0, ::-1].copy()),
    "Fortran order": (np.asfortranarray(BASE), BASE),
    "strided slice": (np.repeat(np.repeat(BASE, 2, axis=0), 3, axis=1)[::2, ::3], BASE),
    "a column of a wider array": (BASE[:, 1], BASE[:, 1].copy()),
    "transposed view": (BASE.T, BASE.T.copy()),
    "big-endian float64": (BASE.astype(">f8"), BASE),
    "big-endian float32": (BASE.astype(">f4"), BASE),
    "read-only": (_read_only(BASE), BASE),
    "longdouble": (BASE.astype(np.longdouble), BASE),
    "float16": (BASE.astype(np.float16), BASE.astype(np.float16).astype(np.float64)),
    "int32": (np.arange(12, dtype=np.int32).reshape(3, 4), np.arange(12.0).reshape(3, 4)),
    "uint8": (np.arange(6, dtype=np.uint8).reshape(2, 3), np.arange(6.0).reshape(2, 3)),
    "nested tuples": (((1, 2.5), (3, 4)), [[1.0, 2.5], [3.0, 4.0]]),
    "tuple of lists": (([1, 2.5], [3, 4]), [[1.0, 2.5], [3.0, 4.0]]),
    "list of tuples": ([(1, 2.5), (3, 4)], [[1.0, 2.5], [3.0, 4.0]]),
    "numpy scalars in lists": ([[np.float32(0.5), np.int64(2)], [np.float64(-1), 3]], [[0.5, 2.0], [-1.0, 3.0]]),
}


@pytest.mark.parametrize("given", EDGE_INPUTS)
def test_asarray_of_every_input_the_checks_accept(backend, dtype, given):
    x, values = EDGE_INPUTS[given]
    kept = x.copy() if isinstance(x, np.ndarray) else x
    native = backend.asarray(x, dtype=dtype)
    assert_native(backend, native, values, dtype)
    assert backend.tolist(native) == np.asarray(values, dtype=dtype).astype(np.float64).tolist()
    if isinstance(x, np.ndarray):
        np.testing.assert_array_equal(x, kept)  # the caller's array is as it was


@pytest.mark.parametrize("given", ["big-endian float64", "longdouble", "int32", "read-only", "reversed rows"])
def test_asarray_without_a_dtype_gives_float64(backend, given):
    x, values = EDGE_INPUTS[given]
    assert_native(backend, backend.asarray(x), values, "float64")


def test_a_parameter_made_from_a_read_only_array_can_be_updated(backend, dtype):
    source = _read_only(BASE)
    param = backend.asarray(source, dtype=dtype)
    grad = backend.asarray(np.ones_like(BASE), dtype=dtype)
    velocity = backend.asarray(np.zeros_like(BASE), dtype=dtype)
    param, velocity = backend.sgd_update(param, grad, 0.5, 0.0, velocity)
    assert_native(backend, param, BASE - 0.5, dtype)
    np.testing.assert_array_equal(source, BASE)


# ---------------------------------------------------------------- the same inputs through Model
SPIRAL_X, SPIRAL_Y = data.spiral(samples=10, classes=3, seed=0)
MODEL_INPUTS = {  # the 30×2 spiral in each form a user may hold it
    "reversed columns": lambda X: np.ascontiguousarray(X[:, ::-1])[:, ::-1],
    "reversed rows": lambda X: np.ascontiguousarray(X[::-1])[::-1],
    "Fortran order": np.asfortranarray,
    "strided slice": lambda X: np.repeat(X, 2, axis=1)[:, ::2],
    "big-endian": lambda X: X.astype(">f8"),
    "read-only": _read_only,
    "longdouble": lambda X: X.astype(np.longdouble),
    "nested tuples": lambda X: tuple(tuple(float(v) for v in row) for row in X),
}


def _model(backend):
    return Model([Dense(2, 8), ReLU(), Dense(8, 3), Softmax()], optimizer=Adam(0.05), backend=backend.name, seed=0)


@pytest.mark.parametrize("given", MODEL_INPUTS)
def test_model_fits_and_predicts_on_every_input_form(backend, given):
    X = MODEL_INPUTS[given](SPIRAL_X)
    plain = _model(backend)
    expected_history = plain.fit(SPIRAL_X, SPIRAL_Y, epochs=3, verbose=False)
    model = _model(backend)
    history = model.fit(X, SPIRAL_Y, epochs=3, verbose=False)
    np.testing.assert_allclose(history["loss"], expected_history["loss"], rtol=1e-12)
    np.testing.assert_allclose(model.predict(X), plain.predict(SPIRAL_X), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(model.predict(X, batch_size=7), plain.predict(SPIRAL_X), rtol=1e-12, atol=1e-15)
    assert model.evaluate(X, SPIRAL_Y) == pytest.approx(plain.evaluate(SPIRAL_X, SPIRAL_Y), rel=1e-12)


# ---------------------------------------------------------------- the plain forms
def test_asarray_and_tolist_round_trip(backend, dtype):
    values = [[1.0, 2.0, 3.0, 2.5], [2.0, 5.0, -1.0, 2.0]]
    x = backend.asarray(values, dtype=dtype)
    assert_native(backend, x, values, dtype)
    assert backend.tolist(x) == values
    assert all(type(v) is float for row in backend.tolist(x) for v in row)


def test_asarray_takes_tuples_ints_and_1d(backend):
    assert backend.tolist(backend.asarray((1, 2, 3))) == [1.0, 2.0, 3.0]
    assert backend.tolist(backend.asarray(((1, 2), (3, 4)))) == [[1.0, 2.0], [3.0, 4.0]]
    assert backend.tolist(backend.asarray(np.arange(4).reshape(2, 2))) == [[0.0, 1.0], [2.0, 3.0]]


def test_asarray_copies_its_input(backend):
    source = np.array([[1.0, 2.0]])
    x = backend.asarray(source)
    source[0, 0] = 99.0
    assert backend.tolist(x) == [[1.0, 2.0]]


def test_asarray_keeps_float32_arrays_where_the_backend_has_float32(backend):
    x = backend.asarray(np.ones((2, 2), dtype=np.float32))
    expected = "float32" if "float32" in backend.dtypes else "float64"
    assert_native(backend, x, np.ones((2, 2)), expected)


def test_tolist_returns_a_new_list(backend):
    x = backend.asarray([[1.0, 2.0]])
    values = backend.tolist(x)
    values[0][0] = 7.0
    assert backend.tolist(x) == [[1.0, 2.0]]


