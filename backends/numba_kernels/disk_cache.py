"""Numba's disk cache for the numba backend, keyed on every kernel source file at once.

Numba keys a cached function on its own source file only. But the machine code it caches for a
kernel includes the kernels it calls: `numba_backend.py`'s dense layers call the GEMM of this
subpackage, the compiled training step calls both. Edit `gemm.py` alone and the cached callers would
keep the old products. So every kernel of `numba_backend.py` and of every module of this subpackage
is located through a locator whose freshness stamp hashes all of those files together: an edit of any
of them, a file added to the subpackage, or an upgrade that changes one, recompiles every kernel.
(Numba itself also drops its cache when its own version changes.)

This plugs into `numba.core.caching` (through `numba_internals`), which Numba does not promise to keep; if that machinery is not
there, Numba's own per-file keying stays in force.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .numba_internals import cache_locators

SUBPACKAGE = Path(__file__).resolve().parent


def kernel_files(subpackage: Path = SUBPACKAGE) -> tuple[str, ...]:
    """The numba backend module and every Python file of this subpackage (its generated micro-kernels
    included), found afresh on each call."""
    files = sorted(subpackage.rglob("*.py")) + [subpackage.parent / "numba_backend.py"]
    return tuple(os.path.abspath(path) for path in files)


KERNEL_FILES = kernel_files()


def source_stamp(files=None) -> str:
    """One hash of the names and contents of every kernel file (`files`, by default `kernel_files()`)."""
    digest = hashlib.sha256()
    for path in kernel_files() if files is None else files:
        digest.update(os.path.basename(path).encode() + b"\0")
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
            # the tile and block sizes are constants of the compiled code: a different plan recompiles
            from .tiling import fingerprint

            return source_stamp() + fingerprint()

    Locator.__name__ = Locator.__qualname__ = f"KernelFiles{base.__name__}"
    return Locator


def install() -> bool:
    """Put the locators in front of Numba's own (once); False if Numba's caching machinery moved."""
    found = cache_locators()
    if found is None:
        return False
    locators, bases = found
    if not any(getattr(cls, "__name__", "").startswith("KernelFiles") for cls in locators):
        locators[:0] = [_keyed_on_every_kernel_file(base) for base in bases]
    return True


INSTALLED = install()
