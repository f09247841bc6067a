"""The interface every backend implements, documented once.

A `Backend` pairs a kernel module (`python_backend`, `numpy_backend` or `numba_backend`) with the
kind of native array that module computes on. Each public method validates its arguments with
`backends.validation` and then calls the kernel of the same name, so the three kernel modules carry
only arithmetic and every backend rejects bad input with the same message.

Arrays are 2-D with one row per sample unless a method says otherwise; dense weights hold one row
per neuron, shape (n_neurons, n_inputs), as in `torch.nn.Linear`.

The contract every operation keeps, whatever its array type (the conformance run checks it on
every kernel call, see `backends.contract`):

- it changes none of its arguments, except an optimizer update that works in place, which may
  change `param` and its state arrays (velocity, cache, m, v) and nothing else (not `grad`);
- every array it returns is a new array: it shares no memory with any input, so writing into a
  result leaves the inputs as they were (`linear` returns a copy, `transpose` is not a view);
- results are native arrays of the backend, of the inputs' dtype (`asarray`: the dtype asked for);
  NumPy results are writable and in the machine's byte order; losses return a Python float and
  `tolist` returns new lists of Python floats;
- an optimizer update returns the updated `(param, *state)` (see `updated`): each the array it was
  given, changed in place, or a new array that shares no memory with any input, its input left as
  it was (arrays that cannot change, JAX's, take the second way). A kernel may return None instead,
  meaning "all of them changed in place", as the in-place kernels of earlier releases do.
"""

from __future__ import annotations

import copy
from types import ModuleType

from . import validation as check
from .updates import updated
from .validation import ArrayKind


