"""The `nn-backends` command.

    nn-backends bench    the backend comparison: tables of time, GFLOP/s and speedups, JSON and a plot
    nn-backends demo     the seeds' layer of three neurons on every backend, outputs and timings side by side
    nn-backends train    train a network on a data set, on the backend you name
    nn-backends conformance NAME   the conformance suite on one backend (a plug-in too), per operation
"""

from __future__ import annotations

import argparse
import sys

from .. import backend_names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nn-backends", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    commands = parser.add_subparsers(dest="command", required=True)

    from .bench import add_bench_arguments
    bench = commands.add_parser("bench", help="the backend comparison benchmark (the main job)",
                                description="Time every operation on every backend and peer, side by side.")
    add_bench_arguments(bench)

    demo = commands.add_parser("demo", help="the seeds' layer example on every backend, side by side")
    demo.add_argument("--size", type=int, default=128, help="side of the larger dense layer timed (default 128)")

    from .train import DATASETS, add_train_arguments
    train = commands.add_parser("train", help="train a network on a data set",
                                description=f"Train a network on one of: {', '.join(DATASETS)}.")
    add_train_arguments(train, backend_names())

    from .conformance import add_conformance_arguments
    conformance = commands.add_parser("conformance", help="run the conformance suite on one backend",
                                      description="Run the conformance suite on one backend, a plug-in too, "
                                                  "and report each operation: passed, failed, not implemented.")
    add_conformance_arguments(conformance)

    args = parser.parse_args(argv)
    try:
        if args.command == "bench":
            from .bench import bench as run_bench
            return run_bench(args)
        if args.command == "conformance":
            from .conformance import conformance as run_conformance
            return run_conformance(args)
        if args.command == "demo":
            from .demo import demo as run_demo
            return run_demo(args.size)
        from .train import train as run_train
        return run_train(args)
    except (ValueError, TypeError, ImportError) as error:  # the library's own clear errors, without a traceback
        print(f"nn-backends {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
