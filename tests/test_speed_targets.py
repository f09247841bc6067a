"""The speed targets table is rendered from bench result files, and every rendered table in the docs
(the headline table in README.md, the targets table in docs/benchmarks.md) is exactly what
`nn-backends targets` renders from the committed files it names (no typed figures)."""

import re
from pathlib import Path

import pytest

from backends.benchmarking import workloads
from backends.benchmarking.cases import all_cases, marked
from backends.benchmarking.speed_targets import markdown, ratio
from backends.benchmarking.workloads import Headline, Ratio, Target, on
from backends.cli import main
from backends.cli.bench import chosen_cases

ROOT = Path(__file__).resolve().parents[1]
MARKED = re.compile(r"<!-- rendered by: nn-backends targets (?P<arguments>[^>]*?) -->\n(?P<table>.*?)\n<!-- end -->",
                    re.S)


def _row(contender, median, operation="dense_forward", label="256x256x256", dtype="float64"):
    return {"operation": operation, "label": label, "dtype": dtype, "contender": contender, "median": median}


def test_a_target_reads_met_not_met_or_not_run():
    case, target = next(pair for pair in marked(Target) if pair[0].key == on("dense_forward", (256, 256, 256)))
    assert (target.other, target.at_least) == ("blas", 0.85)
    assert ratio(case, target, [_row("numba", 2.0), _row("blas", 1.0)]) == 0.5
    settings = {"cpu_model": "CPU X", "numba_isa": "avx2: 16 x 256-bit registers", "blas": "openblas (Haswell)"}
    fast = {"settings": settings, "results": [_row("numba", 1.0), _row("blas", 1.0)]}
    slow = {"settings": settings, "results": [_row("numba", 2.0), _row("blas", 1.0)]}
    table = markdown([fast, slow])
    line = next(line for line in table.splitlines() if line.startswith("| dense_forward 256³ float64"))
    assert line.endswith("| 1.00× met | 0.50× **not met** |")
    assert "CPU X, numba avx2, BLAS openblas (Haswell)" in table.splitlines()[0]
    assert table.count("not run") == 2 * (len(marked(Target)) - 1)


def test_every_mark_is_on_a_case_and_the_quick_run_times_exactly_the_marked_cases():
    """A mark whose key names no case (a typo in its sizes) would drop its row silently."""
    keys = [case.key for case in all_cases()]
    assert len(keys) == len(set(keys))
    assert set(workloads.MARKS) <= set(keys)
    for kind, table in ((Headline, workloads.HEADLINE), (Target, workloads.TARGETS), (Ratio, workloads.SUMMARY)):
        pairs = marked(kind)
        assert [case.key for case, _ in pairs] == [key for key, _ in table]
        assert [mark.row for _, mark in pairs] == list(range(len(table)))
    quick = {case.key for case in chosen_cases()}
    assert quick == set(workloads.MARKS)
    assert {case.key for case in chosen_cases(full=True)} == set(keys)


#: Where each rendered table lives: the file, and whether it is the headline table (--headline).
RENDERED = {"README.md": [True], "docs/benchmarks.md": [False, False]}


@pytest.mark.parametrize("document", RENDERED)
def test_the_rendered_tables_are_what_the_command_renders_from_the_committed_files(document, capsys):
    marked = list(MARKED.finditer((ROOT / document).read_text()))
    assert ["--headline" in found["arguments"].split() for found in marked] == RENDERED[document], (
        f"{document} must hold {len(RENDERED[document])} table(s) rendered by nn-backends targets, each marked "
        "<!-- rendered by: nn-backends targets ARGUMENTS --> ... <!-- end -->")
    for found in marked:
        arguments = found["arguments"].split()
        options = [argument for argument in arguments if argument.startswith("--")]
        files = [str(ROOT / argument) for argument in arguments if not argument.startswith("--")]
        assert main(["targets", *options, *files]) == 0
        assert capsys.readouterr().out.strip() == found["table"], (
            f"regenerate it: nn-backends targets {found['arguments']}")


def test_the_headline_table_bolds_the_fastest_and_dashes_what_did_not_run():
    from backends.benchmarking.speed_targets import headline

    document = {"results": [_row("numba", 2e-6, label="3x4x3"), _row("numpy", 3e-6, label="3x4x3")]}
    line = headline(document).splitlines()[2]
    assert line == "| dense forward 3×4×3 (the book's layer) | — | 3 µs | **2 µs** | — | — |"
