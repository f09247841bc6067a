"""The numba backend's disk cache is keyed on every kernel file, so an edit of one file (or an upgrade
that changes it, or a new file in the numba_kernels subpackage) can never leave stale machine code of
another behind."""

import shutil

import pytest

import backends

if "numba" not in backends.available_backends():
    pytest.skip("backend not installed", allow_module_level=True)

from backends import numba_backend  # noqa: E402
from backends.numba_kernels import disk_cache, gemm  # noqa: E402


def test_every_kernel_is_located_through_the_shared_stamp():
    assert disk_cache.INSTALLED
    for kernel in (numba_backend.relu.kernel, gemm._serial_product, gemm.product):
        assert type(kernel._cache._impl.locator).__name__.startswith("KernelFiles")


def test_every_source_file_of_the_subpackage_is_keyed():
    names = {path.rsplit("/", 1)[-1] for path in disk_cache.KERNEL_FILES}
    expected = {path.name for path in disk_cache.SUBPACKAGE.rglob("*.py")} | {"numba_backend.py"}
    assert {"tile_3x16.py", "tiling.py", "gemm.py"} <= expected  # the generated tiles and their choice too
    assert names == expected


def _copy_of_the_kernels(tmp_path):
    subpackage = tmp_path / "backends" / "numba_kernels"
    shutil.copytree(disk_cache.SUBPACKAGE, subpackage, ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"))
    shutil.copy(disk_cache.SUBPACKAGE.parent / "numba_backend.py", subpackage.parent / "numba_backend.py")
    return subpackage


def test_the_stamp_changes_when_a_kernel_file_is_edited(tmp_path):
    subpackage = _copy_of_the_kernels(tmp_path)
    before = disk_cache.source_stamp(disk_cache.kernel_files(subpackage))
    assert before == disk_cache.source_stamp(disk_cache.kernel_files(subpackage))  # stable when nothing changes
    assert before == disk_cache.source_stamp()  # the copy hashes like the original
    gemm_file = subpackage / "gemm.py"
    gemm_file.write_text(gemm_file.read_text() + "\n# an edit\n")
    assert disk_cache.source_stamp(disk_cache.kernel_files(subpackage)) != before


def test_the_stamp_changes_when_a_file_is_added(tmp_path):
    subpackage = _copy_of_the_kernels(tmp_path)
    before = disk_cache.source_stamp(disk_cache.kernel_files(subpackage))
    (subpackage / "new_kernels.py").write_text("def kernel():\n    return 1\n")
    assert disk_cache.source_stamp(disk_cache.kernel_files(subpackage)) != before
