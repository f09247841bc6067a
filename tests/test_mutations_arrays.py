"""The mutation proof on a plug-in's own arrays: faults backend authors make, injected one at a time
into the example plug-in's kernels (examples/arrayapi_backend) on array_api_strict arrays, where no
ndarray check applies. The run must report that operation as failed, and no other.

The faults are those the issue's torch plug-in met: kernels that work in place on their inputs, a
result that is the input or a view of it, a result in another dtype or of another type, and a
conversion that hands the caller's ndarray to the array library as it is (shared memory, and
refused for big-endian input); and those of updates that return new arrays, as on JAX: the stale
param returned, an input changed that a new array replaces, a result aliasing grad, too few results.
The unmutated kernels pass the same runs (the control). Each run
is the whole suite folder, narrowed as in test_mutations.py (`-k` the operation's family, `quick`).
"""

import sys
from pathlib import Path

import pytest

from backends import Backend, TypedArrays, conformance

xp = pytest.importorskip("array_api_strict")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples" / "arrayapi_backend"))
try:
    from nn_arrayapi.kernels import ArrayApiKernels
finally:
    sys.path.pop(0)


def _softmax_in_place(self, z):
    z[...] = z - xp.max(z, axis=1, keepdims=True)
    e = xp.exp(z)
    return e / xp.sum(e, axis=1, keepdims=True)


def _relu_in_place(self, z):
    z[...] = xp.where(z > 0, z, xp.zeros_like(z))
    return z


def _sigmoid_backward_in_place(self, dvalues, outputs):
    dvalues[...] = dvalues * outputs * (1 - outputs)
    return dvalues


def _adam_scaling_grad(self, param, grad, lr, m, v, beta1, beta2, eps, step):
    grad[...] = (1 - beta1) * grad
    m[...] = beta1 * m + grad
    v[...] = beta2 * v + (1 - beta2) / (1 - beta1) ** 2 * grad * grad
    param[...] = param - lr * (m / (1 - beta1**step)) / (xp.sqrt(v / (1 - beta2**step)) + eps)


def _sgd_returning_the_stale_param(self, param, grad, lr, momentum, velocity):
    velocity = momentum * velocity - lr * grad
    return param, velocity  # the new param, param + velocity, is dropped


def _adagrad_writing_the_param_it_replaces(self, param, grad, lr, cache, eps):
    cache = cache + grad * grad
    param[...] = param - lr * grad / (xp.sqrt(cache) + eps)
    return xp.asarray(param, copy=True), cache  # a new array returned, and the input changed too


def _rmsprop_returning_grad_as_its_cache(self, param, grad, lr, cache, rho, eps):
    new_cache = rho * cache + (1 - rho) * grad * grad
    return param - lr * grad / (xp.sqrt(new_cache) + eps), grad


def _adam_returning_too_few(self, param, grad, lr, m, v, beta1, beta2, eps, step):
    return ArrayApiKernels.adam_update(self, param, grad, lr, m, v, beta1, beta2, eps, step)[:2]


# id -> (operation, -k selection, the faulty method)
FAULTS = {
    "asarray hands the ndarray to the library as it is": (
        "asarray", "asarray or conversion", lambda self, x, dtype: xp.asarray(x, dtype=getattr(xp, dtype or "float64"))),
    "softmax subtracts the max in place": ("softmax", "softmax", _softmax_in_place),
    "relu clamps in place": ("relu", "relu", _relu_in_place),
    "sigmoid backward scales dvalues in place": ("sigmoid_backward", "sigmoid", _sigmoid_backward_in_place),
    "adam scales grad in place": ("adam_update", "adam", _adam_scaling_grad),
    # the update contract on arrays it may not change (see backends/contract.py)
    "sgd returns the stale param": ("sgd_update", "sgd", _sgd_returning_the_stale_param),
    "adagrad writes the param it returns a new one for": ("adagrad_update", "adagrad",
                                                          _adagrad_writing_the_param_it_replaces),
    "rmsprop returns grad as its cache": ("rmsprop_update", "rmsprop", _rmsprop_returning_grad_as_its_cache),
    "adam returns one array too few": ("adam_update", "adam", _adam_returning_too_few),
    "linear returns its input": ("linear", "linear", lambda self, z: z),
    "linear backward returns its input": ("linear_backward", "linear", lambda self, d, z: d),
    "transpose returns a view": ("transpose", "transpose", lambda self, a: xp.matrix_transpose(a)),
    "tanh computes in float64": ("tanh", "tanh", lambda self, z: xp.tanh(xp.astype(z, xp.float64))),
    "squared error returns a 0-d array": ("mean_squared_error", "mean_squared_error",
                                          lambda self, p, t: xp.mean((t - p) ** 2)),
    "fused backward returns numpy": ("softmax_cross_entropy_backward", "softmax_cross_entropy or fused",
                                     lambda self, p, c: __import__("numpy").asarray(
                                         ArrayApiKernels.softmax_cross_entropy_backward(self, p, c))),
}


def mutant(op, fault, name):
    kernels = type(f"Mutant_{name}", (ArrayApiKernels,), {op: fault} if op else {})(xp)
    return Backend.from_kernels(name, kernels, TypedArrays(name, type(xp.asarray(0.0))), ("float64", "float32"))


@pytest.mark.parametrize("fault", FAULTS)
def test_the_suite_catches_the_fault_in_that_operation_only_on_plugin_arrays(fault):
    op, select, method = FAULTS[fault]
    report = conformance.run(mutant(op, method, f"array_mutant_{list(FAULTS).index(fault)}"), select=select,
                             quick=True)
    failed = [name for name in report["failed"] if name != conformance.COMBINED]
    allowed = set(conformance.CONVERSIONS) if op in conformance.CONVERSIONS else {op}
    assert op in failed and set(failed) <= allowed, f"{fault}: expected only {op} to fail; failed: {report['failed']}"


def test_the_unmutated_plugin_kernels_pass_the_same_runs():
    selection = " or ".join(sorted({f"({select})" for _, select, _ in FAULTS.values()}))
    report = conformance.run(mutant(None, None, "array_control"), select=selection, quick=True)
    assert report["ok"], conformance.format_report(report)
