"""`nn-backends bench`: the backend comparison, the project's main job.

The quick sweep (default) times every operation of `cases.all_cases()` in float64 and the float32
cases that matter most, on every backend and peer installed, in under two minutes on two cores. It
prints one table per operation, writes the raw results as JSON and a log-log plot as PNG.
`--full` runs the pytest-benchmark suite in `bench/` instead; `--compare OLD.json` prints the change
against a saved run.
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
from pathlib import Path

from tqdm.auto import tqdm

from ..benchmarking import cases as bench_cases
from ..benchmarking.report import (MACHINE_KEYS, crossovers, machine_caption, machine_lines, read_json, tables,
                                  threads_of, write_json)
from ..benchmarking import machine_limits, rounds, summary
from ..benchmarking.compare import comparison
from ..benchmarking.plots import plot_scaling
from ..benchmarking.timing import COMPILED_KERNELS, numba_compile_seconds, set_threads, startup_seconds, thread_settings
from ..validation import InvalidInputError
from .options import bounded_int, check_output, names_among, non_negative_float, positive_float, positive_int

#: The float32 cases of the quick sweep: the MNIST-sized step, and dense layers big enough to show it.
QUICK_FLOAT32 = {("training_step", (128, 784, 128, 10)), ("dense_forward", (256, 256, 256)),
                 ("dense_forward", (1024, 1024, 1024)), ("matmul", (256, 256, 256)),
                 ("matmul", (1024, 1024, 1024)), ("dense_forward", (128, 784, 128)),
                 ("dense_backward", (128, 784, 128))}




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
    parser.add_argument("--backends", type=lambda text: [name.strip() for name in text.split(",") if name.strip()],
                        metavar="A,B", help="time these backends, plug-ins too (default: the built-ins installed)")
    parser.add_argument("--full", action="store_true",
                        help="run the pytest-benchmark suite in bench/ (float32 and float64, every size)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def quick_cases(operations=None, max_size=None) -> list:
    every = bench_cases.all_cases()
    order = list(dict.fromkeys(case.operation for case in every))
    chosen = [case for case in every if (case.dtype == "float64" or (case.operation, case.sizes) in QUICK_FLOAT32)
              and (not operations or case.operation in operations)
              and (max_size is None or max(case.sizes) <= max_size)]
    return sorted(chosen, key=lambda case: (order.index(case.operation), case.dtype != "float64"))


def per_step(timing: dict, steps: int) -> dict:
    per = {key: timing[key] / steps for key in ("median", "q1", "q3", "low", "high")}
    return timing | per | {"samples": [sample / steps for sample in timing["samples"]], "steps_per_call": steps}


def time_case(case, contenders: list[str], budget: float, python_limit: float) -> list[dict]:
    """One result per contender for `case`: its per-round times per step (`rounds.interleaved`, all
    contenders of the case in the same rounds), or the reason it was skipped."""
    rows, calls = {}, {}
    for contender in contenders:
        rows[contender] = {"operation": case.operation, "sizes": list(case.sizes), "label": case.label,
                           "dtype": case.dtype, "contender": contender, "flops": case.flops}
        try:
            calls[contender] = case.callable_for(contender, python_limit=python_limit)
        except bench_cases.Unsupported as reason:
            rows[contender]["skipped"] = str(reason)
    for contender, timed in rounds.interleaved(calls, budget).items():
        rows[contender] |= per_step(timed, case.steps)
    return list(rows.values())


def run_full(args) -> int:
    suite = Path(__file__).resolve().parents[2] / "bench"
    if not suite.is_dir():
        print("nn-backends bench --full: the pytest-benchmark suite lives in the bench/ folder of a clone of "
              f"the repository; got no folder {suite}", file=sys.stderr)
        return 2
    command = [sys.executable, "-m", "pytest", str(suite), "--benchmark-columns=median,iqr,ops,rounds",
               "--benchmark-sort=name", f"--benchmark-json={args.json}",
               *([f"--backends={','.join(args.backends)}"] if args.backends else [])]
    print("running:", " ".join(command), flush=True)
    return subprocess.call(command)


def bench(args) -> int:
    check_output("bench", "--json", args.json)  # before the run, so its results are not lost at the end
    if not args.full:
        check_output("bench", "--plot", args.plot)
    if args.operations:
        args.operations = [op for group in args.operations for op in group]
    chosen = quick_cases(args.operations, args.max_size)
    if not chosen:
        smallest = min(max(case.sizes) for case in quick_cases(args.operations))
        raise InvalidInputError(f"bench: no case of these operations is that small (the smallest is {smallest}); "
                                f"got --max-size={args.max_size}")
    set_threads(args.threads)
    if args.backends:
        bench_cases.contenders(args.backends)  # an unknown or broken backend fails now, in one line
    if args.full:
        return run_full(args)
    try:
        old = read_json(args.compare) if args.compare else None
    except ValueError as error:
        print(f"nn-backends {error}", file=sys.stderr)
        return 2
    if "numba" in bench_cases.contenders(args.backends):  # first run on this CPU: measure the GEMM's settings
        from ..numba_kernels import planner
        planner.tune_if_unseen()
    settings = thread_settings() | {"python": platform.python_version(), "machine": platform.machine()}
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
        results += time_case(case, contenders, args.budget, args.python_limit)

    if "numba" in contenders:
        for name, seconds in startup_seconds().items():
            results.append({"operation": "startup", "sizes": [], "label": name, "dtype": "-", "contender": "numba",
                            "flops": 0.0, "median": seconds, "q1": seconds, "q3": seconds, "repeats": 2, "number": 1})
        for kernel in COMPILED_KERNELS:
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
    return 0
