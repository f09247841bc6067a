"""Bad input, matched by its full message, on every backend.

Every case raises the same exception type with the same message on python, numpy and numba — the
checks live once, in backends/validation/. Only the messages about a backend's own native arrays
name that backend; those cases build their expected message from the backend's name.
"""

import math

import numpy as np
import pytest

import backends
from backends import InvalidInputError, InvalidTypeError, ListArrays, NdArrays

BOOK_BATCH = [[1.0, 2.0, 3.0, 2.5], [2.0, 5.0, -1.0, 2.0], [-1.5, 2.7, 3.3, -0.8]]
BOOK_WEIGHTS = [[0.2, 0.8, -0.5, 1.0], [0.5, -0.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]]


def a(b, values):
    return b.asarray(values)


# id -> (call on backend b, exception type, full message)
SAME_EVERYWHERE = {
    # conversion
    "ragged rows": (lambda b: b.asarray([[1, 2, 3], [4, 5]]), InvalidInputError,
                    "asarray: x is ragged: every row must have the length of row 0 (3); got len(x[1])=2"),
    "text": (lambda b: b.asarray([[1, "a"]]), InvalidTypeError,
             "asarray: x must hold real numbers; got x[0][1]='a' (str)"),
    "None": (lambda b: b.asarray([[1.0, None]]), InvalidTypeError,
             "asarray: x must hold real numbers; got x[0][1]=None (NoneType)"),
    "booleans": (lambda b: b.asarray([[True, False]]), InvalidTypeError,
                 "asarray: x must hold real numbers, not booleans; got x[0][0]=True"),
    "complex": (lambda b: b.asarray([[1 + 2j]]), InvalidTypeError,
                "asarray: x must hold real numbers, not complex numbers; got x[0][0]=(1+2j)"),
    "object array": (lambda b: b.asarray(np.array([[1, "a"]], dtype=object)), InvalidTypeError,
                     "asarray: x must hold real numbers; got x.dtype=object"),
    "boolean array": (lambda b: b.asarray(np.array([True, False])), InvalidTypeError,
                      "asarray: x must hold real numbers, not booleans; got x.dtype=bool"),
    "complex array": (lambda b: b.asarray(np.ones((2, 2), dtype=complex)), InvalidTypeError,
                      "asarray: x must hold real numbers, not complex numbers; got x.dtype=complex128"),
    "NaN in a list": (lambda b: b.asarray([[1.0, math.nan]]), InvalidInputError,
                      "asarray: x must be finite (no NaN or infinity); got x[0][1]=nan"),
    "infinity in an array": (lambda b: b.asarray(np.array([[1.0, 2.0], [3.0, np.inf]])), InvalidInputError,
                             "asarray: x must be finite (no NaN or infinity); got x[1][1]=inf"),
    "empty batch": (lambda b: b.asarray([]), InvalidInputError,
                    "asarray: x is empty; a batch needs at least one sample; got len(x)=0"),
    "empty array": (lambda b: b.asarray(np.zeros((0, 4))), InvalidInputError,
                    "asarray: x is empty; a batch needs at least one sample; got x.shape=(0, 4)"),
    "empty rows": (lambda b: b.asarray([[]]), InvalidInputError,
                   "asarray: x has empty rows; each sample needs at least one value; got len(x[0])=0"),
    "3-D list": (lambda b: b.asarray([[[1, 2]]]), InvalidInputError,
                 "asarray: x must be 1-D or 2-D; got x[0][0]=[1, 2]"),
    "3-D array": (lambda b: b.asarray(np.ones((1, 1, 2))), InvalidInputError,
                  "asarray: x must be 1-D or 2-D; got x.shape=(1, 1, 2)"),
    "numbers and rows": (lambda b: b.asarray([1, [2]]), InvalidInputError,
                         "asarray: x mixes numbers and rows; got x[1]=[2]"),
    "a single number": (lambda b: b.asarray(3.0), InvalidInputError,
                        "asarray: x must be 1-D or 2-D, not a single number; got x=3.0; wrap it in a list: [[x]]"),
    "a string": (lambda b: b.asarray("1, 2"), InvalidTypeError,
                 "asarray: x must be nested lists/tuples of numbers or a numpy.ndarray; got type(x)=str"),
    # shapes
    "matmul without transpose": (
        lambda b: b.matmul(a(b, BOOK_BATCH), a(b, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])),
        InvalidInputError,
        "matmul: the columns of a must match the rows of c; got a.shape=(3, 4), c.shape=(2, 3); "
        "did you mean transpose(c)?"),
    "matmul of a 1-D vector": (lambda b: b.matmul(a(b, [1.0, 2.0]), a(b, [[1.0], [2.0]])), InvalidInputError,
                               "matmul: a must be 2-D (one row per sample); got a.shape=(2,); "
                               "use [[...]] for a row vector"),
    "weights stored (n_inputs, n_neurons)": (
        lambda b: b.dense_forward(a(b, BOOK_BATCH), a(b, [[0.1] * 3] * 4), a(b, [1.0, 2.0, 3.0, 4.0])),
        InvalidInputError,
        "dense_forward: weights must have shape (n_neurons, n_inputs), one row per neuron; "
        "got inputs.shape=(3, 4), weights.shape=(4, 3); transpose the weights if they are stored "
        "(n_inputs, n_neurons)"),
    "one bias short": (lambda b: b.dense_forward(a(b, BOOK_BATCH), a(b, BOOK_WEIGHTS), a(b, [2.0, 3.0])),
                       InvalidInputError,
                       "dense_forward: biases must be 1-D with one value per neuron (3,); got biases.shape=(2,)"),
    "biases as a row": (lambda b: b.dense_forward(a(b, BOOK_BATCH), a(b, BOOK_WEIGHTS), a(b, [[2.0, 3.0, 0.5]])),
                        InvalidInputError,
                        "dense_forward: biases must be 1-D with one value per neuron (3,); got biases.shape=(1, 3)"),
    "a single sample as 1-D": (
        lambda b: b.dense_forward(a(b, [1.0, 2.0, 3.0, 2.5]), a(b, BOOK_WEIGHTS), a(b, [2.0, 3.0, 0.5])),
        InvalidInputError,
        "dense_forward: inputs must be 2-D (one row per sample); got inputs.shape=(4,); "
        "wrap a single sample as [[...]]"),
    "dense_backward dvalues of the wrong width": (
        lambda b: b.dense_backward(a(b, [[1.0, 2.0]] * 3), a(b, BOOK_BATCH), a(b, BOOK_WEIGHTS)),
        InvalidInputError,
        "dense_backward: expected dvalues (n_samples, n_neurons), inputs (n_samples, n_inputs), "
        "weights (n_neurons, n_inputs); got dvalues.shape=(3, 2), inputs.shape=(3, 4), weights.shape=(3, 4)"),
    "relu_backward of another shape": (
        lambda b: b.relu_backward(a(b, [[1.0, 2.0, 3.0]] * 2), a(b, [[1.0, 2.0]] * 3)), InvalidInputError,
        "relu_backward: dvalues and z must have the same shape; got dvalues.shape=(2, 3), z.shape=(3, 2)"),
    "softmax of a 1-D vector": (lambda b: b.softmax(a(b, [1.0, 2.0, 3.0])), InvalidInputError,
                                "softmax: z must be 2-D (one row per sample); got z.shape=(3,); "
                                "softmax works on rows; wrap a single sample as [[...]]"),
    "regression targets that would broadcast": (
        lambda b: b.mean_squared_error(a(b, [[1.0], [2.0], [3.0]]), a(b, [1.0, 2.0, 3.0])), InvalidInputError,
        "mean_squared_error: predictions and targets must have the same shape; "
        "got predictions.shape=(3, 1), targets.shape=(3,)"),
    "multiply of two shapes": (lambda b: b.multiply(a(b, [[1.0, 2.0]]), a(b, [1.0, 2.0])), InvalidInputError,
                               "multiply: a and c must have the same shape; got a.shape=(1, 2), c.shape=(2,)"),
    "negative L2 penalty": (lambda b: b.regularization_loss(a(b, [1.0]), 0.0, -1e-4), InvalidInputError,
                            "regularization_loss: l2 must lie in [0, inf); got l2=-0.0001"),
    # class labels
    "class index too large": (
        lambda b: b.categorical_cross_entropy(a(b, [[0.2, 0.3, 0.5]] * 2), [0, 3]), InvalidInputError,
        "categorical_cross_entropy: class index out of range for 3 classes (0..2); got targets[1]=3"),
    "negative class index": (
        lambda b: b.softmax_cross_entropy_backward(a(b, [[0.2, 0.3, 0.5]] * 2), np.array([-1, 0])),
        InvalidInputError,
        "softmax_cross_entropy_backward: class index out of range for 3 classes (0..2); got targets[0]=-1"),
    "one label short": (
        lambda b: b.categorical_cross_entropy(a(b, [[0.2, 0.3, 0.5]] * 2), [0]), InvalidInputError,
        "categorical_cross_entropy: targets must have one class index per sample (row of probs); "
        "got len(targets)=1, probs.shape=(2, 3)"),
    "float labels": (lambda b: b.categorical_cross_entropy(a(b, [[0.5, 0.5]]), [1.0]), InvalidTypeError,
                     "categorical_cross_entropy: class indices must be integers; got targets[0]=1.0 (float)"),
    "float label array": (
        lambda b: b.categorical_cross_entropy(a(b, [[0.5, 0.5]]), np.array([1.0])), InvalidTypeError,
        "categorical_cross_entropy: class indices must be integers; got targets.dtype=float64; "
        "convert them with targets.astype(int)"),
    "boolean labels": (lambda b: b.categorical_cross_entropy(a(b, [[0.5, 0.5]]), [True]), InvalidTypeError,
                       "categorical_cross_entropy: class indices must be integers; got targets[0]=True (bool)"),
    "probs and targets swapped": (
        lambda b: b.categorical_cross_entropy_backward(a(b, [[0.0, 1.0, 0.0]]), a(b, [[0.7, 0.2, 0.1]])),
        InvalidInputError,
        "categorical_cross_entropy_backward: one-hot targets need exactly one 1 and zeros elsewhere in each "
        "row; got targets[0]=[0.7, 0.2, 0.1]; did you swap probs and targets?"),
    "binary targets outside [0, 1]": (
        lambda b: b.binary_cross_entropy(a(b, [[0.5, 0.5]]), a(b, [[1.0, 2.0]])), InvalidInputError,
        "binary_cross_entropy: targets must lie in [0, 1]; got targets[0][1]=2.0"),
    # optimizer updates
    "negative learning rate": (
        lambda b: b.sgd_update(a(b, [1.0]), a(b, [1.0]), -0.1, 0.9, a(b, [0.0])), InvalidInputError,
        "sgd_update: lr must lie in [0, inf); got lr=-0.1"),
    "NaN learning rate": (
        lambda b: b.sgd_update(a(b, [1.0]), a(b, [1.0]), math.nan, 0.9, a(b, [0.0])), InvalidInputError,
        "sgd_update: lr must lie in [0, inf); got lr=nan"),
    "momentum of 1": (
        lambda b: b.sgd_update(a(b, [1.0]), a(b, [1.0]), 0.1, 1.0, a(b, [0.0])), InvalidInputError,
        "sgd_update: momentum must lie in [0, 1); got momentum=1.0"),
    "learning rate as text": (
        lambda b: b.adagrad_update(a(b, [1.0]), a(b, [1.0]), "0.1", a(b, [0.0]), 1e-7), InvalidTypeError,
        "adagrad_update: lr must be a real number; got lr='0.1' (str)"),
    "zero eps": (
        lambda b: b.rmsprop_update(a(b, [1.0]), a(b, [1.0]), 0.1, a(b, [0.0]), 0.9, 0.0), InvalidInputError,
        "rmsprop_update: eps must lie in (0, inf); got eps=0.0"),
    "Adam step 0": (
        lambda b: b.adam_update(a(b, [1.0]), a(b, [1.0]), 0.1, a(b, [0.0]), a(b, [0.0]), 0.9, 0.999, 1e-7, 0),
        InvalidInputError, "adam_update: step counts updates from 1; got step=0"),
    "gradient of another shape": (
        lambda b: b.adam_update(a(b, [[1.0, 2.0, 3.0]] * 2), a(b, [[1.0, 2.0]] * 3), 0.1,
                                a(b, [[0.0] * 3] * 2), a(b, [[0.0] * 3] * 2), 0.9, 0.999, 1e-7, 1),
        InvalidInputError, "adam_update: grad must have the shape of param; got param.shape=(2, 3), grad.shape=(3, 2)"),
}


