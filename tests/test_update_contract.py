"""The update contract, both ways: an update returns the updated (param, *state), each the array it
was given (changed in place) or a new one; None still means "all changed in place". What the
interface does with each kind of return, and what the contract checker refuses, on numpy kernels
written each way (the suite's runs of the same rules are in tests/test_mutations_arrays.py)."""

import types

import numpy as np
import pytest

from backends import Backend, NdArrays
from backends import numpy_backend as correct
from backends.contract import ContractChecker, ContractError
from backends.updates import updated


def functional_sgd(param, grad, lr, momentum, velocity):
    velocity = momentum * velocity - lr * grad
    return param + velocity, velocity


def in_place_returning_none(param, grad, lr, momentum, velocity):
    correct.sgd_update(param, grad, lr, momentum, velocity)


def backend_with(sgd_update):
    module = types.ModuleType("sgd_variant")
    module.__dict__.update({k: v for k, v in vars(correct).items() if not k.startswith("__")}, sgd_update=sgd_update)
    return Backend.from_kernels("sgd_variant", module, NdArrays("sgd_variant"), ("float64",))


def arrays(b):
    return b.asarray([[1.0, -2.0]]), b.asarray([[0.5, -1.0]]), b.asarray([[0.25, 0.0]])


@pytest.mark.parametrize("kernel", [correct.sgd_update, functional_sgd, in_place_returning_none],
                         ids=["in place, returned", "new arrays", "in place, None"])
def test_every_kind_of_update_gives_the_same_values_through_the_interface(kernel):
    b = backend_with(kernel)
    param, grad, velocity = arrays(b)
    new_param, new_velocity = b.sgd_update(param, grad, 0.1, 0.9, velocity)
    np.testing.assert_allclose(new_param, [[1.0 + 0.225 - 0.05, -2.0 + 0.1]], rtol=1e-15)
    np.testing.assert_allclose(new_velocity, [[0.225 - 0.05, 0.1]], rtol=1e-15)
    in_place = kernel is not functional_sgd
    assert (new_param is param) == in_place and (new_velocity is velocity) == in_place


@pytest.mark.parametrize("result, got", [(1.0, "a float"), ((1, 2, 3), "a tuple of 3"), ([1], "a tuple of 1")])
def test_anything_else_gets_one_error_saying_what_to_return(result, got):
    with pytest.raises(TypeError) as raised:
        updated("sgd_update", result, ("param", "velocity"))
    assert str(raised.value) == ("sgd_update: an optimizer update returns the updated (param, velocity): each the "
                                 "array it was given, changed in place, or a new array (on arrays that cannot change), "
                                 f"or None when it changed them all in place; got {got}")


def check(kernel):
    """The contract checker's verdict on one call of `kernel` as sgd_update: None, or its message."""
    b = backend_with(kernel)
    checked = ContractChecker(b, b.kernels).wrap("sgd_update", kernel)
    try:
        checked(*arrays(b)[:2], 0.1, 0.9, arrays(b)[2])
    except ContractError as error:
        assert error.op == "sgd_update"
        return str(error).splitlines()[0]
    return None


def test_the_contract_takes_each_correct_kind():
    assert check(correct.sgd_update) is None
    assert check(functional_sgd) is None
    assert check(in_place_returning_none) is None


@pytest.mark.parametrize("kernel, message", [
    (lambda p, g, lr, mu, v: (p.__iadd__(1.0) + 0.0, v),
     "contract of sgd_update: the kernel changed its input param; an operation changes none of its arguments except "
     "an update's param and state arrays, each changed in place and returned as itself (or the update returns None) "
     "(2 of 2 values; at [0, 0]: 1.0 became 2.0)"),
    (lambda p, g, lr, mu, v: (p - lr * g, g),
     "contract of sgd_update: the returned velocity is a new array that shares memory with the input grad; an update "
     "returns the array it was given, changed in place, or a new one that shares no memory with any input"),
    (lambda p, g, lr, mu, v: (p.view(), v),
     "contract of sgd_update: the returned param is a new array that shares memory with the input param; an update "
     "returns the array it was given, changed in place, or a new one that shares no memory with any input"),
    (lambda p, g, lr, mu, v: (p - lr * g,),
     "contract of sgd_update: an optimizer update returns the updated (param, velocity): each the array it was given, "
     "changed in place, or a new array (on arrays that cannot change), or None when it changed them all in place; "
     "got a tuple of 1"),
    (lambda p, g, lr, mu, v: (p - lr * g, (p - lr * g).astype(np.float32)),
     "contract of sgd_update: the returned velocity has dtype float32; results have the dtype of the inputs (float64)"),
    (lambda p, g, lr, mu, v: (p - lr * g, (v - g)[0]),
     "contract of sgd_update: the returned velocity has shape (2,); it must keep the shape of the velocity given, (1, 2)"),
], ids=["a new param, the input changed too", "grad returned as velocity", "a view of param returned",
        "too few", "another dtype", "another shape"])
def test_the_contract_refuses_each_broken_kind(kernel, message):
    assert check(kernel) == message


def test_a_reproduction_passes_the_hyperparameters_the_test_passed():
    """It printed `lr = None`, so pasting it raised a validation error."""
    b = backend_with(lambda p, g, lr, mu, v: (p - lr * g, g))
    checked = ContractChecker(b, b.kernels).wrap("sgd_update", b.kernels.sgd_update)
    with pytest.raises(ContractError) as raised:
        checked(*arrays(b)[:2], 0.5, 0.0, arrays(b)[2])
    assert "    lr = 0.5\n    momentum = 0.0\n" in str(raised.value)
