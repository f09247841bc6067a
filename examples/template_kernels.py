"""A template kernel module for a new nn-backends backend: copy it, rename it, fill in the operations.

Every operation of the interface is here, in the interface's order, with its formula; each raises
MissingKernelError until you write it, and the conformance suite reports those as "not
implemented" (you may also delete one: a missing operation is reported the same way). Any other
error, a NotImplementedError of your array library included, is a failure of that operation. Start with
asarray and tolist, which every test needs. Then register the backend (docs/writing-a-backend.md):

    from backends import Backend
    import my_kernels
    backend = Backend.from_kernels("mybackend", my_kernels)   # reads ARRAYS and DTYPES below

and run `nn-backends conformance mybackend`. Inputs arrive validated: the kernels do arithmetic only.
The loss kernels take `classes`, the class indices (a tuple of ints or a 1-D integer ndarray, one per
row), whatever form of targets the user passed.

Every convention the suite's oracle (tests/conformance/reference.py) holds you to:

- the updates return the updated (param, *state): sgd/adagrad/rmsprop/adam either change param
  and their state arrays (velocity, cache, m, v) in place and return them (or None), or, on arrays
  that cannot change, return new ones and leave those given as they were; they leave grad as it
  was. No other kernel changes any argument (no `z -= z.max()`, no `dvalues *= ...`, no `clamp_`);
- new arrays: every array a kernel returns shares no memory with its inputs (linear and
  linear_backward copy; transpose copies, a view is refused), in the inputs' dtype and of your
  native type; asarray copies the caller's data, whatever its strides, byte order or dtype
  (reversed, Fortran, big-endian, read-only, longdouble ndarrays, nested tuples);
- clips: the cross-entropies read probabilities through clip(p, 1e-7, 1 - 1e-7), in the forward
  and in the backward (`backends.PROBABILITY_CLIP`); the fused softmax_cross_entropy_backward
  does not clip; in float32 the upper bound rounds to 1 - 2**-23;
- averaging: categorical_cross_entropy and its backwards divide by n_samples; binary
  cross-entropy, the squared and absolute errors and their backwards by n_samples · n_outputs;
  dense_backward's dbiases are column sums, not means; losses return a Python float;
- signs: the SGD velocity is momentum·velocity - lr·grad and is added to param; the others
  subtract lr·grad-like steps; relu_backward passes dvalues where z > 0 only (0 at z = 0); step
  is 1.0 where z > 0 only; mean_absolute_error_backward is 0 where predictions equal targets;
- stability: softmax subtracts each row's maximum before exp; sigmoid takes exp of -|z| only;
  any RuntimeWarning (overflow, divide by zero) fails the suite.
"""

from backends import MissingKernelError, NdArrays

#: The kind of native array the kernels compute on: NdArrays(name) for numpy.ndarray, ListArrays()
#: for nested lists, TypedArrays(name, SomeArrayType) for anything else (torch.Tensor, ...).
ARRAYS = NdArrays("mybackend")
#: The dtypes the backend computes in: float64, then float32 if it has it.
DTYPES = ("float64", "float32")


def asarray(x, dtype):
    """Nested lists/tuples of real numbers, or an ndarray, as this backend's native array.

    1-D or 2-D, rectangular, non-empty and finite. `dtype` is None (float64, or float32 for a
    float32 ndarray on backends that have it), "float64" or "float32".
    """
    raise MissingKernelError("asarray: not written yet (the formula is in the docstring)")


def tolist(x):
    """A native array as plain nested Python floats (a new list; `x` is not shared)."""
    raise MissingKernelError("tolist: not written yet (the formula is in the docstring)")


def matmul(a, c):
    """Matrix product a·c of a (n, k) and c (k, m) array: every row of a dotted with every column of c."""
    raise MissingKernelError("matmul: not written yet (the formula is in the docstring)")


def transpose(a):
    """The (m, n) transpose of an (n, m) array: rows become columns."""
    raise MissingKernelError("transpose: not written yet (the formula is in the docstring)")


