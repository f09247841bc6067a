"""`nn-backends ladder`: the optimization ladder (`backends.ladder`) measured side by side.

For each dtype and size n (the product n×n · n×n), one table: rung, the idea it adds, threads,
median time ± spread, GFLOP/s, ns per multiply-add, speedup over the rung below and over pure Python,
and the fraction of this machine's BLAS. Each rung is timed in rounds (`benchmarking.rounds`); a
ratio whose 95% interval holds 1 reads "≈", a rung timed while other programs used the CPU is marked
"!", and a fraction of the peak above 100% (the peak was measured low) is not shown. Rungs that are not parallel run on one thread (Numba and
BLAS both limited to one); parallel rungs and BLAS on `--threads`. A rung whose single call would
take longer than `--call-limit` is not run at that size: its time is extrapolated as n³ from the
largest size it ran at, and marked "~". The raw results go to JSON, GFLOP/s and times to a plot.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np

from .. import ladder as ladder_rungs
from ..benchmarking import machine_limits, rounds
from ..benchmarking.plots import roofline, save_atomically
from ..benchmarking.report import format_seconds, machine_caption, machine_lines, write_json
from ..benchmarking.timing import set_threads, thread_settings

#: The problem each serial rung is timed on first, to estimate its time at the sizes asked for.
PROBE_SIZE = 24


def add_ladder_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", default="128,512,1024", help="n of the n×n·n×n products (default 128,512,1024)")
    parser.add_argument("--dtypes", default="float64,float32", help="default float64,float32")
    parser.add_argument("--threads", type=int, help="threads of the parallel rungs and BLAS (default: every CPU)")
    parser.add_argument("--budget", type=float, default=0.2, help="seconds of timing per measurement (default 0.2)")
    parser.add_argument("--call-limit", type=float, default=0.5,
                        help="extrapolate a rung whose one call would take longer (default 0.5 s)")
    parser.add_argument("--json", default="ladder-results.json", help="raw results (default ladder-results.json)")
    parser.add_argument("--plot", default="ladder-results.png", help="GFLOP/s and time plot (default ladder-results.png)")


def _positive_ints(text: str, option: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        values = []
    if not values or min(values) < 1:
        raise ValueError(f"ladder: {option} must be positive whole numbers separated by commas; "
                         f"got {option}={text!r}; for example {option}=128,512")
    return sorted(set(values))


def _checked(args) -> tuple[list[int], list[str], int]:
    """Every option checked before the first measurement."""
    sizes = _positive_ints(args.sizes, "--sizes")
    dtypes = [part.strip() for part in args.dtypes.split(",")]
    if not dtypes or set(dtypes) - set(ladder_rungs.BOTH_DTYPES):
        raise ValueError(f"ladder: --dtypes must name float64 and/or float32; got --dtypes={args.dtypes!r}")
    threads = args.threads or os.cpu_count() or 1
    if threads < 1 or args.budget <= 0 or args.call_limit <= 0:
        raise ValueError(f"ladder: --threads, --budget and --call-limit must be positive; got --threads={threads}, "
                         f"--budget={args.budget}, --call-limit={args.call_limit}")
    for option, path in (("--json", args.json), ("--plot", args.plot)):
        if not Path(path).resolve().parent.is_dir():
            raise ValueError(f"ladder: the folder of {option} does not exist; got {option}={path!r}")
    return sizes, dtypes, threads


def operands(n: int, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """The two n×n factors every rung is timed on at size n (the same values for every rung)."""
    rng = np.random.default_rng(n)
    a, c = (rng.uniform(-1.0, 1.0, (n, n)).astype(dtype) for _ in range(2))
    return a, c


def measure_rung(rung, n: int, dtype: str, threads: int, budget: float) -> dict:
    """One call of `rung` on an n×n · n×n product, on the rung's thread count, timed in rounds
    (`rounds.interleaved`: median, 95% interval, samples, and the CPU use of other programs)."""
    a, c = operands(n, dtype)
    arguments = rung.arguments(a, c)
    set_threads(threads if rung.parallel else 1)
    return rounds.interleaved({rung.name: lambda: rung.function(*arguments)}, budget)[rung.name]


def versus(slow: dict, fast: dict, percent: bool = False) -> str:
    """How much faster `fast` ran than `slow`: '2.4x' (or '3.1x slower'; as a percentage of the time
    `fast` took, '240%'), '≈1x' ('≈100%') when the 95% interval of that ratio holds 1 (both timed
    in rounds; an extrapolated time has no interval)."""
    ratio = slow["median"] / fast["median"]
    if slow.get("samples") and fast.get("samples"):
        ratio, low, high = rounds.unpaired_ratio(slow["samples"], fast["samples"])
        if low <= 1 <= high:
            return "≈100%" if percent else "≈1x"
    return f"{ratio:.0%}" if percent else f"{ratio:.3g}x" if ratio >= 1 else f"{1 / ratio:.3g}x slower"


def explain_losses(results: list[dict], rungs, threads: int) -> None:
    """Into each result of a rung that lost to the rung below it (both measured, not extrapolated),
    the rung's own measured reason, `why_slower`."""
    by_key = {(r["contender"], r["dtype"], r["sizes"][0]): r for r in results}
    climbing = [rung for rung in rungs if rung.name != "torch"]
    for below, rung in zip(climbing, climbing[1:]):
        if rung.why_slower is None:
            continue
        for (name, dtype, n), row in by_key.items():
            under = by_key.get((below.name, dtype, n))
            if (name != rung.name or under is None or "extrapolated_from" in row or "extrapolated_from" in under
                    or row["median"] <= under["median"] or versus(row, under) == "≈1x"):
                continue
            a, c = operands(n, dtype)
            set_threads(threads if rung.parallel else 1)
            row["why_slower"] = rung.why_slower(a, c, row["median"], threads)
    set_threads(threads)


