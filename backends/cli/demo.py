"""`nn-backends demo`: the seeds' layer of three neurons on every backend, outputs and timings side by side."""

from __future__ import annotations

import statistics
import time

import numpy as np

from .. import available_backends, get_backend

# The seeds' batch of three samples through a layer of three neurons (weights one row per neuron).
SEEDS_INPUTS = [[1.0, 2.0, 3.0, 2.5], [2.0, 5.0, -1.0, 2.0], [-1.5, 2.7, 3.3, -0.8]]
SEEDS_WEIGHTS = [[0.2, 0.8, -0.5, 1.0], [0.5, -0.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]]
SEEDS_BIASES = [2.0, 3.0, 0.5]


def _median_seconds(call, budget=0.3, max_repeats=2000):
    """Median wall time of call(), repeated until about `budget` seconds are spent."""
    times = []
    spent = 0.0
    while spent < budget and len(times) < max_repeats:
        start = time.perf_counter()
        call()
        elapsed = time.perf_counter() - start
        times.append(elapsed)
        spent += elapsed
    return statistics.median(times)


def _format_seconds(seconds):
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:7.2f} {unit}"
    return f"{seconds / 1e-9:7.0f} ns"


def demo(size: int) -> int:
    names = available_backends()
    print("The seeds' layer: 3 samples x 4 inputs through 3 neurons, inputs . weights^T + biases\n")
    rng = np.random.default_rng(0)
    big = (rng.normal(size=(size, size)), rng.normal(size=(size, size)), rng.normal(size=size))
    rows = []
    for name in names:
        b = get_backend(name)
        inputs, weights, biases = (b.asarray(v) for v in (SEEDS_INPUTS, SEEDS_WEIGHTS, SEEDS_BIASES))
        start = time.perf_counter()
        output = b.dense_forward(inputs, weights, biases)
        first_call = time.perf_counter() - start
        small = _median_seconds(lambda: b.dense_forward(inputs, weights, biases))
        big_native = [b.asarray(v) for v in big]
        large = _median_seconds(lambda: b.dense_forward(*big_native), budget=1.0, max_repeats=200)
        rows.append((name, b.tolist(output), first_call, small, large))

    for name, output, *_ in rows:
        print(f"  {name:>6}: " + "  ".join("[" + ", ".join(f"{v:7.3f}" for v in row) + "]" for row in output))
    reference = rows[0][1]
    agree = all(np.allclose(output, reference, rtol=1e-12, atol=1e-12) for _, output, *_ in rows)
    print(f"\n  all backends agree to 1e-12: {'yes' if agree else 'NO'}\n")

    header = f"  {'backend':>7} | {'first call':>10} | {'3x4x3 per call':>14} | {f'{size}^3 per call':>14} | {'vs python':>9}"
    print(header)
    print("  " + "-" * (len(header) - 2))
    python_large = rows[0][4]
    for name, _, first_call, small, large in rows:
        print(f"  {name:>7} | {_format_seconds(first_call):>10} | {_format_seconds(small):>14} | "
              f"{_format_seconds(large):>14} | {python_large / large:8.0f}x")
    print("\n  first call: numba compiles its kernel then (or loads it from its on-disk cache).")
    print("  At 3x4x3 the per-call overhead dominates; at the large size, the multiply-adds do.")
    return 0 if agree else 1
