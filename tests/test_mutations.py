"""Proof that the conformance suite catches bugs: one fault at a time is injected into a copy of the
numpy backend's kernels, and the conformance run must report that operation as failed, and no other.

Each fault is a mistake a student makes: a wrong sign, a missing transpose, an off-by-one in a
reduction, a softmax without the max subtraction, a wrong Adam bias correction, a loss that forgets
to average; and, past the faults the suite was written to catch, those backend authors make: a
kernel that works in place on its input, a result that is a view of an input, a result in another
dtype or of another type, a conversion that shares or keeps the caller's array (the same kinds on a
plug-in's own arrays are in test_mutations_arrays.py). Each run is the suite as `nn-backends
conformance` finds it (its folder, every module), narrowed to stay fast: the tests whose names
mention the operation's family (`-k`), without the long training runs (`quick`); "no other" is
checked among those.
"""

import types

import numpy as np
import pytest

from backends import Backend, NdArrays, conformance
from backends import numpy_backend as correct

CLIP = 1e-7


def _onehot(probs, classes):
    out = np.zeros_like(probs)
    out[np.arange(probs.shape[0]), classes] = 1
    return out


def _sgd_without_momentum(param, grad, lr, momentum, velocity):
    param -= lr * grad


def _adagrad_unsquared(param, grad, lr, cache, eps):
    cache += np.abs(grad)
    param -= lr * grad / (np.sqrt(cache) + eps)


def _rmsprop_without_one_minus_rho(param, grad, lr, cache, rho, eps):
    cache *= rho
    cache += grad * grad
    param -= lr * grad / (np.sqrt(cache) + eps)


def _adam(correct_bias, step_offset=0):
    def update(param, grad, lr, m, v, beta1, beta2, eps, step):
        m *= beta1
        m += (1 - beta1) * grad
        v *= beta2
        v += (1 - beta2) * grad * grad
        t = step + step_offset
        m_hat, v_hat = (m / (1 - beta1**t), v / (1 - beta2**t)) if correct_bias else (m, v)
        param -= lr * m_hat / (np.sqrt(v_hat) + eps)
    return update


def _naive_softmax(z):
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _softmax_in_place(z):
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    return z / z.sum(axis=1, keepdims=True)


def _sigmoid_backward_in_place(dvalues, outputs):
    dvalues *= outputs * (1 - outputs)
    return dvalues


def _penalty_into_grad(grad, param, l1, l2):
    grad += l1 * np.sign(param) + 2 * l2 * param
    return grad


def _adam_scaling_grad(param, grad, lr, m, v, beta1, beta2, eps, step):
    grad *= 1 - beta1  # m = beta1·m + (1 - beta1)·grad, one multiplication saved
    m *= beta1
    m += grad
    v *= beta2
    v += (1 - beta2) / (1 - beta1) ** 2 * grad * grad
    param -= lr * (m / (1 - beta1**step)) / (np.sqrt(v / (1 - beta2**step)) + eps)


def _asarray_keeping_byte_order(x, dtype):
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        wanted = np.dtype(dtype or ("float32" if x.dtype.itemsize == 4 else "float64")).newbyteorder(x.dtype.byteorder)
        return np.array(x, dtype=wanted)
    return correct.asarray(x, dtype)


def _asarray_read_only(x, dtype):
    result = correct.asarray(x, dtype)
    if isinstance(x, np.ndarray):
        result.flags.writeable = x.flags.writeable  # "keeps the input's flags"
    return result


