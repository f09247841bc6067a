"""Every use the numba backend makes of Numba's and llvmlite's internals, in one module.

Numba does not promise to keep these; each is wrapped here, and `missing()` lists what the installed
versions no longer have (tests/test_numba_internals.py fails naming it, so an upgrade that moved one
is seen at once, not as a slow or stale kernel):
* `slp_vectorization()`: `numba.config.SLP_VECTORIZE`, read by Numba whenever it builds its LLVM pass
  manager; switched on only while the GEMM's kernels compile (`gemm.prepare`, `tile_assembly`);
* `fast_thread_calls()`: `numba.np.ufunc.parallel._get_num_threads` / `_set_num_threads`, the thread
  pool's calls without the process-wide lock of the public ones (falls back to the public ones);
* `refuse_compiling(dispatcher, refused)`: `Dispatcher.disable_compile`, so a kernel compiled for one
  signature converts other argument types to it instead of compiling again;
* `host_cpu_features()`: `numba.core.codegen.get_host_cpu_features`, the features Numba hands LLVM;
* `cache_locators()`: `numba.core.caching`'s locator list, where `disk_cache` puts its own first;
* `add_string_attribute(attributes, text)`: llvmlite's function attribute set accepts only names it
  knows; a string attribute LLVM reads ("prefer-vector-width") goes in past that check.
(`gemm_settings` uses only public llvmlite and `numba.extending` calls.)
"""

from __future__ import annotations

from contextlib import contextmanager

import numba


@contextmanager
def slp_vectorization():
    """SLP vectorization on for this while (Numba leaves it off by default), the setting restored after."""
    saved = numba.config.SLP_VECTORIZE
    numba.config.SLP_VECTORIZE = 1
    try:
        yield
    finally:
        numba.config.SLP_VECTORIZE = saved


def fast_thread_calls():
    """(get_num_threads, set_num_threads) without the lock the public calls take; starts the pool."""
    numba.get_num_threads()
    from numba.np.ufunc import parallel
    return (getattr(parallel, "_get_num_threads", numba.get_num_threads),
            getattr(parallel, "_set_num_threads", numba.set_num_threads))


def refuse_compiling(dispatcher, refused: bool) -> None:
    """Let `dispatcher` compile new signatures again, or not (then other types convert to its own)."""
    dispatcher.disable_compile(refused)


def host_cpu_features() -> str:
    """The feature string Numba passes LLVM for this host."""
    from numba.core.codegen import get_host_cpu_features

    return get_host_cpu_features()


def cache_locators():
    """(Numba's list of cache locator classes, its three file locator base classes), or None if the
    caching machinery moved."""
    from numba.core import caching

    implementation = getattr(caching, "CacheImpl", None) or getattr(caching, "_CacheImpl", None)
    try:
        locators = implementation._locator_classes
        bases = tuple(getattr(caching, name, None) or getattr(caching, "_" + name)
                      for name in ("UserProvidedCacheLocator", "InTreeCacheLocator", "UserWideCacheLocator"))
    except AttributeError:
        return None
    return locators, bases


def add_string_attribute(attributes, text: str) -> bool:
    """Add a string attribute (`"name"="value"`) to an llvmlite function's attribute set; False if the
    set refuses it (then the function compiles without it)."""
    try:
        set.add(attributes, text)
    except (TypeError, ValueError):
        return False
    return True


def missing() -> list[str]:
    """What the installed Numba and llvmlite no longer have of the above, one phrase each."""
    from llvmlite import ir

    problems = []
    if not hasattr(numba.config, "SLP_VECTORIZE"):
        problems.append("numba.config.SLP_VECTORIZE (the GEMM would compile without SLP vectorization)")
    numba.get_num_threads()  # the pool's fast calls exist once it runs
    from numba.np.ufunc import parallel
    for name in ("_get_num_threads", "_set_num_threads"):
        if not hasattr(parallel, name):
            problems.append(f"numba.np.ufunc.parallel.{name} (thread counts would take the locking calls)")
    if not hasattr(numba.core.registry.CPUDispatcher, "disable_compile"):
        problems.append("Dispatcher.disable_compile (the GEMM's kernels would compile per literal argument)")
    try:
        host_cpu_features()
    except ImportError:
        problems.append("numba.core.codegen.get_host_cpu_features (the ISA probe)")
    if cache_locators() is None:
        problems.append("numba.core.caching's locator classes (the disk cache keyed on every kernel file)")
    if not issubclass(ir.FunctionAttributes, set):
        problems.append("llvmlite.ir.FunctionAttributes as a set (the 512-bit vector preference)")
    return problems