@pytest.mark.parametrize("case", SAME_EVERYWHERE)
def test_bad_input_gets_the_same_message_on_every_backend(backend, case):
    call, error, message = SAME_EVERYWHERE[case]
    with pytest.raises(error) as raised:
        call(backend)
    assert str(raised.value) == message


def foreign_array(backend):
    """An array that is not native to backend, and the type name its error shows."""
    if isinstance(backend.arrays, ListArrays):
        return np.ones((2, 2)), "numpy.ndarray"
    return [[1.0, 1.0], [1.0, 1.0]], "list"


def test_a_foreign_array_names_the_backend_and_the_fix(backend):
    foreign, type_name = foreign_array(backend)
    with pytest.raises(InvalidTypeError) as raised:
        backend.relu(foreign)
    assert str(raised.value) == (
        f"relu: z is not a native array of the {backend.name!r} backend ({backend.arrays.description}); "
        f"got type(z)={type_name}; convert it with get_backend({backend.name!r}).asarray(z)")


def test_the_python_backends_arrays_are_foreign_to_the_others_and_back(backend):
    python = backends.get_backend("python")
    if backend is python:
        pytest.skip("the python backend's arrays are its own")
    with pytest.raises(InvalidTypeError, match=f"not a native array of the {backend.name!r} backend"):
        backend.softmax(python.asarray([[1.0, 2.0]]))
    with pytest.raises(InvalidTypeError, match="not a native array of the 'python' backend"):
        python.softmax(backend.asarray([[1.0, 2.0]]))


