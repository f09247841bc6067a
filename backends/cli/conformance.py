"""`nn-backends conformance NAME`: the conformance suite on one backend, reported per operation.

Exit status 0 only when every operation the backend implements passes; operations it does not
implement are listed as such, and so are the known failures the backend declares. The suite is the
folder `tests/conformance/` (installed as `backends.conformance_suite`); in a clone,
`NN_TEST_BACKENDS=NAME python -m pytest tests/conformance` runs the same tests under plain pytest.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

from ..atomic_files import write_text


def add_conformance_arguments(parser) -> None:
    parser.add_argument("backend", help="a backend name: a built-in or a plug-in registered by entry point")
    parser.add_argument("--json", metavar="F", help="also write the report as JSON to this file")
    parser.add_argument("-k", dest="select", metavar="EXPRESSION",
                        help="only the tests pytest -k EXPRESSION selects (e.g. -k softmax)")
    parser.add_argument("--quick", action="store_true",
                        help="leave out the long training runs (10,000 epochs; marked slow)")
    parser.add_argument("--known-failures", metavar="F",
                        help="a file of known failures, one test id (or pattern) a line, its reason after '#': "
                             "reported as known, not failed (as the kernel module's KNOWN_FAILURES)")
    parser.add_argument("--workers", metavar="N", type=int, default=None,
                        help="run the tests in N processes (default: one per core this process may use; "
                             "1 runs them in this one)")
    parser.add_argument("--verbose", action="store_true", help="show pytest's own output too")


def usable_cores() -> int:
    """The cores this process may run on: its CPU affinity where the system says (Linux), else all."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # macOS and Windows have no affinity call


def conformance(args) -> int:
    from .. import get_backend
    from ..conformance import ConformanceRunError, format_report, read_known_failures, run

    missing = [name for name in ("pytest", "hypothesis") if importlib.util.find_spec(name) is None]
    if missing:
        raise ImportError(f"conformance: the suite needs {' and '.join(missing)}, not installed here; "
                          "install the conformance extra: pip install 'nn-backends[conformance]' "
                          "(in a clone: pip install -e '.[conformance]')")
    json_path = Path(args.json) if args.json else None
    if json_path is not None and not json_path.parent.is_dir():
        raise ValueError(f"conformance: the folder for --json does not exist; got --json={args.json!r}")
    if args.known_failures and not Path(args.known_failures).is_file():
        raise ValueError(f"conformance: the --known-failures file does not exist; got --known-failures="
                         f"{args.known_failures!r}")
    known = read_known_failures(args.known_failures) if args.known_failures else None
    get_backend(args.backend)  # an unknown or broken backend fails here, in one line, before the run
    workers = usable_cores() if args.workers is None else args.workers
    if workers < 1:
        raise ValueError(f"conformance: --workers must be at least 1; got --workers={workers}")
    try:
        report = run(args.backend, select=args.select, verbose=args.verbose, quick=args.quick, known_failures=known,
                     workers=workers)
    except ConformanceRunError as error:  # one line, as every other error of the command
        print(f"nn-backends conformance: error: {error}", file=sys.stderr)
        return 2
    print(format_report(report))
    if json_path is not None:
        write_text(json_path, json.dumps(report, indent=1))
        print(f"report: {json_path}")
    sys.stdout.flush()
    return 0 if report["ok"] else 1
