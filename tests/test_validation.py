"""The validation rules themselves: each operation's fast path agrees with its slow path, and each
rule that moved into backends/validation has one message.

The fast path (`accepts`) and the slow path (`signature.explain`) of every array operation come from
one `Signature`; hypothesis builds arguments that fit the signature and then breaks them in one way
(rank, a size, the dtype, emptiness, a read-only or strided array, a list, a number), and the two
paths must give the same verdict.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import backends
from backends import validation
from backends.validation import InvalidInputError, InvalidTypeError, ListArrays, NdArrays

CHECKS = {name: value for name, value in vars(validation.operations).items() if hasattr(value, "signature")}
DIMS = sorted({dim for check in CHECKS.values() for spec in check.signature.specs.values() for dim in spec
               if spec != ["any"] and spec[0] != "like"})
BREAKS = [None, "rank up", "rank down", "size", "dtype float32", "dtype int", "empty", "read-only", "strided",
          "list", "number"]


def _fitting_arguments(signature, sizes, dtype):
    """One native array per argument, of the shapes the signature asks for."""
    arrays = {}
    for name in signature.names:
        spec = signature.specs[name]
        if spec == ["any"]:
            shape = (sizes["any0"], sizes["any1"])[: sizes["any rank"]]
        elif spec[0] == "like":
            shape = arrays[spec[1]].shape
        else:
            shape = tuple(sizes[dim] for dim in spec)
        arrays[name] = np.arange(1, 1 + int(np.prod(shape)), dtype=dtype).reshape(shape)
    return arrays


def _broken(x, how, rng_size):
    if how == "rank up":
        return x.reshape(x.shape + (1,))
    if how == "rank down":
        return x.reshape(-1)[:1].reshape(()) if x.ndim == 1 else x.reshape(-1)
    if how == "size":
        return np.ones(x.shape[:-1] + (x.shape[-1] + rng_size,), dtype=x.dtype)
    if how == "dtype float32":
        return x.astype(np.float32) if x.dtype == np.float64 else x.astype(np.float64)
    if how == "dtype int":
        return x.astype(np.int64)
    if how == "empty":
        return x[..., :0]
    if how == "read-only":
        x = x.copy()
        x.flags.writeable = False
        return x
    if how == "strided":
        return np.repeat(x, 2, axis=-1)[..., ::2]
    if how == "list":
        return x.tolist()
    return 1.5


@settings(max_examples=300, deadline=None)
@given(check=st.sampled_from(sorted(CHECKS)),
       sizes=st.fixed_dictionaries({dim: st.integers(1, 3) for dim in [*DIMS, "any0", "any1"]}),
       any_rank=st.integers(1, 2), dtype=st.sampled_from([np.float64, np.float32]),
       how=st.sampled_from(BREAKS), which=st.integers(0, 3), extra=st.integers(1, 2))
def test_the_fast_path_and_the_slow_path_agree(check, sizes, any_rank, dtype, how, which, extra):
    signature = CHECKS[check].signature
    sizes = {**sizes, "any rank": any_rank}
    arrays = _fitting_arguments(signature, sizes, dtype)
    name = signature.names[which % len(signature.names)]
    if how is not None:
        arrays[name] = _broken(arrays[name], how, extra)
    kind = NdArrays("numpy")
    fast = signature.accepts(kind, *arrays.values())
    try:
        signature.explain(kind, "op", tuple(arrays.values()))
        slow = True
    except (InvalidInputError, InvalidTypeError):
        slow = False
    assert fast == slow, f"{check}: {how} {name}: fast path says {fast}, slow path {slow}"
    if how is None:
        assert fast, f"{check}: arguments that fit the signature were refused"
    # nested lists never take the fast path; the slow path alone decides
    assert not signature.accepts(ListArrays(), *(x.tolist() if isinstance(x, np.ndarray) else x
                                                 for x in arrays.values()))


def test_a_three_dimensional_parameter_is_refused_by_the_update_too():
    """The old hand-written fast path of the updates let a 3-D param through; the signature does not."""
    b = backends.get_backend("numpy")
    param, grad, velocity = np.zeros((1, 1, 2)), np.ones((1, 1, 2)), np.zeros((1, 1, 2))
    with pytest.raises(InvalidInputError) as raised:
        b.sgd_update(param, grad, 0.1, 0.0, velocity)
    assert str(raised.value) == "sgd_update: param must be 1-D or 2-D; got param.shape=(1, 1, 2)"


@pytest.mark.parametrize("value", [0, -3, 2.5, True, np.bool_(True), "3", None])
def test_positive_int_has_one_message(value):
    with pytest.raises(InvalidInputError) as raised:
        validation.positive_int("fit", "epochs", value)
    assert str(raised.value) == f"fit: epochs must be a positive integer; got epochs={value!r}"


@pytest.mark.parametrize("value", [1, 7, np.int64(3), np.uint8(2)])
def test_positive_int_returns_a_python_int(value):
    result = validation.positive_int("fit", "epochs", value)
    assert type(result) is int and result == int(value)


def test_integer_at_least_names_its_minimum():
    assert validation.integer_at_least("sine", "samples", np.int32(2), 2) == 2
    with pytest.raises(InvalidInputError) as raised:
        validation.integer_at_least("sine", "samples", 1, 2)
    assert str(raised.value) == "sine: samples must be an integer >= 2; got samples=1"


@pytest.mark.parametrize("indices, first_bad", [([0, 3, 1], "y[1]=3"), (np.array([2, -1, 5]), "y[1]=-1"),
                                                 ((0, 1, 2, 9), "y[3]=9")])
def test_class_range_names_the_first_index_out_of_range(indices, first_bad):
    with pytest.raises(InvalidInputError) as raised:
        validation.class_range("fit", "y", indices, 3)
    assert str(raised.value) == f"fit: class index out of range for 3 classes (0..2); got {first_bad}"


def test_class_range_passes_indices_in_range():
    validation.class_range("fit", "y", np.array([0, 1, 2, 2]), 3)
    validation.class_range("fit", "y", [2, 0], 3)


def test_integer_class_indices_has_one_message_and_an_optional_fix():
    validation.integer_class_indices("fit", "y", np.array([1, 2]))
    with pytest.raises(InvalidTypeError) as raised:
        validation.integer_class_indices("fit", "y", np.array([1.0]))
    assert str(raised.value) == "fit: class indices must be integers; got y.dtype=float64"
    with pytest.raises(InvalidTypeError) as raised:
        validation.integer_class_indices("loss", "targets", np.array([1.0]), "convert them with targets.astype(int)")
    assert str(raised.value) == ("loss: class indices must be integers; got targets.dtype=float64; "
                                 "convert them with targets.astype(int)")