def test_an_integer_array_is_not_native(backend):
    with pytest.raises(InvalidTypeError) as raised:
        backend.tolist(np.array([[1, 2]]))
    if isinstance(backend.arrays, NdArrays):
        expected = (f"tolist: x must be a native float64 or float32 array; got x.dtype=int64; "
                    f"convert it with get_backend({backend.name!r}).asarray(x)")
    else:
        expected = (f"tolist: x is not a native array of the {backend.name!r} backend ({backend.arrays.description}); "
                    f"got type(x)=numpy.ndarray; convert it with get_backend({backend.name!r}).asarray(x)")
    assert str(raised.value) == expected


def test_integers_inside_a_python_native_list_are_caught():
    python = backends.get_backend("python")
    with pytest.raises(InvalidTypeError) as raised:
        python.relu([[1.0, 2]])
    assert str(raised.value) == (
        "relu: z is not a native array of the 'python' backend (a list of float (1-D) or a list of lists of "
        "float (2-D)); got z[0][1]=2 (int); convert it with get_backend('python').asarray(z)")


def test_ragged_python_native_list_is_caught_before_the_loops():
    python = backends.get_backend("python")
    with pytest.raises(InvalidInputError) as raised:
        python.dense_forward([[1.0, 2.0], [1.0]], [[1.0, 1.0]], [0.0])
    assert str(raised.value) == ("dense_forward: inputs is ragged: every row must have the length of row 0 (2); "
                                 "got len(inputs[1])=1")


