"""The speed targets table is rendered from bench result files, and the README's copy of it is
exactly what `nn-backends targets` renders from the committed files it names (no typed figures)."""

import re
from pathlib import Path

from backends.benchmarking.speed_targets import TARGETS, Target, markdown
from backends.cli import main

ROOT = Path(__file__).resolve().parents[1]
MARKED = re.compile(r"<!-- rendered by: nn-backends targets (?P<arguments>[^>]*?) -->\n(?P<table>.*?)\n<!-- end -->",
                    re.S)


def _row(contender, median, operation="dense_forward", label="256x256x256", dtype="float64"):
    return {"operation": operation, "label": label, "dtype": dtype, "contender": contender, "median": median}


def test_a_target_reads_met_not_met_or_not_run():
    target = Target("t", "dense_forward", "256x256x256", "float64", "blas", 0.85)
    assert target.ratio([_row("numba", 2.0), _row("blas", 1.0)]) == 0.5
    settings = {"cpu_model": "CPU X", "numba_isa": "avx2: 16 x 256-bit registers", "blas": "openblas (Haswell)"}
    fast = {"settings": settings, "results": [_row("numba", 1.0), _row("blas", 1.0)]}
    slow = {"settings": settings, "results": [_row("numba", 2.0), _row("blas", 1.0)]}
    table = markdown([fast, slow])
    line = next(line for line in table.splitlines() if line.startswith("| dense_forward 256³ float64"))
    assert line.endswith("| 1.00× met | 0.50× **not met** |")
    assert "CPU X, numba avx2, BLAS openblas (Haswell)" in table.splitlines()[0]
    assert table.count("not run") == 2 * (len(TARGETS) - 1)


def test_the_readme_tables_are_what_the_command_renders_from_the_committed_files(capsys):
    marked = list(MARKED.finditer((ROOT / "README.md").read_text()))
    assert len(marked) == 2, "README.md must hold the targets and the headline table, each marked " \
                             "<!-- rendered by: nn-backends targets ARGUMENTS -->"
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
