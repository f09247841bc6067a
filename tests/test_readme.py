"""The README's two set-up commands are the ones CI runs."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_exactly_the_readme_commands():
    readme = (ROOT / "README.md").read_text()
    commands = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
                if line.startswith((".venv/", "python3 -m venv"))]
    assert len(commands) == 2
    for command in commands:
        assert f"\n{command}\n" in readme, f"README.md does not show the command CI runs: {command}"