# id -> (operation, -k selection, the faulty kernel)
FAULTS = {
    "asarray shares its input": ("asarray", "asarray", lambda x, dtype: np.asarray(x, dtype=dtype or np.float64)),
    "tolist transposes": ("tolist", "tolist or asarray", lambda x: x.T.tolist()),
    "matmul drops the last term": ("matmul", "matmul", lambda a, c: np.dot(a[:, :-1], c[:-1])),
    "transpose reverses rows": ("transpose", "transpose", lambda a: a.T[::-1]),
    "dense forgets the biases": ("dense_forward", "dense", lambda x, w, b: np.dot(x, w.T)),
    "dense subtracts the biases": ("dense_forward", "dense", lambda x, w, b: np.dot(x, w.T) - b),
    "dense backward averages dbiases": ("dense_backward", "dense", lambda d, x, w, need=True: (
        np.dot(d, w) if need else None, np.dot(d.T, x), d.mean(axis=0))),
    "dense backward reverses the neurons": ("dense_backward", "dense", lambda d, x, w, need=True: (
        np.dot(d, w[::-1]) if need else None, np.dot(d.T, x), d.sum(axis=0))),
    "multiply loses the sign": ("multiply", "multiply", lambda a, c: a * np.abs(c)),
    "step fires at zero": ("step", "step or zero", lambda z: (z >= 0).astype(z.dtype)),
    "relu of -z": ("relu", "relu", lambda z: np.maximum(-z, 0)),
    "relu backward inverted": ("relu_backward", "relu", lambda d, z: d * (z < 0)),
    "sigmoid of -z": ("sigmoid", "sigmoid", lambda z: 1 / (1 + np.exp(np.clip(z, -500, 500)))),
    "sigmoid overflows": ("sigmoid", "sigmoid or extreme", lambda z: 1 / (1 + np.exp(-z))),
    "sigmoid backward 1 + s": ("sigmoid_backward", "sigmoid", lambda d, s: d * s * (1 + s)),
    "tanh backward forgets the square": ("tanh_backward", "tanh", lambda d, t: d * (1 - t)),
    "linear backward halves": ("linear_backward", "linear", lambda d, z: d * 0.5),
    "softmax without the max subtraction": ("softmax", "softmax or extreme", _naive_softmax),
    "softmax over columns": ("softmax", "softmax", lambda z: correct.softmax(z.T.copy()).T.copy()),
    "softmax backward drops the sum": ("softmax_backward", "softmax", lambda d, s: s * d),
    "cross-entropy forgets to average": ("categorical_cross_entropy", "categorical_cross_entropy",
                                         lambda p, c: correct.categorical_cross_entropy(p, c) * p.shape[0]),
    "cross-entropy without clipping": ("categorical_cross_entropy", "categorical_cross_entropy or extreme or clip",
                                       lambda p, c: float(-np.log(p[np.arange(p.shape[0]), c]).mean())),
    "cross-entropy backward forgets to average": ("categorical_cross_entropy_backward", "categorical_cross_entropy",
                                                  lambda p, c: -_onehot(p, c) / np.clip(p, CLIP, 1 - CLIP)),
    "fused backward forgets to average": ("softmax_cross_entropy_backward", "softmax_cross_entropy or fused",
                                          lambda p, c: p - _onehot(p, c)),
    "binary cross-entropy swaps the terms": ("binary_cross_entropy", "binary_cross_entropy", lambda p, t: float(
        -(t * np.log(np.clip(1 - p, CLIP, 1)) + (1 - t) * np.log(np.clip(p, CLIP, 1))).mean())),
    "binary backward averages over samples only": ("binary_cross_entropy_backward", "binary_cross_entropy",
                                                   lambda p, t: correct.binary_cross_entropy_backward(p, t) * p.shape[1]),
    "squared error forgets to average": ("mean_squared_error", "mean_squared_error",
                                         lambda p, t: float(((t - p) ** 2).sum())),
    "squared error backward without the 2": ("mean_squared_error_backward", "mean_squared_error",
                                             lambda p, t: (p - t) / p.size),
    "absolute error without abs": ("mean_absolute_error", "mean_absolute_error", lambda p, t: float((t - p).mean())),
    "absolute error backward reversed": ("mean_absolute_error_backward", "mean_absolute_error",
                                         lambda p, t: np.sign(t - p) / p.size),
    "l2 penalty of |w|": ("regularization_loss", "regularization",
                          lambda w, l1, l2: float(l1 * np.abs(w).sum() + l2 * np.abs(w).sum())),
    "l2 gradient without the 2": ("regularization_backward", "regularization",
                                  lambda g, w, l1, l2: g + l1 * np.sign(w) + l2 * w),
    "sgd ignores momentum": ("sgd_update", "sgd", _sgd_without_momentum),
    "adagrad sums |grad|": ("adagrad_update", "adagrad", _adagrad_unsquared),
    "rmsprop without 1 - rho": ("rmsprop_update", "rmsprop", _rmsprop_without_one_minus_rho),
    "adam without bias correction": ("adam_update", "adam", _adam(correct_bias=False)),
    "adam corrects with step + 1": ("adam_update", "adam", _adam(correct_bias=True, step_offset=1)),
    # subtler ones
    # survived until test_linear_returns_a_new_array:
    "linear returns its input, not a copy": ("linear", "linear", lambda z: z),
    "relu backward passes the gradient at 0": ("relu_backward", "relu or zero", lambda d, z: d * (z >= 0)),  # blamed
    # on "combined" until test_activations_at_zero checked one operation per test
    "adam squares eps": ("adam_update", "adam", lambda param, grad, lr, m, v, beta1, beta2, eps, step: (
        _adam(correct_bias=True)(param, grad, lr, m, v, beta1, beta2, eps * eps, step))),
    "cross-entropy clips at 1e-12": ("categorical_cross_entropy", "categorical_cross_entropy or extreme or clip",
                                     lambda p, c: float(-np.log(np.clip(p[np.arange(len(c)), c], 1e-12, 1)).mean())),
    "dense backward ignores need_dinputs": ("dense_backward", "dense", lambda d, x, w, need=True: (
        np.dot(d, w), np.dot(d.T, x), d.sum(axis=0))),
    # what backend authors write: in place, aliasing, dtype, conversion (the contract, backends/contract.py)
    "softmax subtracts the max in place": ("softmax", "softmax", _softmax_in_place),
    "relu clamps in place": ("relu", "relu", lambda z: np.maximum(z, 0, out=z)),
    "sigmoid backward scales dvalues in place": ("sigmoid_backward", "sigmoid", _sigmoid_backward_in_place),
    "regularization backward adds into grad": ("regularization_backward", "regularization", _penalty_into_grad),
    "adam scales grad in place": ("adam_update", "adam", _adam_scaling_grad),
    "linear returns a view": ("linear", "linear", lambda z: z.view()),
    "transpose returns a view": ("transpose", "transpose", lambda a: a.T),
    "linear backward returns a reshaped view": ("linear_backward", "linear", lambda d, z: d.reshape(d.shape)),
    "tanh computes in float64": ("tanh", "tanh", lambda z: np.tanh(z.astype(np.float64))),
    "squared error backward promotes to float64": ("mean_squared_error_backward", "mean_squared_error",
                                                   lambda p, t: (p - t) * np.float64(2.0) / p.size),
    "squared error returns a numpy float": ("mean_squared_error", "mean_squared_error",
                                            lambda p, t: np.mean((t - p) ** 2)),
    "asarray keeps the input's dtype": ("asarray", "asarray or conversion", lambda x, dtype: np.array(x, dtype=dtype)),
    "asarray skips the copy of a float64 array": ("asarray", "asarray or conversion", lambda x, dtype: (
        x.astype(dtype or np.float64, copy=False) if isinstance(x, np.ndarray) else correct.asarray(x, dtype))),
    "asarray keeps a big-endian array's byte order": ("asarray", "asarray or conversion", _asarray_keeping_byte_order),
    "asarray keeps a read-only input read-only": ("asarray", "asarray or conversion", _asarray_read_only),
}