def run_ladder(rungs, sizes, dtypes, threads, budget, call_limit) -> list[dict]:
    results = []
    for dtype in dtypes:
        for rung in (r for r in rungs if dtype in r.dtypes):
            # the serial rungs are the slow ones; a parallel rung on a tiny probe would time its thread start
            known = None if rung.parallel else (PROBE_SIZE,
                                                measure_rung(rung, PROBE_SIZE, dtype, 1, budget / 4)["median"])
            for n in sizes:
                result = {"operation": "ladder", "sizes": [n, n, n], "label": f"{n}x{n}x{n}", "dtype": dtype,
                          "contender": rung.name, "rung": rung.number, "idea": rung.idea,
                          "threads": threads if rung.parallel else 1, "flops": 2.0 * n ** 3}
                estimate = known[1] * (n / known[0]) ** 3 if known else 0.0
                if estimate > call_limit:
                    result |= {"median": estimate, "q1": estimate, "q3": estimate, "extrapolated_from": known[0]}
                else:
                    result |= measure_rung(rung, n, dtype, threads, budget)
                    known = (n, result["median"])
                results.append(result)
    return results


def table(rows: list[dict], rungs, limits: dict | None = None) -> list[str]:
    """One size and dtype: every rung side by side, with the ratios, GFLOP/s as a fraction of the
    measured peak on the rung's threads, and the measured reason for each loss."""
    by_name = {row["contender"]: row for row in rows}
    python, blas = by_name.get("python"), by_name.get("blas")
    n, dtype = rows[0]["sizes"][0], rows[0]["dtype"]
    lines = ["", f"== ladder {n}×{n} · {n}×{n}, {dtype} " + "=" * 60,
             f"{'rung':<17} {'the idea it adds':<46} {'thr':>3} {'median':>10} {'± spread':>9} {'GFLOP/s':>8} "
             f"{'of peak':>7} {'ns/madd':>8} {'vs below':>11} {'vs python':>11} {'of BLAS':>7}"]
    notes, busy_rungs, below = [], {}, None
    for rung in rungs:
        row = by_name.get(rung.name)
        if row is None:
            continue
        median = row["median"]
        mark = "~" if "extrapolated_from" in row else "!" if row.get("cpu", {}).get("busy") else " "
        spread = "extrap." if mark == "~" else format_seconds((row["q3"] - row["q1"]) / 2)
        versus_below = versus(below, row) if below else "-"
        versus_python = versus(python, row) if python and row is not python else "-"
        of_blas = versus(blas, row, percent=True) if blas else "-"
        peak = machine_limits.peak_for(limits, dtype, row["threads"])
        of_peak = f"{row['flops'] / median / 1e9 / peak:.1%}" if peak else "-"
        if peak and row["flops"] / median / 1e9 > peak:  # faster than the machine can go: the peak read low
            notes.append(f"{rung.name}: {of_peak} of the measured peak cannot be; the peak was measured low "
                         "(other programs used the CPU then), so this fraction is not shown")
            of_peak = "n/a"
        lines.append(f"{rung.number} {rung.name:<15} {rung.idea:<46} {row['threads']:>3} {mark}{format_seconds(median):>9} "
                     f"{spread:>9} {row['flops'] / median / 1e9:>8.3g} {of_peak:>7} {median / (row['flops'] / 2) * 1e9:>8.3g} "
                     f"{versus_below:>11} {versus_python:>11} {of_blas:>7}")
        if mark == "~":
            notes.append(f"~ {rung.name}: one call would exceed the limit; n³ from its time at {row['extrapolated_from']}³")
        if mark == "!":
            busy_rungs[rung.name] = row["cpu"]["others"]
        if row.get("why_slower"):
            notes.append(f"{rung.name} loses to the rung below here: {row['why_slower']}")
        if rung.name != "torch":
            below = row
    if busy_rungs:
        cores = [others for others in busy_rungs.values() if others is not None]
        how_busy = f" ({min(cores):.2g}–{max(cores):.2g} cores)" if cores else ""
        notes.append(f"! timed while other programs used the CPU{how_busy}: {', '.join(busy_rungs)}; "
                     "their times may read high")
    return lines + [f"   {note}" for note in notes]


