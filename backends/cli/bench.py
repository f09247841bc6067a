"""`nn-backends bench`: the backend comparison, the project's main job.

By default a quick run: the cases that carry a mark (`workloads`: the README's headline rows, the
speed targets, the summary's ratios), each on the contenders its marks compare (a headline row on
every backend and peer installed), each with its interval, after the machine's limits and before
the summary; it ends saying how to time the rest. `--full` times every case of `cases.all_cases()`
on every contender, both dtypes, and Numba's compile time per kernel. Either prints one table per
operation, writes the raw results as JSON and a log-log plot as PNG, and its own wall time.
`--pytest-benchmark` runs the pytest-benchmark suite in `bench/` instead; `--compare OLD.json`
prints the change against a saved run.
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import subprocess
import sys
import time
from pathlib import Path

from tqdm.auto import tqdm

from ..benchmarking import cases as bench_cases
from ..benchmarking.report import (MACHINE_KEYS, crossovers, machine_caption, machine_lines, read_json, tables,
                                  threads_of, write_json)
from ..benchmarking import machine_limits, rounds, summary
from ..benchmarking.compare import comparison
from ..benchmarking.plots import plot_scaling
from ..benchmarking.workloads import Headline
from ..benchmarking.timing import COMPILED_KERNELS, numba_compile_seconds, set_threads, startup_seconds, thread_settings
from ..validation import InvalidInputError
from .options import bounded_int, check_output, names_among, non_negative_float, positive_float, positive_int

def add_bench_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--threads", type=bounded_int(1, 1024),
                        help="threads for BLAS, Numba and PyTorch (default: as set)")
    parser.add_argument("--json", default="bench-results.json", help="raw results (default bench-results.json)")
    parser.add_argument("--plot", default="bench-results.png", help="log-log plot (default bench-results.png)")
    parser.add_argument("--compare", metavar="OLD.json", help="also print the change against a saved run")
    parser.add_argument("--budget", type=positive_float, default=0.2,
                        help="seconds of timing per measurement (default 0.2)")
    parser.add_argument("--python-limit", type=non_negative_float, default=0.3,
                        help="skip pure Python where one call would take longer (default 0.3 s)")
    operations = list(dict.fromkeys(case.operation for case in bench_cases.all_cases()))
    parser.add_argument("--operations", nargs="+", metavar="A,B", type=names_among(operations),
                        help=f"only these operations (commas or spaces between them): {', '.join(operations)}")
    parser.add_argument("--max-size", type=positive_int, help="only cases whose largest dimension is at most this")
    parser.add_argument("--full", action="store_true",
                        help="time every case, float64 and float32, and Numba's compile times (default: the quick "
                             "run, the cases of the headline table, the speed targets and the summary)")
    parser.add_argument("--backends", type=lambda text: [name.strip() for name in text.split(",") if name.strip()],
                        metavar="A,B", help="time these backends, plug-ins too (default: the built-ins installed)")
    parser.add_argument("--pytest-benchmark", action="store_true",
                        help="run the pytest-benchmark suite in bench/ instead (a clone's; needs the test extra)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def chosen_cases(full: bool = False, operations=None, max_size=None) -> list:
    """The cases a run times, grouped by operation, float64 first: every case with `full`, else the
    quick run's, those carrying a mark (a headline row, a speed target, a summary ratio); narrowed to
    `operations` and to cases whose largest dimension is at most `max_size`."""
    every = bench_cases.all_cases()
    order = list(dict.fromkeys(case.operation for case in every))
    chosen = [case for case in every if (full or case.marks) and (not operations or case.operation in operations)
              and (max_size is None or max(case.sizes) <= max_size)]
    return sorted(chosen, key=lambda case: (order.index(case.operation), case.dtype != "float64"))


def compared(case, contenders: list[str], asked=()) -> list[str]:
    """The contenders the quick run times on `case`: all of them on a headline row (the table shows
    every one), else those its speed targets and summary ratios compare, and the backends `asked`
    for by name (--backends: a plug-in is timed on every case)."""
    if any(isinstance(mark, Headline) for mark in case.marks):
        return contenders
    named = {name for mark in case.marks for name in (mark.contender, mark.other)} | set(asked)
    return [contender for contender in contenders if contender in named]


def per_step(timing: dict, steps: int) -> dict:
    per = {key: timing[key] / steps for key in ("median", "q1", "q3", "low", "high")}
    return timing | per | {"samples": [sample / steps for sample in timing["samples"]], "steps_per_call": steps}


def time_case(case, contenders: list[str], budget: float, python_limit: float) -> list[dict]:
    """One result per contender for `case`: its per-round times per step (`rounds.interleaved`, all
    contenders of the case in the same rounds), or the reason it was skipped."""
    rows, calls = {}, {}
    for contender in filter(case.applies_to, contenders):
        rows[contender] = {"operation": case.operation, "sizes": list(case.sizes), "label": case.label,
                           "dtype": case.dtype, "contender": contender, "flops": case.flops}
        try:
            calls[contender] = case.callable_for(contender, python_limit=python_limit)
        except bench_cases.Unsupported as reason:
            rows[contender]["skipped"] = str(reason)
    for contender, timed in rounds.interleaved(calls, budget).items():
        rows[contender] |= per_step(timed, case.steps)
    return list(rows.values())


def run_pytest_benchmark(args) -> int:
    suite = Path(__file__).resolve().parents[2] / "bench"
    if not suite.is_dir():
        print("nn-backends bench --pytest-benchmark: the pytest-benchmark suite lives in the bench/ folder of a "
              f"clone of the repository; got no folder {suite}", file=sys.stderr)
        return 2
    missing = [name for name in ("pytest", "pytest_benchmark") if importlib.util.find_spec(name) is None]
    if missing:
        print(f"nn-backends bench --pytest-benchmark: the suite needs {' and '.join(missing)}, not installed here; "
              "install the test extra: pip install -e '.[test]'", file=sys.stderr)
        return 2
    command = [sys.executable, "-m", "pytest", str(suite), "--benchmark-columns=median,iqr,ops,rounds",
               "--benchmark-sort=name", f"--benchmark-json={args.json}",
               *([f"--backends={','.join(args.backends)}"] if args.backends else [])]
    print("running:", " ".join(command), flush=True)
    return subprocess.call(command)


def bench(args) -> int:
    started = time.perf_counter()
    check_output("bench", "--json", args.json)  # before the run, so its results are not lost at the end
    if not args.pytest_benchmark:
        check_output("bench", "--plot", args.plot)
    if args.operations:
        args.operations = [op for group in args.operations for op in group]
    chosen = chosen_cases(args.full or args.pytest_benchmark, args.operations, args.max_size)
    if not chosen:
        raise InvalidInputError(_nothing_chosen(args))
    set_threads(args.threads)
    if args.backends:
        bench_cases.contenders(args.backends)  # an unknown or broken backend fails now, in one line
    if args.pytest_benchmark:
        return run_pytest_benchmark(args)
    try:
        old = read_json(args.compare) if args.compare else None
    except ValueError as error:
        print(f"nn-backends {error}", file=sys.stderr)
        return 2
    if "numba" in bench_cases.contenders(args.backends):  # first run on this CPU: measure the GEMM's settings
        from ..numba_kernels import planner
        planner.tune_if_unseen()
    settings = thread_settings() | {"python": platform.python_version(), "machine": platform.machine()}
    every = len(bench_cases.all_cases())
    print(f"nn-backends bench: {'every case' if args.full else 'the quick run'}, {len(chosen)} of {every} cases")
    print("\n".join(machine_lines(settings)))
    print("thread settings: " + ", ".join(f"{k}={v}" for k, v in settings.items()
                                          if v is not None and k not in MACHINE_KEYS))
    contenders = bench_cases.contenders(args.backends)
    print(f"contenders: {', '.join(contenders)}" + ("" if "torch" in contenders else
                                                    "  (pip install -e '.[torch]' adds the PyTorch peer)"))

    limits = machine_limits.measure(settings.get("numba_threads"))
    print("\n".join(machine_limits.limit_lines(limits)))
    results = []
    for case in tqdm(chosen, desc="bench", unit="case", disable=args.quiet):
        timed = contenders if args.full else compared(case, contenders, args.backends or ())
        results += time_case(case, timed, args.budget, args.python_limit)

    if "numba" in contenders:
        for name, seconds in startup_seconds().items():
            results.append({"operation": "startup", "sizes": [], "label": name, "dtype": "-", "contender": "numba",
                            "flops": 0.0, "median": seconds, "q1": seconds, "q3": seconds, "repeats": 2, "number": 1})
        for kernel in COMPILED_KERNELS if args.full else ():
            seconds = numba_compile_seconds(kernel)
            results.append({"operation": "numba_compile", "sizes": [], "label": kernel, "dtype": "float64",
                            "contender": "numba", "flops": 0.0, "median": seconds, "q1": seconds, "q3": seconds,
                            "repeats": 1, "number": 1})

    print(tables(results, footer=crossovers, limits=limits, settings=settings))
    headline = summary.measured(results)
    print("\n".join(summary.lines(headline)))
    if old is not None:
        print(comparison(old, results, settings))
    write_json(args.json, results, settings, limits, headline)
    plot_scaling(args.plot, results, caption=machine_caption(settings), limits=limits,
                 threads=threads_of("numba", settings))
    print(f"\nraw results: {args.json}   plot: {args.plot}")
    if not args.full:
        print(f"quick run: the {len(chosen)} cases of the headline table, the speed targets and the summary; "
              f"nn-backends bench --full times all {every} (float32 too) and Numba's compile times")
    print(f"bench wall time: {time.perf_counter() - started:.0f} s")
    return 0


def _nothing_chosen(args) -> str:
    """Why the options leave no case to time, and what would."""
    among, every = chosen_cases(args.full, args.operations), chosen_cases(True, args.operations)
    if among:  # the operations have cases in this run, none that small
        smallest, overall = (min(max(case.sizes) for case in cases) for cases in (among, every))
        full = f"; with --full, {overall}" if overall < smallest else ""
        return (f"bench: no case of these operations is that small (the smallest is {smallest}{full}); "
                f"got --max-size={args.max_size}")
    return (f"bench: the quick run has no case of {', '.join(args.operations)} (--full times every case); "
            f"got --operations={','.join(args.operations)}")
