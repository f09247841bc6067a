"""The Numba and llvmlite internals the numba backend relies on (`numba_internals`) are all still
there: an upgrade that moved one fails here, naming it, instead of showing up as a slow or stale
kernel."""

import pytest

import backends

if "numba" not in backends.available_backends():
    pytest.skip("backend not installed", allow_module_level=True)

import numba  # noqa: E402

from backends.numba_kernels import numba_internals  # noqa: E402


def test_every_internal_the_backend_uses_is_still_there():
    missing = numba_internals.missing()
    assert not missing, (f"Numba {numba.__version__} no longer has what backends/numba_kernels/numba_internals.py "
                         f"uses: {'; '.join(missing)}")


def test_slp_vectorization_is_on_only_inside_its_window():
    before = numba.config.SLP_VECTORIZE
    with numba_internals.slp_vectorization():
        assert numba.config.SLP_VECTORIZE == 1
    assert numba.config.SLP_VECTORIZE == before


def test_a_string_attribute_goes_past_llvmlites_list_of_names():
    from llvmlite import ir

    module = ir.Module()
    function = ir.Function(module, ir.FunctionType(ir.VoidType(), []), name="f")
    assert numba_internals.add_string_attribute(function.attributes, '"prefer-vector-width"="512"')
    assert '"prefer-vector-width"="512"' in str(module)
