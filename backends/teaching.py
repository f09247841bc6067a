"""What the walkthrough's chapters (`docs/walkthrough/`) share, so each chapter holds only its lesson.

    from backends import teaching
    teaching.side_by_side("dense_forward")        # the three backends' code, read from the source now,
                                                  # the numba one followed into the loops it runs
    teaching.agrees("4.8 example", got, 4.8)       # prints it, and stops the chapter if it is wrong
    print(teaching.timing(lambda: b.relu(z))["text"])   # "1.2 µs (95% interval 1.1 µs–1.3 µs)"
    times = teaching.compare({"numpy": f, "numba": g})  # interleaved rounds, each with its interval
    print(teaching.speedup(times, "numba", "numpy")["text"])  # "...: at least 3.1× (...)" or "not shown..."

Timing is `benchmarking.rounds`, the bench's own. A chapter states a conclusion about speed, or a
number derived from times, only through `backends.walkthrough.conclusions` (`speedup`, `Estimate`),
which says it with its interval when the interval decides it, names a busy machine, and withholds
it when the interval cannot decide.

`$NN_WALKTHROUGH_FAST=1` runs every chapter small and short (CI does); `$NN_WALKTHROUGH_OUTPUT`
names the folder the plots go to (default `walkthrough-output/` in the current directory);
`$NN_WALKTHROUGH_TIMING_SCALE` multiplies every timing budget (the tests use it to show that a
chapter's lesson does not depend on how long it times).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from .atomic_files import written_atomically

from .benchmarking import rounds
from .benchmarking.report import format_seconds
from .benchmarking.rounds import busy_note, cpu_clock, cpu_use
from .benchmarking.timing import thread_settings
from .walkthrough import followed_source, source_view
from .walkthrough.conclusions import Estimate, busy_of, difference, ratio, speedup  # noqa: F401  (the chapters use them)

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


def save_figure(figure, name: str) -> None:
    """Save a matplotlib figure as `name` in the output folder (written whole, then renamed), show it
    (`show_image`), and close it."""
    import matplotlib.pyplot as plt

    path = output_folder() / name
    with written_atomically(path) as file:
        figure.savefig(file, format=path.suffix.lstrip(".") or "png", dpi=90)
    plt.close(figure)
    show_image(path)


def show_image(path) -> None:
    """Show a saved picture inline when the chapter runs as a notebook; as a script, say where it is."""
    ipython = sys.modules.get("IPython")
    if ipython is None or ipython.get_ipython() is None:
        print(f"plot saved: {path}")
        return
    from IPython.display import Image, display

    display(Image(filename=str(path)))


def diagram(kind: str, name: str, *arguments, **options) -> None:
    """Draw the diagram `kind` of `backends.walkthrough.diagrams` from the arguments and save it as `name`."""
    from .walkthrough import diagrams

    save_figure(getattr(diagrams, kind)(*arguments, **options), name)


def source(backend: str, operation: str) -> str:
    """The code of one operation in one backend's kernel module, as it is on disk now."""
    return followed_source.source(backend, operation)


def side_by_side(operation: str, backends=BACKENDS, into_gemm: bool = False) -> None:
    """Print one operation's code in every backend, the numba backend's followed into the compiled
    loops it calls (the stable formulas for softmax and sigmoid; for a product, up to the GEMM's
    entry, which chapter 7 shows once, or through the GEMM to this CPU's micro-kernel when
    `into_gemm`), in columns that share the terminal's width (`$COLUMNS` honoured), or one after
    another when it is too narrow for them (`backends.walkthrough.source_view`)."""
    print(source_view.side_by_side(operation, backends, into_gemm=into_gemm))


def gemm_excerpt() -> None:
    """Print the GEMM once, short: the loop nest of its cache blocking and one step of this CPU's
    micro-kernel, read from the code (`followed_source.gemm_excerpt`)."""
    print("\n".join(followed_source.gemm_excerpt()))


def agrees(label: str, got, expected, tolerance: float = 1e-12) -> None:
    """Print a computed value next to the value expected (a worked example's number from the book
    or a course notebook, or an independent formula) and raise AssertionError, stopping the
    chapter, when they differ by more than `tolerance`."""
    import numpy as np

    got_array, expected_array = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    off_by = float(np.max(np.abs(got_array - expected_array))) if got_array.shape == expected_array.shape \
        else float("inf")
    mark = "ok" if off_by <= tolerance else "WRONG"
    shown = (f"{np.round(got_array, 6).tolist()}  expected {np.round(expected_array, 6).tolist()}"
             if got_array.size <= 12 else f"{got_array.shape} array")
    print(f"{label}: {shown}  [{mark}, off by {off_by:.1e}]")
    if off_by > tolerance:
        raise AssertionError(f"{label}: got {got!r}, expected {expected!r} within {tolerance}")


def budget() -> float:
    """Seconds of timing per contender: 0.25 (0.03 in fast mode), times $NN_WALKTHROUGH_TIMING_SCALE."""
    return pick(0.25, 0.03) * float(os.environ.get("NN_WALKTHROUGH_TIMING_SCALE", "1"))


def compare(calls: dict, budget_seconds: float | None = None) -> dict:
    """Time the calls ({label: callable}) in interleaved rounds (`rounds.interleaved`; in fast mode
    fewer rounds, warmed for less), each with its median, 95% interval and the machine's CPU use
    while they ran; `text` says the first two, and flags a busy machine."""
    seconds = budget() if budget_seconds is None else budget_seconds
    results = rounds.interleaved(calls, seconds, rounds=pick(rounds.ROUNDS, 5),
                                 warm=lambda call: rounds.warm_up(call, pick(rounds.WARM_SECONDS, 0.002)))
    for result in results.values():
        result["text"] = (f"{format_seconds(result['median'])} (95% interval {format_seconds(result['low'])}–"
                          f"{format_seconds(result['high'])})")
        note = busy_note(result["cpu"])
        if note:
            result["text"] += f" [busy: {note}]"
    return results


def timing(call, budget_seconds: float | None = None) -> dict:
    """One call's time, as `compare` measures it: {"median", "low", "high", "cpu", "text"}."""
    return compare({"call": call}, budget_seconds)["call"]


def machine_summary(seconds: float = 0.5) -> dict:
    """Print the thread counts that decide the timings, and how many cores other programs keep busy
    now (measured over `seconds`). Each timing then reports the machine's state during itself."""
    settings = thread_settings()
    print(f"threads: BLAS {settings.get('blas_threads')} ({settings.get('blas')}), "
          f"Numba {settings.get('numba_threads')}, on {settings['cpus']} CPUs")
    before = cpu_clock()
    time.sleep(seconds)
    cpu = cpu_use(before, cpu_clock())
    if cpu["others"] is None:
        print("how busy the machine is cannot be read here (no /proc/stat); each timing judges itself")
    else:
        print(f"right now other programs keep {cpu['others']:.2f} of {settings['cpus']} cores busy"
              f"{' (too busy to time well)' if cpu['busy'] else ''}; each timing below reports its own")
    return settings | {"cpu": cpu}
