"""What decides a timing besides the code: thread settings, the CPU and its GEMM shapes, Numba's compile
time and the start-up cost. (The timing itself is `rounds`.)"""

from __future__ import annotations

import os
import platform
import time


def set_threads(count: int | None) -> None:
    """Limit BLAS, Numba and PyTorch to `count` threads (None leaves them as they are)."""
    if count is None:
        return
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=count)
    os.environ["OMP_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = str(count)
    try:
        import numba

        numba.set_num_threads(min(count, numba.config.NUMBA_NUM_THREADS))
    except ImportError:
        pass
    try:
        import torch

        torch.set_num_threads(count)
    except ImportError:
        pass


def thread_settings() -> dict:
    """What decides the speed of each contender here: BLAS library and threads, Numba and PyTorch threads."""
    from threadpoolctl import threadpool_info

    settings = {"cpus": os.cpu_count()}
    pools = [pool for pool in threadpool_info() if pool.get("user_api") == "blas"]
    # NumPy's own (what the blas contender and the numpy backend call) before one another library
    # loaded later (PyTorch's, JAX's): else the header would change with what a process imported
    pools.sort(key=lambda pool: "numpy" not in str(pool.get("filepath", "")))
    if pools:
        pool = pools[0]
        settings["blas"] = f"{pool.get('internal_api')} {pool.get('version')} ({pool.get('architecture')})"
        settings["blas_threads"] = pool.get("num_threads")
    try:
        import numba

        settings["numba_threads"] = numba.get_num_threads()
    except ImportError:
        settings["numba_threads"] = None
    try:
        import torch

        settings["torch_threads"] = torch.get_num_threads()
    except ImportError:
        settings["torch_threads"] = None
    for variable in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                     "NUMBA_NUM_THREADS", "NUMBA_CPU_NAME", "NUMBA_CPU_FEATURES"):
        settings[variable] = os.environ.get(variable)
    return settings | gemm_settings()


def cpu_model() -> str:
    """The CPU's model name as the operating system reports it (Linux's /proc/cpuinfo, else platform)."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.lower().startswith(("model name", "cpu model", "hardware")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def gemm_settings() -> dict:
    """The CPU and what the numba GEMM was shaped for on it: the vector ISA Numba compiles for, the
    caches, and per dtype the micro-tile and the block sizes (numba_kernels.tiling)."""
    settings = {"cpu_model": cpu_model()}
    try:
        from ..numba_kernels import target, tiling
    except ImportError:
        return settings
    from ..numba_kernels import planner

    described = tiling.describe()
    settings |= {"numba_isa": described["isa_description"], "caches": described["caches"]}
    for dtype, plan in described["plans"].items():
        used = planner.chosen(dtype)  # the run-time settings in force: the planner's wisdom or the rule's
        settings[f"numba_gemm_{dtype}"] = (f"tile {plan['tile']}, kc {used.settings.kc}, mc {used.settings.mc}, "
                                           f"nc {used.settings.nc} ({used.source})")
    settings["numba_gemm_planner"] = planner.describe_line()
    settings["numba_gemm_settings"] = planner.describe()
    if target.features_only_from_host():
        settings["numba_target_warning"] = ("NUMBA_CPU_NAME without NUMBA_CPU_FEATURES: Numba compiles with "
                                            "this host's instructions; set NUMBA_CPU_FEATURES= for the named CPU's")
    return settings


def numba_compile_seconds(kernel_name: str, dtype: str = "float64") -> float:
    """Seconds Numba takes to compile one kernel of the numba backend from scratch (no disk cache)."""
    import numpy as np
    from numba import njit

    from .. import numba_backend

    kernel = getattr(numba_backend, kernel_name).kernel  # the @njit kernel behind the public adapter
    options = {key: value for key, value in kernel.targetoptions.items() if key not in ("nopython", "cache")}
    fresh = njit(cache=False, **options)(kernel.py_func)
    x = np.ones((4, 3), dtype=dtype)
    arguments = {
        "relu": (x.reshape(-1),),
        "softmax": (x,),
        "adam_update": (x.reshape(-1), x.reshape(-1), 0.001, np.zeros(12, dtype=dtype),
                         np.zeros(12, dtype=dtype), 0.9, 0.999, 1e-7, 1),
    }[kernel_name]
    start = time.perf_counter()
    fresh(*arguments)
    return time.perf_counter() - start


COMPILED_KERNELS = ("relu", "softmax", "adam_update")


_STARTUP_SCRIPT = """
import time
start = time.perf_counter()
import backends
imported = time.perf_counter()
b = backends.get_backend("numba")
x = b.asarray([[1.0, 2.0, 3.0, 2.5]])
b.dense_forward(x, b.asarray([[0.2, 0.8, -0.5, 1.0]]), b.asarray([2.0]))
print(imported - start, time.perf_counter() - imported)
"""


def startup_seconds() -> dict:
    """In fresh processes: the import of `backends`, and the first numba call (importing numba and
    loading the kernel from Numba's disk cache, warmed by a first process)."""
    import subprocess
    import sys

    runs = [subprocess.run([sys.executable, "-c", _STARTUP_SCRIPT], capture_output=True, text=True, check=True)
            for _ in range(3)]
    imports, first_calls = zip(*(map(float, run.stdout.split()) for run in runs[1:]))
    return {"import_backends": min(imports), "first_numba_call_warm_cache": min(first_calls)}
