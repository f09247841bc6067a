"""What the walkthrough's chapters (`docs/walkthrough/`) share, so each chapter holds only its lesson.

    from backends import teaching
    teaching.side_by_side("dense_forward")        # the three backends' code, read from the source now
    teaching.agrees("4.8 example", got, 4.8)       # prints it, and stops the chapter if it is wrong
    print(teaching.timing(lambda: b.relu(z)))      # "1.2 µs ± 0.03 µs (median ± half IQR)"

`$NN_WALKTHROUGH_FAST=1` runs every chapter small and short (CI does); `$NN_WALKTHROUGH_OUTPUT`
names the folder the plots go to (default `walkthrough-output/` in the current directory).
"""

from __future__ import annotations

import inspect
import os
import shutil
from pathlib import Path

from .benchmarking.report import format_seconds
from .benchmarking.timing import machine_load, measure, thread_settings

FAST = os.environ.get("NN_WALKTHROUGH_FAST", "") not in ("", "0")
BACKENDS = ("python", "numpy", "numba")


def pick(full, fast):
    """`fast` in fast mode, `full` otherwise: the one place a chapter chooses its sizes."""
    return fast if FAST else full


def output_folder() -> Path:
    """The folder the chapters save their plots in (created if missing)."""
    folder = Path(os.environ.get("NN_WALKTHROUGH_OUTPUT", "walkthrough-output"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_figure(figure, name: str) -> Path:
    """Save a matplotlib figure as `name` in the output folder (written whole, then renamed) and close it."""
    import matplotlib.pyplot as plt

    path = output_folder() / name
    temporary = path.with_name(path.stem + ".partial" + path.suffix)
    figure.savefig(temporary, dpi=90)
    temporary.replace(path)
    plt.close(figure)
    print(f"plot saved: {path}")
    return path


def source(backend: str, operation: str) -> str:
    """The code of one operation in one backend's kernel module, as it is on disk now."""
    from . import get_backend

    function = getattr(get_backend(backend).kernels, operation)
    function = getattr(function, "kernel", function)  # the numba backend's adapters wrap the @njit kernel
    function = getattr(function, "py_func", function)  # an @njit dispatcher keeps the Python function
    return inspect.getsource(function).rstrip()


def side_by_side(operation: str, backends=BACKENDS) -> None:
    """Print one operation's code in every backend, in columns when the terminal is wide enough."""
    blocks = [[f"# {name}_backend.py"] + source(name, operation).splitlines() for name in backends]
    widths = [max(map(len, block)) for block in blocks]
    if sum(widths) + 3 * len(blocks) > shutil.get_terminal_size((200, 40)).columns:
        print("\n\n".join("\n".join(block) for block in blocks))
        return
    for row in range(max(map(len, blocks))):
        cells = [(block[row] if row < len(block) else "").ljust(width) for block, width in zip(blocks, widths)]
        print(" | ".join(cells).rstrip())


def agrees(label: str, got, expected, tolerance: float = 1e-12) -> None:
    """Print a computed value next to the value expected (a seed's number, or an independent
    formula) and raise AssertionError, stopping the chapter, when they differ by more than `tolerance`."""
    import numpy as np

    got_array, expected_array = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    difference = float(np.max(np.abs(got_array - expected_array))) if got_array.shape == expected_array.shape \
        else float("inf")
    mark = "ok" if difference <= tolerance else "WRONG"
    shown = (f"{np.round(got_array, 6).tolist()}  expected {np.round(expected_array, 6).tolist()}"
             if got_array.size <= 12 else f"{got_array.shape} array")
    print(f"{label}: {shown}  [{mark}, off by {difference:.1e}]")
    if difference > tolerance:
        raise AssertionError(f"{label}: got {got!r}, expected {expected!r} within {tolerance}")


def timing(call, budget: float | None = None) -> dict:
    """Median time per call with its spread (half the interquartile range), and `text` saying both."""
    result = measure(call, budget=pick(0.25, 0.03) if budget is None else budget)
    result["spread"] = (result["q3"] - result["q1"]) / 2
    result["text"] = f"{format_seconds(result['median'])} ± {format_seconds(result['spread'])}"
    return result


def machine_summary() -> dict:
    """Print the thread counts that decide the timings and whether the machine is too busy to trust them."""
    settings = thread_settings()
    load = machine_load()
    print(f"threads: BLAS {settings.get('blas_threads')} ({settings.get('blas')}), "
          f"Numba {settings.get('numba_threads')}, on {settings['cpus']} CPUs")
    print(load["verdict"])
    return settings | {"load": load}