def test_unsupported_dtype_lists_the_backends_dtypes(backend):
    with pytest.raises(InvalidInputError) as raised:
        backend.asarray([[1.0]], dtype="int32")
    assert str(raised.value) == (f"asarray: dtype must be one of {', '.join(backend.dtypes)} on this backend; "
                                 "got dtype='int32'")


@pytest.mark.needs_float32
def test_mixed_dtypes_are_refused(backend):
    b = backend
    inputs = b.asarray(BOOK_BATCH, dtype="float32")
    with pytest.raises(InvalidTypeError) as raised:
        b.dense_forward(inputs, b.asarray(BOOK_WEIGHTS), b.asarray([2.0, 3.0, 0.5]))
    assert str(raised.value) == ("dense_forward: arrays must share one dtype; got inputs.dtype=float32, "
                                 "weights.dtype=float64, biases.dtype=float64; convert them with "
                                 "asarray(..., dtype=...)")


@pytest.mark.needs_ndarrays
def test_read_only_parameters_are_refused(backend):
    b = backend
    param = b.asarray([1.0, 2.0])
    param.flags.writeable = False
    with pytest.raises(InvalidInputError) as raised:
        b.sgd_update(param, b.asarray([1.0, 1.0]), 0.1, 0.0, b.asarray([0.0, 0.0]))
    assert str(raised.value) == ("sgd_update: param is updated in place but is read-only; "
                                 "got param.flags.writeable=False; pass a writable copy")


def test_errors_subclass_the_builtins():
    assert issubclass(InvalidInputError, ValueError)
    assert issubclass(InvalidTypeError, TypeError)
