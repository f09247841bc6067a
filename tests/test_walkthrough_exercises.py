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
