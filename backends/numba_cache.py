"""Numba's disk cache for the numba backend, keyed on every kernel file at once.

Numba keys a cached function on its own source file only. The numba backend's kernels in
numba_backend.py call the products in numba_gemm.py, and the machine code Numba caches for a caller
includes its callees: edit numba_gemm.py alone and numba_backend.py's cached kernels would keep the
old products. So both files' kernels are located through a locator whose freshness stamp hashes both
files: an edit of either, or a new version of either in an upgrade, recompiles every kernel. (Numba
itself also drops its cache when its own version changes.)

This plugs into `numba.core.caching`, which Numba does not promise to keep; if that machinery is not
there, Numba's own per-file keying stays in force.
"""

from __future__ import annotations

import hashlib
import os

from numba.core import caching

KERNEL_FILES = tuple(os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
                     for name in ("numba_backend.py", "numba_gemm.py"))


def source_stamp(files=KERNEL_FILES) -> str:
    """One hash of the contents of every kernel file."""
    digest = hashlib.sha256()
    for path in files:
        with open(path, "rb") as file:
            digest.update(file.read())
    return digest.hexdigest()


def _keyed_on_every_kernel_file(base):
    class Locator(base):
        @classmethod
        def from_function(cls, py_func, py_file):
            if os.path.abspath(py_file) not in KERNEL_FILES:
                return None
            return super().from_function(py_func, py_file)

        def get_source_stamp(self):
            return source_stamp()

    Locator.__name__ = Locator.__qualname__ = f"KernelFiles{base.__name__}"
    return Locator


def install() -> bool:
    """Put the locators in front of Numba's own (once); False if Numba's caching machinery moved."""
    implementation = getattr(caching, "CacheImpl", None) or getattr(caching, "_CacheImpl", None)
    try:
        locators = implementation._locator_classes
        bases = tuple(getattr(caching, name, None) or getattr(caching, "_" + name)
                      for name in ("UserProvidedCacheLocator", "InTreeCacheLocator", "UserWideCacheLocator"))
    except AttributeError:
        return False
    if not any(getattr(cls, "__name__", "").startswith("KernelFiles") for cls in locators):
        locators[:0] = [_keyed_on_every_kernel_file(base) for base in bases]
    return True


INSTALLED = install()
