"""The numba backend's disk cache is keyed on every kernel file, so an edit of one file (or an upgrade
that changes it) can never leave stale machine code of another behind."""

import pytest

import backends

if "numba" not in backends.available_backends():
    pytest.skip("backend not installed", allow_module_level=True)

from backends import numba_backend, numba_cache, numba_gemm  # noqa: E402


def test_every_kernel_is_located_through_the_shared_stamp():
    assert numba_cache.INSTALLED
    for kernel in (numba_backend._relu, numba_backend._softmax_cross_entropy_step, numba_gemm.gemm_serial):
        assert type(kernel._cache._impl.locator).__name__.startswith("KernelFiles")


def test_the_stamp_changes_when_any_kernel_file_changes(tmp_path):
    first, second = tmp_path / "numba_backend.py", tmp_path / "numba_gemm.py"
    first.write_text("def kernel(): return 1\n")
    second.write_text("def product(): return 2\n")
    before = numba_cache.source_stamp((first, second))
    second.write_text("def product(): return 3\n")
    assert numba_cache.source_stamp((first, second)) != before
    assert numba_cache.source_stamp((first, second)) == numba_cache.source_stamp((first, second))
