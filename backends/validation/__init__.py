"""Every input check and every error message of the interface, written once.

The backends never check their inputs: `backends.interface.Backend` calls the functions here first, so
the same bad input gets the same exception and the same message on every backend. Messages follow
one grammar::

    "<op>: <what is wrong>; got <name>=<value>"   (then the fix, when there is one)

The checks follow the data on its way in, one module each:

- `conversion`: anything array-like given to `asarray` (nested lists/tuples or an ndarray);
- `arrays`: the native arrays the backends compute on. They come in two kinds, described by an
  `ArrayKind`: nested Python lists of floats (the `python` backend) and float32/float64
  `numpy.ndarray` (the `numpy` and `numba` backends), and `TypedArrays` describes a plug-in's
  (torch tensors, array-API arrays). A kind knows how to read a shape and a dtype
  off its arrays and what a foreign array looks like;
- `operations`: the shape rules of each array operation, written once as a `Signature` from which
  both the fast acceptance test and the error messages come;
- `targets`: the targets of the losses (class indices, one-hot rows, probabilities);
- `scalars`: single numbers (hyperparameters, step counts, sizes).
"""

from .arrays import (
    ArrayKind, ListArrays, NdArrays, TypedArrays, matrix, native_dtype_name, plain_array, same_dtype, same_shape,
    to_numpy, vector)
from .conversion import check_array_like, dtype_name
from .messages import InvalidInputError, InvalidTypeError, TrainingDivergedError
from .operations import (
    Signature, check_adam_update, check_backward_from_inputs, check_backward_from_outputs, check_cache_update,
    check_dense_backward, check_dense_forward, check_elementwise, check_matmul, check_multiply,
    check_regression_targets, check_regularization_backward, check_regularization_loss, check_rowwise,
    check_sgd_update, check_transpose)
from .scalars import check_step, hyperparameter, integer_at_least, positive_int
from .targets import check_class_targets, check_probabilities_targets, class_range, integer_class_indices
