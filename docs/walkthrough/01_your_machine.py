# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 1. Your machine
#
# Every timing in this walkthrough depends on three things about the computer it runs on: how many
# cores it has, which BLAS library NumPy hands its matrix products to, and how many threads BLAS
# and Numba may use. A fourth thing spoils timings: other programs using the same cores. This
# chapter prints all four, so you can read the later chapters' numbers against them.
#
# Run the chapters in order, from the repository's root: `python docs/walkthrough/01_your_machine.py`
# (or open them as notebooks with jupytext). Plots go to `walkthrough-output/`.

# %%
import platform

import numba
import numpy as np
from threadpoolctl import threadpool_info

from backends import get_backend, teaching

print(f"Python {platform.python_version()} on {platform.machine()}, NumPy {np.__version__}, Numba {numba.__version__}")
for pool in threadpool_info():
    print(f"thread pool: {pool['internal_api']} {pool.get('version')} ({pool.get('user_api')}), "
          f"{pool['num_threads']} threads, kernel built for {pool.get('architecture')}")

# %% [markdown]
# The thread counts, and the busy-machine check: how many cores other programs keep busy, read
# from the operating system's CPU counters over half a second. When other programs compete for
# the cores, a single timing can be off by a large factor: every timing in the later chapters
# measures the same thing during itself, and a conclusion it cannot trust is not shown.

# %%
machine = teaching.machine_summary()

# %% [markdown]
# What one instruction can do: the CPU's vector registers each hold several numbers (a 256-bit
# AVX2 register holds 4 float64 or 8 float32, a 512-bit AVX-512 one twice that), and a fused
# multiply-add does a multiply and an add on all of them at once. The numba backend's matrix
# product is shaped for the registers Numba compiles for here: its tile of accumulators (rows ×
# columns) is as large as the registers can hold without spilling (chapter 7 shows why that
# matters), and its blocks are sized from the caches.

# %%
from backends.benchmarking.report import machine_lines

print("\n".join(machine_lines(machine)))

# %% [markdown]
# The operation every backend spends most of its time in is the matrix product. Here it is in
# the three backends: loops over lists, one call to `np.dot`, and the numba backend's two-line
# wrapper, followed below into the compiled loops that run: the GEMM driver, its cache blocking,
# and the micro-kernel generated for this CPU's vector registers (chapter 7 takes them apart).

# %%
teaching.side_by_side("matmul")

# %% [markdown]
# How fast is this machine's BLAS? One product of two n×n matrices costs 2n³ floating-point
# operations; timing it gives GFLOP/s, the unit the later chapters use.

# %%
n = teaching.pick(512, 128)
a = np.random.default_rng(0).uniform(-1, 1, (n, n))
numpy_backend = get_backend("numpy")
result = teaching.timing(lambda: numpy_backend.matmul(a, a))
print(f"{n}×{n} · {n}×{n} through the numpy backend: {result['text']} per product, "
      f"{2 * n ** 3 / result['median'] / 1e9:.1f} GFLOP/s on {machine['blas_threads']} BLAS threads")
teaching.agrees("the product agrees with a @ a", numpy_backend.matmul(a, a), a @ a, tolerance=1e-9)

# %% [markdown]
# ## Exercises
#
# The starting points are in `docs/walkthrough/exercises/chapter01.py`; check them with
# `python docs/walkthrough/exercises/check.py 1` (worked solutions: `docs/walkthrough/solutions/`).
#
# - **1.1** Write `flops(rows, inner, columns)`, the floating-point operations of one matrix
#   product of those shapes, the count this chapter turned into GFLOP/s.
# - **1.2** Write `blas_threads()`, reading the number of BLAS threads from threadpoolctl, and
#   compare it with what the chapter printed.