def dense_forward(inputs, weights, biases):
    """inputs·weightsᵀ + biases for inputs (n_samples, n_inputs), weights (n_neurons, n_inputs)
    and biases (n_neurons,); returns (n_samples, n_neurons).
    """
    raise MissingKernelError("dense_forward: not written yet (the formula is in the docstring)")


def dense_backward(dvalues, inputs, weights, need_dinputs=True):
    """Gradients of a dense layer from the gradient of its outputs, dvalues (n_samples, n_neurons).

    Returns (dinputs = dvalues·weights, dweights = dvaluesᵀ·inputs, dbiases = column sums of dvalues).
    need_dinputs=False skips dinputs (returned as None): the first layer of a network has no layer
    before it to pass them to, and they cost as much as dweights.
    """
    raise MissingKernelError("dense_backward: not written yet (the formula is in the docstring)")


def multiply(a, c):
    """Element-wise product of two arrays of one shape (dropout applies its mask with it)."""
    raise MissingKernelError("multiply: not written yet (the formula is in the docstring)")


def step(z):
    """1.0 where z > 0, else 0.0 (element-wise; 1-D or 2-D)."""
    raise MissingKernelError("step: not written yet (the formula is in the docstring)")


def step_backward(dvalues, z):
    """Zeros: the step function is flat wherever it is differentiable, which is why it cannot learn."""
    raise MissingKernelError("step_backward: not written yet (the formula is in the docstring)")


def linear(z):
    """z unchanged (a copy), the identity activation of a regression output."""
    raise MissingKernelError("linear: not written yet (the formula is in the docstring)")


def linear_backward(dvalues, z):
    """dvalues unchanged (a copy)."""
    raise MissingKernelError("linear_backward: not written yet (the formula is in the docstring)")


def relu(z):
    """max(0, z), element-wise."""
    raise MissingKernelError("relu: not written yet (the formula is in the docstring)")


def relu_backward(dvalues, z):
    """dvalues where the ReLU's input z was > 0, else 0."""
    raise MissingKernelError("relu_backward: not written yet (the formula is in the docstring)")


def sigmoid(z):
    """1 / (1 + exp(-z)), element-wise, finite for any finite z."""
    raise MissingKernelError("sigmoid: not written yet (the formula is in the docstring)")


def sigmoid_backward(dvalues, outputs):
    """dvalues · s · (1 - s), from the sigmoid's outputs s."""
    raise MissingKernelError("sigmoid_backward: not written yet (the formula is in the docstring)")


def tanh(z):
    """Hyperbolic tangent, element-wise."""
    raise MissingKernelError("tanh: not written yet (the formula is in the docstring)")


def tanh_backward(dvalues, outputs):
    """dvalues · (1 - t²), from the tanh's outputs t."""
    raise MissingKernelError("tanh_backward: not written yet (the formula is in the docstring)")


def softmax(z):
    """exp(z) / sum(exp(z)) along each row of a 2-D z; rows sum to 1, finite for any finite z."""
    raise MissingKernelError("softmax: not written yet (the formula is in the docstring)")


def softmax_backward(dvalues, outputs):
    """The Jacobian-vector product of softmax per row: s · (dvalues - Σ dvalues·s), from outputs s."""
    raise MissingKernelError("softmax_backward: not written yet (the formula is in the docstring)")


def categorical_cross_entropy(probs, classes):
    """Mean of -log(probability of the true class), probabilities clipped to [1e-7, 1 - 1e-7]."""
    raise MissingKernelError("categorical_cross_entropy: not written yet (the formula is in the docstring)")


def categorical_cross_entropy_backward(probs, classes):
    """Gradient of the mean categorical cross-entropy with respect to probs: -onehot / p / n_samples,
    p clipped to [1e-7, 1 - 1e-7] as in the forward (so p = 0 gives a finite gradient)."""
    raise MissingKernelError("categorical_cross_entropy_backward: not written yet (the formula is in the docstring)")