def targets(results: list[dict]) -> list[str]:
    """The issue's target ratios, computed from this run (at the largest size each pair both ran)."""
    measured = {(r["contender"], r["dtype"], r["sizes"][0]): r["median"] for r in results
                if "extrapolated_from" not in r}
    lines = ["", "== ratios of this run " + "=" * 60]
    for top, bottom in (("compiled", "python"), ("packed gemm", "compiled"), ("packed gemm", "blas")):
        for dtype in ladder_rungs.BOTH_DTYPES:
            common = [n for (name, d, n) in measured if name == top and d == dtype and (bottom, d, n) in measured]
            if common:
                n = max(common)
                ratio = measured[(bottom, dtype, n)] / measured[(top, dtype, n)]
                lines.append(f"   {top} / {bottom}, {dtype} at {n}³: {ratio:.3g}x")
    return lines


def plot_ladder(path, results: list[dict], rungs, dtype: str = "float64", caption: str = "",
                limits: dict | None = None, stacked: bool = False) -> None:
    """Left: GFLOP/s per rung at the largest size (log scale, BLAS and the measured peaks as
    reference lines); middle: time against n for every rung, log-log (dashed where extrapolated);
    right, with `limits`: every measured rung and size under the machine's roofline. `stacked`
    puts the panels one above the other, each a page's width (the walkthrough's page)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in results if r["dtype"] == dtype] or results
    largest = max(r["sizes"][0] for r in rows)
    panels = 3 if limits else 2
    figure, axes = (plt.subplots(panels, 1, figsize=(8.5, 5.2 * panels)) if stacked else
                    plt.subplots(1, panels, figsize=(6.5 * panels, 4.8)))
    bars, lines = axes[0], axes[1]
    top = {r["contender"]: r for r in rows if r["sizes"][0] == largest}
    numbers = {rung.name: rung.number for rung in rungs}
    names = [rung.name for rung in rungs if rung.name in top]
    rates = [top[name]["flops"] / top[name]["median"] / 1e9 for name in names]
    bars.bar(range(len(names)), rates, color=["tab:gray" if "extrapolated_from" in top[n] else "tab:blue" for n in names])
    bars.set_xticks(range(len(names)), [f"{numbers[name]} {name}" for name in names], rotation=30, ha="right")
    if "blas" in top:
        bars.axhline(top["blas"]["flops"] / top["blas"]["median"] / 1e9, color="tab:red", ls="--", label="BLAS")
    if limits and dtype in limits["peak"]:
        for key, style in (("one_core", ":"), ("all_cores", "-")):
            bars.axhline(limits["peak"][dtype][key], color="k", ls=style, lw=0.8,
                         label=f"peak, {'1 thread' if key == 'one_core' else str(limits['threads']) + ' threads'}")
    if "blas" in top or limits:
        bars.legend(fontsize=8)
    bars.set(yscale="log", ylabel="GFLOP/s", title=f"GFLOP/s per rung at {largest}³ ({dtype}; grey: extrapolated)")
    for name in names:
        points = sorted((r["sizes"][0], r["median"], "extrapolated_from" in r) for r in rows if r["contender"] == name)
        measured = [(n, t) for n, t, guessed in points if not guessed]
        line, = lines.plot(*zip(*measured), marker="o", label=name) if measured else (None,)
        guessed = [(n, t) for n, t, flag in points if flag]
        if guessed:
            lines.plot(*zip(*(measured[-1:] + guessed)), ls="--", color=line.get_color() if line else None,
                       label=None if line else f"{name} (extrapolated)")
    lines.set(xscale="log", yscale="log", xlabel="n (product n×n · n×n)", ylabel="seconds per call",
              title="time against size, every rung")
    lines.grid(True, which="both", alpha=0.3)
    lines.legend(fontsize=8)
    if limits:
        measured = [r for r in rows if "extrapolated_from" not in r]
        roofline(axes[2], measured, limits, dtype, limits["threads"])
    figure.tight_layout(rect=(0, 0.04, 1, 1))
    figure.text(0.5, 0.005, caption, ha="center", va="bottom", fontsize=8)
    save_atomically(figure, path)
    plt.close(figure)


def ladder(args) -> int:
    sizes, dtypes, threads = _checked(args)
    start = time.perf_counter()
    rungs = ladder_rungs.rungs()
    print(f"loading the rungs (numba import; compiles on a cold cache): {time.perf_counter() - start:.2f} s")
    set_threads(threads)
    settings = thread_settings() | {"python": platform.python_version(), "machine": platform.machine(),
                                    "parallel_threads": threads, "serial_threads": 1}
    print("\n".join(machine_lines(settings)))
    print(f"threads: parallel rungs and BLAS {threads}, the others 1; "
          f"BLAS {settings.get('blas')}, {settings['cpus']} CPUs")
    limits = machine_limits.measure(threads)
    print("\n".join(machine_limits.limit_lines(limits)))
    for dtype in dtypes:
        start = time.perf_counter()
        tiny = np.ones((2, 2), dtype=dtype)
        for rung in rungs:
            if dtype in rung.dtypes:
                rung.function(*rung.arguments(tiny, tiny))
        print(f"first calls, {dtype} (Numba compiles or loads its cache; never timed): "
              f"{time.perf_counter() - start:.2f} s")
    results = run_ladder(rungs, sizes, dtypes, threads, args.budget, args.call_limit)
    explain_losses(results, rungs, threads)
    for dtype in dtypes:
        for n in sizes:
            print("\n".join(table([r for r in results if r["dtype"] == dtype and r["sizes"][0] == n], rungs, limits)))
    print("\n".join(targets(results)))
    write_json(args.json, results, settings, limits)
    plot_ladder(args.plot, results, rungs, caption=machine_caption(settings), limits=limits)
    print(f"\nraw results: {args.json}   plot: {args.plot}")
    return 0
