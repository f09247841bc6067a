"""The speed targets table is rendered from bench result files, and the README's copy of it is
exactly what `nn-backends targets` renders from the committed files it names (no typed figures)."""

import re
from pathlib import Path

from backends.benchmarking.report import read_json
from backends.benchmarking.speed_targets import TARGETS, Target, markdown
from backends.cli import main

ROOT = Path(__file__).resolve().parents[1]
MARKED = re.compile(r"<!-- rendered by: nn-backends targets (?P<files>[^>]*?) -->\n(?P<table>.*?)\n<!-- end -->", re.S)


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


def test_the_readme_table_is_what_the_command_renders_from_the_committed_files(capsys):
    found = MARKED.search((ROOT / "README.md").read_text())
    assert found, "README.md has no table marked <!-- rendered by: nn-backends targets FILES -->"
    files = found["files"].split()
    assert markdown([read_json(ROOT / name) for name in files]) == found["table"], (
        f"regenerate it: nn-backends targets {' '.join(files)}")
    assert main(["targets", *(str(ROOT / name) for name in files)]) == 0
    assert capsys.readouterr().out.strip() == found["table"]