class Backend:
    """One implementation of the interface. Get one with `backends.get_backend(name)`."""

    def __init__(self, name: str, kernels: ModuleType, arrays: ArrayKind, dtypes: tuple[str, ...]):
        self.name = name
        self.dtypes = dtypes
        missing = [op for op in OPERATIONS if not callable(getattr(kernels, op, None))]
        #: The backend's kernel module: the same operations under the same names, without validation.
        #: For code that has checked its arrays once and calls in a loop, as `Model` does; class
        #: targets must then be a 1-D integer ndarray of class indices.
        self.kernels = _PartialKernels(kernels, name, missing) if missing else kernels
        #: The operations the kernel module does not define: calling one raises MissingKernelError.
        self.missing = tuple(missing)
        self._arrays = arrays

    @classmethod
    def from_kernels(cls, name: str, kernels: ModuleType, arrays: ArrayKind | None = None,
                     dtypes: tuple[str, ...] | None = None) -> "Backend":
        """A backend from a kernel module, for backends from outside the package (see
        docs/writing-a-backend.md). The public methods validate as for the built-ins, word for word.

        `kernels` defines the operations under the interface's names; `asarray` and `tolist` are
        required, any other may be missing (it then raises MissingKernelError, a NotImplementedError,
        naming it and the backend). `arrays` describes the native arrays: `NdArrays(name)`, `ListArrays()` or
        `TypedArrays(name, array_type)` for another type; `dtypes` is a tuple of "float64" and
        "float32", float64 first. Either may instead be given as the module's `ARRAYS` and `DTYPES`.
        An `arrays` made under another name (`TypedArrays("other", ...)`) is taken under `name`, so
        every error message names this backend. Raises TypeError or ValueError naming the backend when one of these is missing or wrong."""
        arrays = getattr(kernels, "ARRAYS", None) if arrays is None else arrays
        dtypes = getattr(kernels, "DTYPES", None) if dtypes is None else dtypes
        where = f"Backend.from_kernels: backend {name!r}"
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"Backend.from_kernels: a backend name must be a Python identifier "
                             f"(letters, digits, underscores); got name={name!r}")
        if not isinstance(arrays, ArrayKind):
            raise TypeError(f"{where}: arrays must be an ArrayKind (NdArrays, ListArrays, TypedArrays), "
                            f"given as arrays= or the kernel module's ARRAYS; got arrays={arrays!r}")
        if (not isinstance(dtypes, tuple) or not dtypes or dtypes[0] != "float64"
                or not set(dtypes) <= {"float64", "float32"}):
            raise ValueError(f"{where}: dtypes must be a tuple of 'float64' then optionally 'float32', "
                             f"given as dtypes= or the kernel module's DTYPES; got dtypes={dtypes!r}")
        for required in ("asarray", "tolist"):
            if not callable(getattr(kernels, required, None)):
                raise TypeError(f"{where}: the kernel module must define {required}(); "
                                f"got kernels={getattr(kernels, '__name__', kernels)!r}")
        if getattr(arrays, "backend", name) != name:
            # the messages name the backend from here: a copy of the kind under the backend's own name
            arrays = copy.copy(arrays)
            arrays.backend = name
        return cls(name, kernels, arrays, dtypes)

    @property
    def arrays(self) -> ArrayKind:
        """The kind of native array this backend computes on (reads shapes and dtypes of its arrays)."""
        return self._arrays

    def __repr__(self):
        return f"<Backend {self.name!r} dtypes={self.dtypes}>"

    # ---------------------------------------------------------------- conversion
    def asarray(self, x, dtype=None):
        """Nested lists/tuples of real numbers, or an ndarray, as this backend's native array.

        1-D or 2-D, rectangular, non-empty and finite. `dtype` is None (float64, or float32 for a
        float32 ndarray on backends that have it), "float64" or "float32"."""
        op = "asarray"
        dtype = check.dtype_name(op, dtype, self.dtypes)
        return self.kernels.asarray(check.check_array_like(op, "x", x), dtype)

    def shape(self, x):
        """The shape of a native array: (n,) or (n_rows, n_columns)."""
        return self._arrays.shape("shape", "x", x)

    def tolist(self, x):
        """A native array as plain nested Python floats (a new list; `x` is not shared)."""
        self._arrays.shape("tolist", "x", x)
        return self.kernels.tolist(x)

    # ---------------------------------------------------------------- the course notebooks' first lessons
    def matmul(self, a, c):
        """Matrix product a·c of a (n, k) and c (k, m) array: every row of a dotted with every column of c."""
        check.check_matmul(self._arrays, "matmul", a, c)
        return self.kernels.matmul(a, c)

    def transpose(self, a):
        """The (m, n) transpose of an (n, m) array: rows become columns."""
        check.check_transpose(self._arrays, "transpose", a)
        return self.kernels.transpose(a)

    # ---------------------------------------------------------------- dense layer
    def dense_forward(self, inputs, weights, biases):
        """inputs·weightsᵀ + biases for inputs (n_samples, n_inputs), weights (n_neurons, n_inputs)
        and biases (n_neurons,); returns (n_samples, n_neurons)."""
        check.check_dense_forward(self._arrays, "dense_forward", inputs, weights, biases)
        return self.kernels.dense_forward(inputs, weights, biases)

    def dense_backward(self, dvalues, inputs, weights, need_dinputs=True):
        """Gradients of a dense layer from the gradient of its outputs, dvalues (n_samples, n_neurons).

        Returns (dinputs = dvalues·weights, dweights = dvaluesᵀ·inputs, dbiases = column sums of dvalues).
        need_dinputs=False skips dinputs (returned as None): the first layer of a network has no layer
        before it to pass them to, and they cost as much as dweights."""
        check.check_dense_backward(self._arrays, "dense_backward", dvalues, inputs, weights)
        return self.kernels.dense_backward(dvalues, inputs, weights, bool(need_dinputs))

    def multiply(self, a, c):
        """Element-wise product of two arrays of one shape (dropout applies its mask with it)."""
        check.check_multiply(self._arrays, "multiply", a, c)
        return self.kernels.multiply(a, c)

    # ---------------------------------------------------------------- activations
    def step(self, z):
        """1.0 where z > 0, else 0.0 (element-wise; 1-D or 2-D)."""
        check.check_elementwise(self._arrays, "step", z)
        return self.kernels.step(z)

    def step_backward(self, dvalues, z):
        """Zeros: the step function is flat wherever it is differentiable, which is why it cannot learn."""
        check.check_backward_from_inputs(self._arrays, "step_backward", dvalues, z)
        return self.kernels.step_backward(dvalues, z)

    def linear(self, z):
        """z unchanged (a copy), the identity activation of a regression output."""
        check.check_elementwise(self._arrays, "linear", z)
        return self.kernels.linear(z)

    def linear_backward(self, dvalues, z):
        """dvalues unchanged (a copy)."""
        check.check_backward_from_inputs(self._arrays, "linear_backward", dvalues, z)
        return self.kernels.linear_backward(dvalues, z)

    def relu(self, z):
        """max(0, z), element-wise."""
        check.check_elementwise(self._arrays, "relu", z)
        return self.kernels.relu(z)

    def relu_backward(self, dvalues, z):
        """dvalues where the ReLU's input z was > 0, else 0."""
        check.check_backward_from_inputs(self._arrays, "relu_backward", dvalues, z)
        return self.kernels.relu_backward(dvalues, z)

    def sigmoid(self, z):
        """1 / (1 + exp(-z)), element-wise, finite for any finite z."""
        check.check_elementwise(self._arrays, "sigmoid", z)
        return self.kernels.sigmoid(z)

    def sigmoid_backward(self, dvalues, outputs):
        """dvalues · s · (1 - s), from the sigmoid's outputs s."""
        check.check_backward_from_outputs(self._arrays, "sigmoid_backward", dvalues, outputs)
        return self.kernels.sigmoid_backward(dvalues, outputs)

    def tanh(self, z):
        """Hyperbolic tangent, element-wise."""
        check.check_elementwise(self._arrays, "tanh", z)
        return self.kernels.tanh(z)

    def tanh_backward(self, dvalues, outputs):
        """dvalues · (1 - t²), from the tanh's outputs t."""
        check.check_backward_from_outputs(self._arrays, "tanh_backward", dvalues, outputs)
        return self.kernels.tanh_backward(dvalues, outputs)

    def softmax(self, z):
        """exp(z) / sum(exp(z)) along each row of a 2-D z; rows sum to 1, finite for any finite z."""
        check.check_rowwise(self._arrays, "softmax", z)
        return self.kernels.softmax(z)

    def softmax_backward(self, dvalues, outputs):
        """The Jacobian-vector product of softmax per row: s · (dvalues - Σ dvalues·s), from outputs s."""
        check.check_backward_from_outputs(self._arrays, "softmax_backward", dvalues, outputs)
        check.check_rowwise(self._arrays, "softmax_backward", outputs)
        return self.kernels.softmax_backward(dvalues, outputs)

    # ---------------------------------------------------------------- losses
    # Class targets are class indices (list, tuple or 1-D integer ndarray, one per row) or one-hot
    # rows (a native 2-D array). Forward returns the mean loss over samples as a Python float.

    def categorical_cross_entropy(self, probs, targets):
        """Mean of -log(probability of the true class), probabilities clipped to [1e-7, 1 - 1e-7]."""
        classes = check.check_class_targets(self._arrays, "categorical_cross_entropy", probs, targets)
        return self.kernels.categorical_cross_entropy(probs, classes)

    def categorical_cross_entropy_backward(self, probs, targets):
        """Gradient of the mean categorical cross-entropy with respect to probs: -onehot / p / n_samples,
        p clipped to [1e-7, 1 - 1e-7] as in the forward (so p = 0 gives a finite gradient)."""
        op = "categorical_cross_entropy_backward"
        classes = check.check_class_targets(self._arrays, op, probs, targets)
        return self.kernels.categorical_cross_entropy_backward(probs, classes)

    def softmax_cross_entropy_backward(self, probs, targets):
        """Gradient of the mean cross-entropy with respect to the logits of a softmax that gave
        probs: (probs - onehot) / n_samples. Cheaper and exacter than chaining the two backwards."""
        op = "softmax_cross_entropy_backward"
        classes = check.check_class_targets(self._arrays, op, probs, targets)
        return self.kernels.softmax_cross_entropy_backward(probs, classes)

    def binary_cross_entropy(self, probs, targets):
        """Mean over all outputs of -(t·log p + (1 - t)·log(1 - p)); targets in [0, 1].

        p is clipped to [1e-7, 1 - 1e-7] first, so p = 0 or 1 gives a finite loss."""
        check.check_probabilities_targets(self._arrays, "binary_cross_entropy", probs, targets)
        return self.kernels.binary_cross_entropy(probs, targets)

    def binary_cross_entropy_backward(self, probs, targets):
        """Gradient of the binary cross-entropy: -(t/p - (1 - t)/(1 - p)) / (n_samples · n_outputs).

        p is clipped to [1e-7, 1 - 1e-7] first, as in the forward: p = 0 or 1 gives a finite gradient."""
        check.check_probabilities_targets(self._arrays, "binary_cross_entropy_backward", probs, targets)
        return self.kernels.binary_cross_entropy_backward(probs, targets)

    def mean_squared_error(self, predictions, targets):
        """Mean over all outputs of (targets - predictions)²."""
        check.check_regression_targets(self._arrays, "mean_squared_error", predictions, targets)
        return self.kernels.mean_squared_error(predictions, targets)

    def mean_squared_error_backward(self, predictions, targets):
        """Gradient of the mean squared error: 2 · (predictions - targets) / (n_samples · n_outputs)."""
        check.check_regression_targets(self._arrays, "mean_squared_error_backward", predictions, targets)
        return self.kernels.mean_squared_error_backward(predictions, targets)

    def mean_absolute_error(self, predictions, targets):
        """Mean over all outputs of |targets - predictions|."""
        check.check_regression_targets(self._arrays, "mean_absolute_error", predictions, targets)
        return self.kernels.mean_absolute_error(predictions, targets)

    def mean_absolute_error_backward(self, predictions, targets):
        """Gradient of the mean absolute error: sign(predictions - targets) / (n_samples · n_outputs)."""
        check.check_regression_targets(self._arrays, "mean_absolute_error_backward", predictions, targets)
        return self.kernels.mean_absolute_error_backward(predictions, targets)

    # ---------------------------------------------------------------- regularization
    def regularization_loss(self, param, l1, l2):
        """The penalty l1·Σ|param| + l2·Σparam² as a Python float."""
        op = "regularization_loss"
        l1 = check.hyperparameter(op, "l1", l1, 0.0)
        l2 = check.hyperparameter(op, "l2", l2, 0.0)
        check.check_regularization_loss(self._arrays, op, param)
        return self.kernels.regularization_loss(param, l1, l2)

    def regularization_backward(self, grad, param, l1, l2):
        """grad plus the penalty's gradient, l1·sign(param) + 2·l2·param (a new array)."""
        op = "regularization_backward"
        l1 = check.hyperparameter(op, "l1", l1, 0.0)
        l2 = check.hyperparameter(op, "l2", l2, 0.0)
        check.check_regularization_backward(self._arrays, op, grad, param)
        return self.kernels.regularization_backward(grad, param, l1, l2)

    # ---------------------------------------------------------------- optimizer updates
    # param and the state arrays are native and of param's shape; lr is the rate already decayed by
    # the optimizer. Each returns the updated (param, *state) as a tuple: the arrays given, changed
    # in place, or new ones (see `updated`); use what it returns.

    def sgd_update(self, param, grad, lr, momentum, velocity):
        """velocity = momentum·velocity - lr·grad; param += velocity.

        Returns (param, velocity)."""
        op = "sgd_update"
        lr = check.hyperparameter(op, "lr", lr, 0.0)
        momentum = check.hyperparameter(op, "momentum", momentum, 0.0, 1.0, high_inclusive=False)
        check.check_sgd_update(self._arrays, op, param, grad, velocity)
        return updated(op, self.kernels.sgd_update(param, grad, lr, momentum, velocity), (param, velocity))

    def adagrad_update(self, param, grad, lr, cache, eps):
        """cache += grad²; param -= lr·grad / (√cache + eps).

        Returns (param, cache)."""
        op = "adagrad_update"
        lr = check.hyperparameter(op, "lr", lr, 0.0)
        eps = check.hyperparameter(op, "eps", eps, 0.0, low_inclusive=False)
        check.check_cache_update(self._arrays, op, param, grad, cache)
        return updated(op, self.kernels.adagrad_update(param, grad, lr, cache, eps), (param, cache))

    def rmsprop_update(self, param, grad, lr, cache, rho, eps):
        """cache = rho·cache + (1 - rho)·grad²; param -= lr·grad / (√cache + eps).

        Returns (param, cache)."""
        op = "rmsprop_update"
        lr = check.hyperparameter(op, "lr", lr, 0.0)
        rho = check.hyperparameter(op, "rho", rho, 0.0, 1.0, high_inclusive=False)
        eps = check.hyperparameter(op, "eps", eps, 0.0, low_inclusive=False)
        check.check_cache_update(self._arrays, op, param, grad, cache)
        return updated(op, self.kernels.rmsprop_update(param, grad, lr, cache, rho, eps), (param, cache))

    def adam_update(self, param, grad, lr, m, v, beta1, beta2, eps, step):
        """Adam as in torch.optim.Adam: m and v are moving averages of grad and grad², corrected for
        their zero start by 1 - beta^step (step counts from 1); param -= lr·m̂ / (√v̂ + eps).
        Returns (param, m, v)."""
        op = "adam_update"
        lr = check.hyperparameter(op, "lr", lr, 0.0)
        beta1 = check.hyperparameter(op, "beta1", beta1, 0.0, 1.0, high_inclusive=False)
        beta2 = check.hyperparameter(op, "beta2", beta2, 0.0, 1.0, high_inclusive=False)
        eps = check.hyperparameter(op, "eps", eps, 0.0, low_inclusive=False)
        step = check.check_step(op, step)
        check.check_adam_update(self._arrays, op, param, grad, m, v)
        return updated(op, self.kernels.adam_update(param, grad, lr, m, v, beta1, beta2, eps, step), (param, m, v))

    # ---------------------------------------------------------------- optional: a whole training step
    def compiled_training_step(self, plan):
        """A whole training step of the model `plan` describes, compiled as one call, or None to run
        it layer by layer.

        An optional hook: a kernel module that defines `compiled_training_step(plan)` receives the
        model's training plan (`backends.nn.plan.TrainingPlan`: plain data, the layers, loss,
        optimizer and where each parameter sits), never the `Model`, and may return a step, or None
        for a plan it cannot run. `Model` calls the step as
        `step(inputs, targets, arrays, masks, optimizer, learning_rate, step_number)`, doing exactly
        what `Model.train_step` does layer by layer (forward, loss, backward, one update): `arrays`
        is [the flat parameters, their gradients, *the optimizer's state arrays] for a plan with
        `flat` True, else [the list of parameter arrays, *one list per optimizer state]; `masks` the
        step's dropout masks; `optimizer` an `OptimizerPlan`. The step returns (outputs, loss),
        having updated the arrays in place, or (outputs, loss, new arrays in the structure given),
        which `Model` keeps. For `Model.fit`'s epochs a step of a flat plan may also offer
        `samples_per_call(batch_size, n_samples)` and `epoch_runner(...)`, whose calls run many
        steps (for a full batch, possibly many epochs) and hand back each step's loss and outputs
        (see `numba_kernels.training_step.CompiledStep`). `Model` asks once, when it is built;
        `Model(..., compile_step=False)` does not ask."""
        hook = getattr(self.kernels, "compiled_training_step", None)
        return None if hook is None else hook(plan)


#: Every operation of the interface, in the order above: what a kernel module may define.
OPERATIONS = tuple(name for name, member in vars(Backend).items()
                   if callable(member) and not name.startswith("_")
                   and name not in ("shape", "from_kernels", "compiled_training_step"))


class MissingKernelError(NotImplementedError):
    """An operation the backend's kernel module does not define, or a stub that says so by raising
    this (as `examples/template_kernels.py` does). The conformance report lists the operation as
    not implemented; a kernel's own NotImplementedError (its array library lacks something) is a
    failure of that operation instead."""


class _PartialKernels:
    """A kernel module that lacks some operations: those raise MissingKernelError naming the
    operation and the backend; everything else is the module's own."""

    def __init__(self, module, backend: str, missing):
        self._module, self._backend, self._missing = module, backend, set(missing)

    def __getattr__(self, name):
        if name in self._missing:
            def not_implemented(*args, **kwargs):
                raise MissingKernelError(f"{name}: not implemented by the {self._backend!r} backend; "
                                         f"got backend={self._backend!r}")
            return not_implemented
        return getattr(self._module, name)

    def __repr__(self):
        return f"<kernels of {self._backend!r} without {', '.join(sorted(self._missing))}>"
