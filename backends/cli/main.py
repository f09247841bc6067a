"""The `nn-backends` command.

    nn-backends bench    the backend comparison (quick; --full for every case): tables, JSON and a plot
    nn-backends tune     measure the numba GEMM's settings on this CPU, kept for later runs
    nn-backends ladder   the matrix product once per idea, from Python loops to BLAS, measured side by side
    nn-backends compare OLD.json NEW.json   two saved runs, row by row: faster, slower or within noise
    nn-backends targets FILES   the speed targets, the headline table or the summaries of saved runs
    nn-backends demo     the book's layer of three neurons on every backend, outputs and timings side by side
    nn-backends train    train a network on a data set, on the backend you name
    nn-backends conformance NAME   the conformance suite on one backend (a plug-in too), per operation
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import backend_names
from .options import CommandLineError, OneLineParser, bounded_int

#: Beyond this the demo's pure-Python layer would take minutes per call.
DEMO_MAX_SIZE = 1024


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="nn-backends", description=__doc__.splitlines()[0],
                           formatter_class=argparse.RawDescriptionHelpFormatter,
                           epilog="\n".join(__doc__.splitlines()[2:]))
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    from .bench import add_bench_arguments
    bench = commands.add_parser("bench", help="the backend comparison benchmark (the main job)",
                                description="Time the cases of the headline table, the speed targets and the "
                                            "summary (with --full, every case) on every backend and peer, side by "
                                            "side.")
    add_bench_arguments(bench)

    targets = commands.add_parser("targets", help="the numba backend's speed targets, from bench result files",
                                  description="Print the speed targets as a Markdown table, one column per "
                                              "result file of nn-backends bench.")
    targets.add_argument("files", nargs="+", metavar="RESULTS.json", help="result files of nn-backends bench")
    shown = targets.add_mutually_exclusive_group()
    shown.add_argument("--headline", action="store_true",
                       help="print the headline table of the first file instead (every contender's times)")
    shown.add_argument("--summary", action="store_true",
                       help="print the files' headline ratios side by side, with each run's distance from the median")

    compare = commands.add_parser("compare", help="two saved runs, row by row: faster, slower or within noise",
                                  description="Compare two result files (of nn-backends bench, or of the "
                                              "pytest-benchmark suite saved with --benchmark-save-data).")
    compare.add_argument("old", metavar="OLD.json")
    compare.add_argument("new", metavar="NEW.json")

    from .tune import add_tune_arguments
    add_tune_arguments(commands.add_parser("tune", help="measure the numba GEMM's settings on this CPU",
                                           description="Time the numba GEMM's candidate settings on this "
                                                       "machine and keep the winners (the planner's wisdom)."))

    from .ladder import add_ladder_arguments
    add_ladder_arguments(commands.add_parser("ladder", help="the optimization ladder of the matrix product",
                                             description="Time every rung of backends.ladder, side by side."))

    demo = commands.add_parser("demo", help="the book's layer of three neurons on every backend, side by side")
    demo.add_argument("--size", type=bounded_int(1, DEMO_MAX_SIZE), default=128,
                      help=f"side of the larger dense layer timed, up to {DEMO_MAX_SIZE} (default 128)")

    from .train import DATASETS, add_train_arguments
    train = commands.add_parser("train", help="train a network on a data set",
                                description=f"Train a network on one of: {', '.join(DATASETS)}.")
    add_train_arguments(train, backend_names())

    from .conformance import add_conformance_arguments
    conformance = commands.add_parser("conformance", help="run the conformance suite on one backend",
                                      description="Run the conformance suite on one backend, a plug-in too, "
                                                  "and report each operation: passed, failed, not implemented.")
    add_conformance_arguments(conformance)

    try:
        args = parser.parse_args(argv)
    except CommandLineError as error:  # one line and status 2, not a usage block
        print(error, file=sys.stderr)
        return 2
    try:
        if args.command == "bench":
            from .bench import bench as run_bench
            return run_bench(args)
        if args.command == "conformance":
            from .conformance import conformance as run_conformance
            return run_conformance(args)
        if args.command == "tune":
            from .tune import tune as run_tune
            return run_tune(args)
        if args.command == "ladder":
            from .ladder import ladder as run_ladder
            return run_ladder(args)
        if args.command == "targets":
            from ..benchmarking.report import read_json
            from ..benchmarking.speed_targets import headline, markdown
            from ..benchmarking.summary import side_by_side
            documents = [read_json(path, "targets") for path in args.files]
            if args.summary:
                print(side_by_side(documents, [Path(path).name for path in args.files]))
            else:
                print(headline(documents[0]) if args.headline else markdown(documents))
            return 0
        if args.command == "compare":
            from ..benchmarking.compare import comparison, read_run
            old, new = read_run(args.old), read_run(args.new)
            print(comparison(old, new["results"], new.get("settings", {})).lstrip("\n"))
            return 0
        if args.command == "demo":
            from .demo import demo as run_demo
            return run_demo(args.size)
        from .train import train as run_train
        return run_train(args)
    # the library's own clear errors (bad input, missing library, files, divergence), without a traceback
    except (ValueError, TypeError, ImportError, OSError, ArithmeticError) as error:
        print(f"nn-backends {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
