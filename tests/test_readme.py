"""The README's two set-up commands are the ones CI runs first; the steps CI adds after them (the
example plug-in and its conformance run) are shown in the README too."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_exactly_the_readme_commands():
    readme = (ROOT / "README.md").read_text()
    commands = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
                if line.startswith((".venv/", "python3 -m venv"))]
    setup, extra = commands[:2], commands[2:]
    assert len(setup) == 2 and setup[0].startswith("python3 -m venv")
    for command in setup:
        assert f"\n{command}\n" in readme, f"README.md does not show the command CI runs: {command}"
    for command in extra:
        assert f"\n{command}" in readme, f"README.md does not show the step CI runs: {command}"
