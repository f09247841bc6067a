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
# What the machine can do at most, measured rather than looked up: a loop of independent fused
# multiply-adds on full vector registers (`backends/benchmarking/machine_limits.py`) gives the
# peak FLOP/s per dtype on one core and on every thread, a chain of dependent integer operations
# gives the clock the core really ran at, and a triad (`a = b + s·c` over arrays far larger than
# the caches) gives the memory bandwidth. The nominal peak is 2 FMA units × lanes × 2 flops ×
# clock. Chapter 7 reads every rung of the ladder as a fraction of this peak.

# %%
from backends.benchmarking import machine_limits

limits = machine_limits.measure(machine["numba_threads"])
print("\n".join(machine_limits.limit_lines(limits)))
peak = limits["peak"]["float64"]

# %% [markdown]
# Why is pure Python so far from that? One `total += x * y` in a loop over lists is not one
# instruction: the interpreter fetches and dispatches about a dozen bytecodes, each a few
# nanoseconds of C; `x * y` allocates a new float object (a "boxed" number: 24 bytes on the
# heap, with a type and a reference count) and `+=` allocates another, while the old ones are
# freed. The measurement below splits one multiply-add into its parts, then counts it in clock
# cycles and in the FMA units' time. Every figure carries its 95% interval: a part whose
# interval holds zero is too small for this run to see.

# %%
import dis

count = teaching.pick(200_000, 20_000)
xs, ys = [float(i % 7) for i in range(count)], [float(i % 5) for i in range(count)]


def multiply_adds(xs, ys):
    total = 0.0
    for x, y in zip(xs, ys):
        total += x * y
    return total


def multiplies(xs, ys):
    for x, y in zip(xs, ys):
        product = x * y


def loop_only(xs, ys):
    for x, y in zip(xs, ys):
        pass


parts = teaching.compare({"loop alone": lambda: loop_only(xs, ys), "+ multiply": lambda: multiplies(xs, ys),
                          "+ multiply and add": lambda: multiply_adds(xs, ys)})
per_call = {name: teaching.Estimate.of(part) / count for name, part in parts.items()}  # each with its interval
ns = teaching.format_seconds
instructions = [op.opname for op in dis.get_instructions(multiply_adds)]
body = instructions[instructions.index("FOR_ITER"):instructions.index("JUMP_BACKWARD") + 1]
print(f"one multiply-add in the loop: {per_call['+ multiply and add'].text(ns)}; "
      f"the loop and its unpacking alone: {per_call['loop alone'].text(ns)}")
for what, part, before in (("the multiply (a new float object)", "+ multiply", "loop alone"),
                           ("the add (another)", "+ multiply and add", "+ multiply")):
    added = teaching.difference(parts, part, before) / count  # round by round, so the noise they share cancels
    print(f"  {what}: " + (f"{added.text(ns)} more" if added.side_of(0) == "above" else
                           "not shown on this run (the interval of the time it adds holds 0)"))
print(f"the loop's body is {len(body)} bytecodes per turn: {' '.join(body)}")
per_madd = per_call["+ multiply and add"]
print(f"at {limits['clock_ghz']:.2f} GHz that is {(per_madd * limits['clock_ghz'] * 1e9).text(lambda v: f'{v:.0f}')} "
      f"cycles per multiply-add; in that time this core's FMA units do "
      f"{(per_madd * peak['one_core'] * 1e9 / 2).text(lambda v: f'{v:,.0f}')} float64 multiply-adds"
      f"{teaching.busy_of(*parts.values())}")

# %% [markdown]
# The operation every backend spends most of its time in is the matrix product. Here it is in
# the three backends: loops over lists, one call to `np.dot`, and the numba backend's two-line
# wrapper, followed below to the entry of its own compiled matrix product, the GEMM (chapter 7,
# "Inside the GEMM", shows its cache blocking and the micro-kernel generated for this CPU).

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
rate = 2 * n ** 3 / teaching.Estimate.of(result) / 1e9
if rate.low > peak["all_cores"]:  # faster than the measured peak: the peak was measured low, on a busy machine
    print(f"{n}×{n} · {n}×{n} through the numpy backend: {result['text']} per product, above the peak "
          f"measured above, which therefore read low; rerun on a quiet machine")
else:
    print(f"{n}×{n} · {n}×{n} through the numpy backend: {result['text']} per product, "
          f"{rate.text(lambda v: f'{v:.1f}')} GFLOP/s on {machine['blas_threads']} BLAS threads")
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
