"""The shipped conformance suite uses public names of `backends` only: it runs on installed
packages and plug-ins, and a private name (once `contract._active`, `model._fused_backward`) may
change under it in any release."""

import ast
from pathlib import Path

import pytest

SUITE = Path(__file__).resolve().parent / "conformance"


def private_names(source: str) -> list[str]:
    """Attributes with one leading underscore read anywhere but on `self` (a suite class's own), and
    private names imported from backends."""
    tree = ast.parse(source)
    found = [f"line {node.lineno}: {ast.unparse(node)}" for node in ast.walk(tree)
             if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
             and not (isinstance(node.value, ast.Name) and node.value.id == "self")]
    return found + [f"line {node.lineno}: from {node.module} import {alias.name}" for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("backends")
                    for alias in node.names if alias.name.startswith("_")]


@pytest.mark.parametrize("path", sorted(SUITE.glob("*.py")), ids=lambda path: path.name)
def test_the_suite_reads_no_private_name(path):
    private = private_names(path.read_text())
    assert not private, f"{path.name} reads private names: {'; '.join(private)}"


@pytest.mark.parametrize("line", ["name = contract._active[-1].backend.name", "assert model._fused_backward",
                                  "from backends.contract import _active"])
def test_the_check_finds_the_private_names_the_suite_once_read(line):
    assert private_names(line)


def test_the_check_passes_public_dunder_and_own_names():
    assert not private_names("name = contract.running_backend()\nkind = type(x).__name__\nself._rng.random()")
