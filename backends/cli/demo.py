"""`nn-backends demo`: the book's layer of three neurons (Neural Networks from Scratch) on every backend, outputs and timings side by side,
the timings as medians with their spread, next to the thread counts and a warning when the machine is busy."""

from __future__ import annotations

import time

import numpy as np

from .. import get_backend, loadable_backends
from ..benchmarking.report import format_seconds
from ..benchmarking.timing import machine_load, measure, thread_settings

# The book's batch of three samples through a layer of three neurons (weights one row per neuron).
BOOK_INPUTS = [[1.0, 2.0, 3.0, 2.5], [2.0, 5.0, -1.0, 2.0], [-1.5, 2.7, 3.3, -0.8]]
BOOK_WEIGHTS = [[0.2, 0.8, -0.5, 1.0], [0.5, -0.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]]
BOOK_BIASES = [2.0, 3.0, 0.5]


def _timed(call, budget):
    """Median seconds per call and half its interquartile range (the spread), from `measure`."""
    result = measure(call, budget=budget)
    return result["median"], (result["q3"] - result["q1"]) / 2


def _with_spread(timed):
    median, spread = timed
    return f"{format_seconds(median)} ± {format_seconds(spread)}"


def demo(size: int) -> int:
    print("The book's layer: 3 samples x 4 inputs through 3 neurons, inputs . weights^T + biases\n")
    names = loadable_backends(lambda name, error: print(f"  {name}: left out: {error}"))
    rng = np.random.default_rng(0)
    big = (rng.normal(size=(size, size)), rng.normal(size=(size, size)), rng.normal(size=size))
    rows = []
    for name in names:
        b = get_backend(name)
        inputs, weights, biases = (b.asarray(v) for v in (BOOK_INPUTS, BOOK_WEIGHTS, BOOK_BIASES))
        start = time.perf_counter()
        output = b.dense_forward(inputs, weights, biases)
        first_call = time.perf_counter() - start
        small = _timed(lambda: b.dense_forward(inputs, weights, biases), budget=0.3)
        big_native = [b.asarray(v) for v in big]
        large = _timed(lambda: b.dense_forward(*big_native), budget=1.0)
        rows.append((name, b.tolist(output), first_call, small, large))

    for name, output, *_ in rows:
        print(f"  {name:>6}: " + "  ".join("[" + ", ".join(f"{v:7.3f}" for v in row) + "]" for row in output))
    reference = rows[0][1]
    agree = all(np.allclose(output, reference, rtol=1e-12, atol=1e-12) for _, output, *_ in rows)
    print(f"\n  all backends agree to 1e-12: {'yes' if agree else 'NO'}\n")

    settings, load = thread_settings(), machine_load()
    print(f"  threads: BLAS {settings.get('blas_threads')} ({settings.get('blas')}), Numba {settings.get('numba_threads')}, "
          f"on {settings['cpus']} CPUs")
    print(f"  {load['verdict']}\n")
    header = (f"  {'backend':>7} | {'first call':>10} | {'3x4x3 per call':>21} | {f'{size}^3 per call':>21} | "
              f"{'vs python':>9}")
    print(header)
    print("  " + "-" * (len(header) - 2))
    python_large = rows[0][4][0]
    for name, _, first_call, small, large in rows:
        print(f"  {name:>7} | {format_seconds(first_call):>10} | {_with_spread(small):>21} | "
              f"{_with_spread(large):>21} | {python_large / large[0]:8.0f}x")
    print("\n  per call: the median over repeats ± half the interquartile range (its spread).")
    print("  first call: numba compiles its kernel then (or loads it from its on-disk cache).")
    print("  At 3x4x3 the per-call overhead dominates; at the large size, the multiply-adds do.")
    return 0 if agree else 1