def mutant(op, fault, index):
    kernels = types.ModuleType(f"mutant_{index}")
    kernels.__dict__.update({k: v for k, v in vars(correct).items() if not k.startswith("__")})
    setattr(kernels, op, fault)
    name = f"mutant_{index}"
    return Backend.from_kernels(name, kernels, NdArrays(name), ("float64", "float32"))


#: The README's test command injects the first fault of each operation; CI every one (the others are
#: marked slow: each fault is a conformance run of several seconds).
FIRST_FAULTS = {op: name for name, (op, _, _) in reversed(FAULTS.items())}


@pytest.mark.parametrize("fault", [name if FIRST_FAULTS[FAULTS[name][0]] == name else
                                   pytest.param(name, marks=pytest.mark.slow) for name in FAULTS])
def test_the_suite_catches_the_fault_in_that_operation_only(fault):
    op, select, kernel = FAULTS[fault]
    report = conformance.run(mutant(op, kernel, list(FAULTS).index(fault)), select=select, quick=True)
    failed = [name for name in report["failed"] if name != conformance.COMBINED]
    # asarray and tolist are tested as a pair too (round trips), so either may share the blame
    allowed = set(conformance.CONVERSIONS) if op in conformance.CONVERSIONS else {op}
    assert op in failed and set(failed) <= allowed, f"{fault}: expected only {op} to fail; failed: {report['failed']}"


def test_the_unmutated_kernels_pass_the_same_runs():
    """The control: the correct kernels under the same runs fail nothing, so a caught fault is the fault's."""
    selection = " or ".join(sorted({f"({select})" for _, select, _ in FAULTS.values()}))
    report = conformance.run(mutant("asarray", correct.asarray, "control"), select=selection, quick=True)
    assert report["ok"], report["failed"]