def softmax_cross_entropy_backward(probs, classes):
    """Gradient of the mean cross-entropy with respect to the logits of a softmax that gave
    probs: (probs - onehot) / n_samples. Cheaper and exacter than chaining the two backwards.
    """
    raise MissingKernelError("softmax_cross_entropy_backward: not written yet (the formula is in the docstring)")


def binary_cross_entropy(probs, targets):
    """Mean over all outputs of -(t·log p + (1 - t)·log(1 - p)); targets in [0, 1].

    p is clipped to [1e-7, 1 - 1e-7] first, so p = 0 or 1 gives a finite loss."""
    raise MissingKernelError("binary_cross_entropy: not written yet (the formula is in the docstring)")


def binary_cross_entropy_backward(probs, targets):
    """Gradient of the binary cross-entropy: -(t/p - (1 - t)/(1 - p)) / (n_samples · n_outputs).

    p is clipped to [1e-7, 1 - 1e-7] first, as in the forward: p = 0 or 1 gives a finite gradient."""
    raise MissingKernelError("binary_cross_entropy_backward: not written yet (the formula is in the docstring)")


def mean_squared_error(predictions, targets):
    """Mean over all outputs of (targets - predictions)²."""
    raise MissingKernelError("mean_squared_error: not written yet (the formula is in the docstring)")


def mean_squared_error_backward(predictions, targets):
    """Gradient of the mean squared error: 2 · (predictions - targets) / (n_samples · n_outputs)."""
    raise MissingKernelError("mean_squared_error_backward: not written yet (the formula is in the docstring)")


def mean_absolute_error(predictions, targets):
    """Mean over all outputs of |targets - predictions|."""
    raise MissingKernelError("mean_absolute_error: not written yet (the formula is in the docstring)")


def mean_absolute_error_backward(predictions, targets):
    """Gradient of the mean absolute error: sign(predictions - targets) / (n_samples · n_outputs)."""
    raise MissingKernelError("mean_absolute_error_backward: not written yet (the formula is in the docstring)")


def regularization_loss(param, l1, l2):
    """The penalty l1·Σ|param| + l2·Σparam² as a Python float."""
    raise MissingKernelError("regularization_loss: not written yet (the formula is in the docstring)")


def regularization_backward(grad, param, l1, l2):
    """grad plus the penalty's gradient, l1·sign(param) + 2·l2·param (a new array)."""
    raise MissingKernelError("regularization_backward: not written yet (the formula is in the docstring)")


def sgd_update(param, grad, lr, momentum, velocity):
    """velocity = momentum·velocity - lr·grad; param += velocity.

    Returns (param, velocity): changed in place, or new arrays; grad is left as it was.
    """
    raise MissingKernelError("sgd_update: not written yet (the formula is in the docstring)")


def adagrad_update(param, grad, lr, cache, eps):
    """cache += grad²; param -= lr·grad / (√cache + eps).

    Returns (param, cache): changed in place, or new arrays; grad is left as it was.
    """
    raise MissingKernelError("adagrad_update: not written yet (the formula is in the docstring)")


def rmsprop_update(param, grad, lr, cache, rho, eps):
    """cache = rho·cache + (1 - rho)·grad²; param -= lr·grad / (√cache + eps).

    Returns (param, cache): changed in place, or new arrays; grad is left as it was.
    """
    raise MissingKernelError("rmsprop_update: not written yet (the formula is in the docstring)")


def adam_update(param, grad, lr, m, v, beta1, beta2, eps, step):
    """Adam as in torch.optim.Adam: m and v are moving averages of grad and grad², corrected for
    their zero start by 1 - beta^step (step counts from 1); param -= lr·m̂ / (√v̂ + eps).

    Returns (param, m, v): changed in place, or new arrays; grad is left as it was.
    """
    raise MissingKernelError("adam_update: not written yet (the formula is in the docstring)")
