"""`nn-backends tune`: measure the numba GEMM's run-time settings on this machine and keep them.

The planner (`backends.numba_kernels.planner`) times candidate cache blocks, packing choices and
thread thresholds for float64 and float32 within a budget, and writes the winners to the per-user
wisdom file, which every later process on this CPU reads. `--show` prints what is in force instead.
"""

from __future__ import annotations

import argparse
import json

from .options import positive_float

#: The most seconds of timing a tuning may be given.
MOST_SECONDS = 600.0


def add_tune_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dtypes", default="float64,float32", help="default float64,float32")
    parser.add_argument("--budget", type=positive_float, default=None,
                        help="seconds of timing at most, compiles not counted (default 20)")
    parser.add_argument("--show", action="store_true",
                        help="print the settings in force and where they come from; measure nothing")


def tune(args) -> int:
    from ..numba_kernels import gemm_settings, planner

    dtypes = [name.strip() for name in args.dtypes.split(",") if name.strip()]
    unknown = [name for name in dtypes if name not in gemm_settings.DTYPES]
    if not dtypes or unknown:
        raise ValueError(f"--dtypes takes {' and/or '.join(gemm_settings.DTYPES)}; got {args.dtypes!r}")
    if args.show:
        print(planner.describe_line())
        print(json.dumps(planner.describe(), indent=1))
        return 0
    if planner.mode() == "off":
        raise ValueError(f"tuning is off ({planner.MODE_VARIABLE}=off); unset it to measure")
    budget = planner.BUDGET_SECONDS if args.budget is None else args.budget
    if budget > MOST_SECONDS:
        raise ValueError(f"--budget is at most {MOST_SECONDS:.0f} seconds; got {budget}")
    planner.tune(dtypes, budget=budget)
    print(planner.describe_line())
    return 0
