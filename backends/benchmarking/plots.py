"""The figures of a benchmark run: time against size (log-log, one panel per operation) and the
roofline (GFLOP/s against arithmetic intensity under the machine's measured ceilings).

The roofline: a computation that does F flops on B bytes of operands (arithmetic intensity F/B)
can run no faster than min(peak FLOP/s, bandwidth x F/B). Left of the ridge, memory bounds it;
right of it, the FMA units do. Each point is one contender at one operation and size; the
distance below the roof is what that implementation leaves on the table.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from ..atomic_files import written_atomically

SCALING_OPERATIONS = ("matmul", "dense_forward", "dense_backward")


def fitted_slope(sizes: list[float], seconds: list[float]) -> float:
    """Slope of log(time) against log(size) over the three largest sizes: 3 means time grows as n³."""
    points = sorted(zip(sizes, seconds))[-3:]
    if len(points) < 2:
        return math.nan
    x, y = np.log([p[0] for p in points]), np.log([p[1] for p in points])
    return float(np.polyfit(x, y, 1)[0])


def plot_scaling(path, results: list[dict], dtype: str = "float64", caption: str = "", limits: dict | None = None,
                 threads: int = 1) -> None:
    """Time per call against layer width n (n×n×n problems; the book's 3×4×3 layer at its cube root),
    log-log, one line per contender, one panel per operation, each line labelled with its slope;
    with `limits`, a last panel with the roofline (`roofline`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = len(SCALING_OPERATIONS) + (1 if limits else 0)
    figure, axes = plt.subplots(1, panels, figsize=(5.5 * panels, 4.5))
    for axis, operation in zip(axes, SCALING_OPERATIONS):
        lines = defaultdict(list)
        for result in results:
            square = len(set(result["sizes"])) == 1 or result["sizes"] == [3, 4, 3]
            if result["operation"] == operation and result["dtype"] == dtype and "median" in result and square:
                width = float(np.prod(result["sizes"])) ** (1 / 3)
                lines[result["contender"]].append((width, result["median"]))
        for contender, points in lines.items():
            points.sort()
            widths, seconds = [p[0] for p in points], [p[1] for p in points]
            slope = fitted_slope(widths, seconds)
            axis.plot(widths, seconds, marker="o", label=f"{contender} (slope {slope:.2f})")
        axis.set(xscale="log", yscale="log", xlabel="layer width n (problem n×n×n)", ylabel="seconds per call",
                 title=f"{operation} ({dtype})")
        axis.grid(True, which="both", alpha=0.3)
        if lines:
            axis.legend(fontsize=8)
        else:
            axis.text(0.5, 0.5, "not measured in this run", ha="center", transform=axis.transAxes)
    if limits:
        roofline(axes[-1], results, limits, dtype, threads)
    figure.suptitle("Time per call against size: overhead flattens the left, n³ work sets the slope on the right"
                    + ("; last, each point under the machine's roofline" if limits else ""))
    figure.tight_layout(rect=(0, 0.03, 1, 1))
    figure.text(0.5, 0.005, caption, ha="center", va="bottom", fontsize=8)
    save_atomically(figure, path)
    plt.close(figure)


def save_atomically(figure, path) -> None:
    """Save a figure to a temporary file beside `path`, then rename it there: an old plot is never half-overwritten."""
    with written_atomically(path) as file:
        figure.savefig(file, format="png", dpi=100)


ROOFLINE_OPERATIONS = {"matmul": "o", "dense_forward": "s", "dense_backward": "^", "ladder": "D"}


def bytes_moved(operation: str, sizes, itemsize: int) -> float:
    """The least traffic of one call: every operand read once and every result written once."""
    if operation in ("matmul", "ladder"):  # a ladder rung is an n×n · n×n product
        rows, inner, columns = sizes
        elements = rows * inner + inner * columns + rows * columns
    elif operation == "dense_forward":
        n, i, o = sizes
        elements = n * i + o * i + o + n * o
    elif operation == "dense_backward":
        n, i, o = sizes
        elements = n * o + n * i + o * i + (n * i + o * i + o)  # dvalues, inputs, weights in; three gradients out
    else:
        raise ValueError(f"bytes_moved: no traffic model for operation {operation!r}")
    return float(elements * itemsize)


def roofline(axis, results: list[dict], limits: dict, dtype: str = "float64", threads: int = 1) -> None:
    """Draw the roofline of `dtype` on `axis`: the peak on one thread and on `threads`, the bandwidth
    roof, and a point per contender, operation and size measured in `results`."""
    peak = limits["peak"][dtype]
    bandwidth = limits["bandwidth"]["all_cores"]
    points = defaultdict(list)  # (contender, operation): [(intensity, GFLOP/s)]
    for result in results:
        if result["operation"] in ROOFLINE_OPERATIONS and result["dtype"] == dtype and "median" in result:
            intensity = result["flops"] / bytes_moved(result["operation"], result["sizes"], np.dtype(dtype).itemsize)
            points[result["contender"], result["operation"]].append((intensity, result["flops"] / result["median"] / 1e9))
    ridge = peak["all_cores"] / bandwidth
    every = [x for series in points.values() for x, _ in series] or [ridge]
    intensity = np.logspace(math.log10(min(every + [ridge]) / 4), math.log10(max(every + [ridge]) * 4), 200)
    axis.plot(intensity, np.minimum(peak["all_cores"], bandwidth * intensity), color="k",
              label=f"roof: {peak['all_cores']:.3g} GFLOP/s, {bandwidth:.3g} GB/s ({threads} threads)")
    axis.axhline(peak["one_core"], color="k", ls="--", lw=0.8, label=f"peak on 1 thread: {peak['one_core']:.3g}")
    colours, operations = {}, []
    for (contender, operation), series in points.items():
        colour = colours.setdefault(contender, f"C{len(colours)}")
        operations += [operation] if operation not in operations else []
        axis.scatter(*zip(*series), color=colour, marker=ROOFLINE_OPERATIONS[operation], s=22)
    for contender, colour in colours.items():
        axis.scatter([], [], color=colour, label=contender)
    for operation in operations if len(operations) > 1 else []:
        axis.scatter([], [], color="grey", marker=ROOFLINE_OPERATIONS[operation], label=operation)
    axis.set(xscale="log", yscale="log", xlabel="arithmetic intensity (flops per byte of operands)",
             ylabel="GFLOP/s", title=f"roofline ({dtype})")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=7, loc="lower right")
