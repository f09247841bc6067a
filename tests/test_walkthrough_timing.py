"""Timing never changes what a walkthrough chapter teaches: chapter 6, run twice in fast mode, once
as it is and once on a "different machine" (three times the timing budget, so more timed calls,
and every measured time scaled by a random factor, so a different backend is fastest), prints
the same numbers in every cell that does not time, and saves the same picture, byte for byte.

The cells run in this process, one by one, with their printed output captured per cell."""

import contextlib
import io
from pathlib import Path

import numpy as np

from backends import teaching
from backends.benchmarking import rounds

CHAPTER = Path(__file__).resolve().parent.parent / "docs" / "walkthrough" / "06_spiral.py"
TIMING_CALLS = ("teaching.compare(", "teaching.timing(", "teaching.speedup(", "teaching.machine_summary(")


def code_cells(path: Path) -> list[str]:
    """The code cells of a percent-format chapter (a line '# %%' opens one, '# %% [markdown]' a text cell)."""
    cells, current = [], None
    for line in path.read_text().splitlines():
        if line.startswith("# %%"):
            current = [] if line.strip() == "# %%" else None
            if current is not None:
                cells.append(current)
        elif current is not None:
            current.append(line)
    return ["\n".join(cell) for cell in cells]


def run_chapter(output: Path, monkeypatch, timing_scale: float, distort: bool) -> list[str]:
    """Every code cell's printed output; a timing cell's is replaced by a marker."""
    monkeypatch.setattr(teaching, "FAST", True)
    monkeypatch.setenv("NN_WALKTHROUGH_OUTPUT", str(output))
    monkeypatch.setenv("NN_WALKTHROUGH_TIMING_SCALE", str(timing_scale))
    if distort:
        real, factors = rounds.interleaved, np.random.default_rng(1)

        def another_machine(calls, budget, **options):
            timed = real(calls, budget, **options)
            for result in timed.values():
                factor = float(np.exp(factors.uniform(-5, 5)))
                result.update({key: result[key] * factor for key in ("median", "q1", "q3", "low", "high")},
                              samples=[sample * factor for sample in result["samples"]])
            return timed

        monkeypatch.setattr(rounds, "interleaved", another_machine)
    namespace = {"__name__": "__main__"}
    printed = []
    for cell in code_cells(CHAPTER):
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured):
            exec(compile(cell, str(CHAPTER), "exec"), namespace)
        printed.append("(timed)" if any(call in cell for call in TIMING_CALLS) else captured.getvalue())
    return printed


def test_chapter_6_prints_and_draws_the_same_whatever_the_machines_speed(tmp_path, monkeypatch):
    as_it_is = run_chapter(tmp_path / "one", monkeypatch, timing_scale=1, distort=False)
    elsewhere = run_chapter(tmp_path / "two", monkeypatch, timing_scale=3, distort=True)
    assert as_it_is.count("(timed)") == 1, "the chapter times in one cell"
    for number, (one, two) in enumerate(zip(as_it_is, elsewhere)):
        assert one.replace(str(tmp_path / "one"), "OUT") == two.replace(str(tmp_path / "two"), "OUT"), \
            f"code cell {number} printed differently"
    picture = "06_spiral.png"
    assert (tmp_path / "one" / picture).read_bytes() == (tmp_path / "two" / picture).read_bytes()


def test_the_distortion_would_have_changed_a_chapter_that_trains_while_timing(tmp_path, monkeypatch):
    """The check above can fail: a model timed by fit() trains, so its loss moves with the budget."""
    monkeypatch.setattr(teaching, "FAST", True)
    from backends import Dense, Model, ReLU, Softmax, data

    X, y = data.spiral(samples=10, classes=3, seed=0)
    losses = []
    for scale in (1, 3):
        monkeypatch.setenv("NN_WALKTHROUGH_TIMING_SCALE", str(scale))
        model = Model([Dense(2, 8), ReLU(), Dense(8, 3), Softmax()], backend="numpy", seed=0)
        teaching.timing(lambda: model.fit(X, y, epochs=1, verbose=False))
        losses.append(model.evaluate(X, y)["loss"])
    assert losses[0] != losses[1]
