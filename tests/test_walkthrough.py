"""The walkthrough (`docs/walkthrough/`) runs, chapter by chapter, as a learner would run it.

Each chapter runs as a script in a fresh process, in fast mode (`NN_WALKTHROUGH_FAST=1`: small
sizes, short timing budgets), with its plots sent to a temporary folder. A chapter asserts the
worked examples' numbers (the book's, the course notebooks') as it prints them, so a run that exits 0 has checked them. With the `docs` extra
installed (jupytext and nbclient) every chapter also runs as a notebook.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "docs" / "walkthrough").glob("[0-9][0-9]_*.py"))
PLOTS = {"02": ["02_dot_product.png"], "03": ["03_batch.png", "03_layer.png"], "04": ["04_activations.png"],
         "05": ["05_backpropagation.png", "05_chain_rule.png"], "06": ["06_spiral.png"], "07": ["07_ladder.png"],
         "08": ["08_overhead_against_work.png"]}
#: Seconds one chapter may take in fast mode; the whole walkthrough is meant to take two minutes.
CHAPTER_TIMEOUT = 300


def _environment(output: Path) -> dict:
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return os.environ | {"NN_WALKTHROUGH_FAST": "1", "NN_WALKTHROUGH_OUTPUT": str(output), "PYTHONPATH": path}


def test_the_walkthrough_has_its_eight_chapters_in_order():
    assert [chapter.name[:2] for chapter in CHAPTERS] == [f"{number:02d}" for number in range(1, 9)]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_chapter_is_a_percent_script_that_shows_the_backends_side_by_side(chapter):
    text = chapter.read_text()
    assert "formats: py:percent" in text.split("# ---")[1], "the jupytext header names the percent format"
    assert "\n# %% [markdown]\n# # " in text, "the chapter opens with a markdown title cell"
    assert "\n# %%\n" in text
    assert "teaching.side_by_side(" in text, "every chapter shows the three backends' code for its operation"


#: What the hardware chapters print from their measurements: the ISA, the measured peak, the cost of
#: an interpreted multiply-add in cycles, and each ladder rung as a fraction of the peak.
HARDWARE_LINES = {"01": ("numba compiles for", "machine limits (measured): clock", "peak float64:",
                         "cycles per multiply-add", "bytecodes per turn"),
                  "07": ("machine limits (measured)", "of peak")}


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_chapter_runs_as_a_script_in_fast_mode(chapter, tmp_path):
    run = subprocess.run([sys.executable, str(chapter)], cwd=tmp_path, env=_environment(tmp_path),
                         capture_output=True, text=True, timeout=CHAPTER_TIMEOUT)
    assert run.returncode == 0, f"{chapter.name} failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    assert "WRONG" not in run.stdout
    assert "Warning" not in run.stderr, f"{chapter.name} printed warnings:\n{run.stderr[-3000:]}"
    assert "Traceback" not in run.stderr
    for shown in HARDWARE_LINES.get(chapter.name[:2], ()):
        assert shown in run.stdout, f"{chapter.name} did not print {shown!r}"
    plots = PLOTS.get(chapter.name[:2], [])
    for plot in plots:
        assert (tmp_path / plot).stat().st_size > 10_000, f"{chapter.name} did not save {plot}"
    assert sorted(p.name for p in tmp_path.iterdir()) == plots, "nothing else is written"


#: Every chapter runs as a script above; as a notebook, one runs in the README's test command (the
#: conversion and the kernel work) and every one in CI (marked slow: a kernel each, ~50 s together).
NOTEBOOKS = [chapter if chapter.stem.startswith("02") else pytest.param(chapter, marks=pytest.mark.slow)
             for chapter in CHAPTERS]


@pytest.mark.parametrize("chapter", NOTEBOOKS, ids=lambda path: path.stem)
# jupyter_client warns (DeprecationWarning) about its own configuration paths when it starts a kernel
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_chapter_runs_as_a_notebook(chapter, tmp_path, monkeypatch):
    jupytext = pytest.importorskip("jupytext", reason="the docs extra is not installed: pip install -e '.[docs]'")
    nbclient = pytest.importorskip("nbclient", reason="the docs extra is not installed: pip install -e '.[docs]'")
    pytest.importorskip("ipykernel", reason="the docs extra is not installed: pip install -e '.[docs]'")
    for name, value in _environment(tmp_path).items():
        monkeypatch.setenv(name, value)
    notebook = jupytext.read(chapter)
    assert sum(cell.cell_type == "markdown" for cell in notebook.cells) >= 3
    client = nbclient.NotebookClient(notebook, timeout=CHAPTER_TIMEOUT, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError, with the cell and its traceback, when a cell fails
    printed = "".join(output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                      for output in cell.get("outputs", []))
    assert printed.strip() and "WRONG" not in printed
    for plot in PLOTS.get(chapter.name[:2], []):
        assert (tmp_path / plot).is_file()
