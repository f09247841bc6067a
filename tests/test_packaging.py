"""The package as pip installs it: its conformance suite is exactly `tests/conformance/`, needs
nothing of the clone, and runs from the install.

The clone's files (those git tracks or would track) are copied to a temporary folder and installed
from there with `pip install --no-deps --target`, so the build leaves nothing in the clone; then
`nn-backends conformance numpy -k ...` runs from a folder outside the clone, with only the install
on the path for `backends`.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "tests" / "conformance"

#: What a suite module must not name: files of the clone that an install does not have.
CLONE_ONLY = re.compile(r"README\.md|ARCHITECTURE\.md|CHANGELOG\.md|\bdocs/|\btools/|\bexamples/|\bbench/|\.git\b|"
                        r"\.ci/|shared/|__file__|parents\[|parent\.parent")


def _clone_files():
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout
    return [name for name in listed.split("\0") if name and (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs the clone's git to list its files")
    source, target = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("site")
    for name in _clone_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
                           "--target", str(target), str(source)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return target


def test_the_installed_suite_is_exactly_the_conformance_folder(installed):
    shipped = sorted(path.name for path in (installed / "backends" / "conformance_suite").iterdir()
                     if path.name != "__pycache__")
    assert shipped == sorted(path.name for path in SUITE.glob("*.py"))
    assert not (installed / "tests").exists() and not (installed / "backends" / "conformance_suite" / "test_readme.py").exists()


def test_no_suite_module_reads_the_clone():
    for path in sorted(SUITE.glob("*.py")):
        found = CLONE_ONLY.search(path.read_text())
        assert found is None, f"{path.name} names {found[0]!r}, which an installed package does not have"


def test_the_installed_suite_runs_without_a_clone(installed, tmp_path):
    environment = {key: value for key, value in os.environ.items() if key not in ("NN_TEST_BACKENDS", "PYTHONPATH")}
    environment["PYTHONPATH"] = str(installed)
    command = ("import sys, backends; from backends.cli import main\n"
               "print('backends from', backends.__file__)\n"
               "sys.exit(main(sys.argv[1:]))")
    done = subprocess.run([sys.executable, "-c", command, "conformance", "numpy", "-k", "test_matmul or worked"],
                          cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"backends from {installed / 'backends' / '__init__.py'}" in done.stdout
    assert f"suite: {installed / 'backends' / 'conformance_suite'}" in done.stdout
    assert "PASSED (subset: " in done.stdout and "CONFORMS" not in done.stdout and " 0 failed" in done.stdout
