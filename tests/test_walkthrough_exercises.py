"""The walkthrough's exercises (`docs/walkthrough/exercises/`): every chapter lists two or three,
each has a check the learner runs, the checks pass on the worked solutions
(`docs/walkthrough/solutions/`) and fail on every untouched starting point."""

import subprocess
import sys

import pytest

from test_walkthrough import CHAPTERS, ROOT, _environment

CHECK = ROOT / "docs" / "walkthrough" / "exercises" / "check.py"


def _check(chapter: int, *options, tmp_path):
    return subprocess.run([sys.executable, str(CHECK), str(chapter), *options], cwd=tmp_path,
                          env=_environment(tmp_path), capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_chapter_lists_its_exercises_and_how_to_check_them(chapter):
    number = int(chapter.name[:2])
    text = chapter.read_text()
    assert "# ## Exercises" in text
    assert f"exercises/check.py {number}`" in text
    listed = [line for line in text.splitlines() if line.startswith(f"# - **{number}.")]
    assert 2 <= len(listed) <= 3
    assert "solution" not in (ROOT / "docs" / "walkthrough" / "exercises" / f"chapter{number:02d}.py").read_text().lower()


@pytest.mark.parametrize("chapter", range(1, 9))
def test_the_checks_pass_on_the_solutions(chapter, tmp_path):
    run = _check(chapter, "--solutions", tmp_path=tmp_path)
    lines = run.stdout.strip().splitlines()
    assert run.returncode == 0, f"chapter {chapter}'s solutions fail:\n{run.stdout}\n{run.stderr[-3000:]}"
    verdicts = [line for line in lines if line.startswith("exercise ")]
    assert 2 <= len(verdicts) <= 3 and all(line.endswith(": ok") for line in verdicts)


@pytest.mark.parametrize("chapter", range(1, 9))
def test_the_checks_fail_on_the_starting_points(chapter, tmp_path):
    run = _check(chapter, tmp_path=tmp_path)
    verdicts = [line for line in run.stdout.splitlines() if line.startswith("exercise ")]
    assert run.returncode == 1, run.stdout + run.stderr[-3000:]
    assert verdicts and not any(line.endswith(": ok") for line in verdicts), run.stdout
    assert "Traceback" not in run.stderr, run.stderr[-3000:]


def _checker():
    import importlib.util

    spec = importlib.util.spec_from_file_location("walkthrough_check", CHECK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_wrong_array_is_shown_as_where_it_differs_not_whole():
    import numpy as np

    check = _checker()
    expected = np.random.default_rng(0).uniform(-1, 1, (37, 41))
    got = expected.copy()
    got[:, -1] = 0.0  # the last column forgotten: 7.2's tile edge
    with pytest.raises(AssertionError) as failed:
        check.close(got, expected, tolerance=1e-12, what="the product in tiles of 8")
    message = str(failed.value)
    assert message.startswith("the product in tiles of 8: 37 of 1517 entries differ, rows 0–36, columns 40 (first: "
                              "[0, 40] is 0, expected ")
    assert len(message) < 300
    assert check.spans([1, 2, 3, 7, 9, 10]) == "1–3, 7, 9–10"


def test_exercise_7_1_compares_the_prediction_with_the_measured_interval():
    from backends.walkthrough.conclusions import Estimate

    check = _checker()
    measured = Estimate(5.0, 4.5, 5.5)
    assert "inside the interval" in check._feedback_7_1(5.2, measured, lanes=8)
    above = check._feedback_7_1(3.0, measured, lanes=8)
    assert "more than you predicted" in above and "8 float64 lanes" in above
    assert "less than you predicted" in check._feedback_7_1(12.0, measured, lanes=4)
    assert above.startswith("you predicted 3x rung 4's time; this run measured 5.00x (95% interval 4.50x–5.50x)")
