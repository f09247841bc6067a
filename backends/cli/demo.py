"""`nn-backends demo`: the book's layer of three neurons (Neural Networks from Scratch) on every backend, outputs and timings side by side,
the timings as medians with their spread (`rounds.interleaved`, every backend in the same rounds), next to the thread
counts and a warning when other programs used the CPU while they were timed."""

from __future__ import annotations

import time

import numpy as np

from .. import get_backend, loadable_backends
from ..benchmarking import rounds
from ..benchmarking.report import format_seconds
from ..benchmarking.timing import thread_settings

# The book's batch of three samples through a layer of three neurons (weights one row per neuron).
BOOK_INPUTS = [[1.0, 2.0, 3.0, 2.5], [2.0, 5.0, -1.0, 2.0], [-1.5, 2.7, 3.3, -0.8]]
BOOK_WEIGHTS = [[0.2, 0.8, -0.5, 1.0], [0.5, -0.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]]
BOOK_BIASES = [2.0, 3.0, 0.5]


def _with_spread(timed: dict) -> str:
    """'1.2 µs ± 0.1 µs': the median and half the interquartile range (the spread)."""
    return f"{format_seconds(timed['median'])} ± {format_seconds((timed['q3'] - timed['q1']) / 2)}"


def verdict(cpu: dict, cpus: int) -> str:
    """One line: whether other programs used the cores while the demo timed (`rounds.cpu_use`)."""
    others = "unknown" if cpu["others"] is None else f"{cpu['others']:.2f}"
    facts = f"other programs used {others} of {cpus} cores while this timed"
    if cpu["busy"]:
        return (f"BUSY MACHINE ({facts}): other work competes for the cores, so timings swing between "
                "runs; trust ratios far from 1 only, and rerun when it is idle")
    return f"the machine was quiet enough to time ({facts})"


def demo(size: int) -> int:
    print("The book's layer: 3 samples x 4 inputs through 3 neurons, inputs . weights^T + biases\n")
    names = loadable_backends(lambda name, error: print(f"  {name}: left out: {error}"))
    rng = np.random.default_rng(0)
    big = (rng.normal(size=(size, size)), rng.normal(size=(size, size)), rng.normal(size=size))
    rows, small_calls, large_calls = [], {}, {}
    for name in names:
        b = get_backend(name)
        inputs, weights, biases = (b.asarray(v) for v in (BOOK_INPUTS, BOOK_WEIGHTS, BOOK_BIASES))
        start = time.perf_counter()
        output = b.dense_forward(inputs, weights, biases)
        rows.append((name, b.tolist(output), time.perf_counter() - start))
        small_calls[name] = lambda b=b, arguments=(inputs, weights, biases): b.dense_forward(*arguments)
        large_calls[name] = lambda b=b, arguments=[b.asarray(v) for v in big]: b.dense_forward(*arguments)
    small, large = rounds.interleaved(small_calls, budget=0.3), rounds.interleaved(large_calls, budget=1.0)

    for name, output, *_ in rows:
        print(f"  {name:>6}: " + "  ".join("[" + ", ".join(f"{v:7.3f}" for v in row) + "]" for row in output))
    reference = rows[0][1]
    agree = all(np.allclose(output, reference, rtol=1e-12, atol=1e-12) for _, output, *_ in rows)
    print(f"\n  all backends agree to 1e-12: {'yes' if agree else 'NO'}\n")

    settings = thread_settings()
    print(f"  threads: BLAS {settings.get('blas_threads')} ({settings.get('blas')}), Numba {settings.get('numba_threads')}, "
          f"on {settings['cpus']} CPUs")
    busiest = max((timed[names[0]]["cpu"] for timed in (small, large)), key=lambda cpu: (cpu["busy"], cpu["others"] or 0))
    print(f"  {verdict(busiest, settings['cpus'])}\n")
    header = (f"  {'backend':>7} | {'first call':>10} | {'3x4x3 per call':>21} | {f'{size}^3 per call':>21} | "
              f"{'vs python':>9}")
    print(header)
    print("  " + "-" * (len(header) - 2))
    for name, _, first_call in rows:
        print(f"  {name:>7} | {format_seconds(first_call):>10} | {_with_spread(small[name]):>21} | "
              f"{_with_spread(large[name]):>21} | {large[names[0]]['median'] / large[name]['median']:8.0f}x")
    print("\n  per call: the median over rounds, every backend timed in each, ± half the interquartile range.")
    print("  first call: numba compiles its kernel then (or loads it from its on-disk cache).")
    print("  At 3x4x3 the per-call overhead dominates; at the large size, the multiply-adds do.")
    return 0 if agree else 1
