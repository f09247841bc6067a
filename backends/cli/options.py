"""The command line's option types and checks: every value is refused before any work starts.

argparse calls the types below while it parses; its `error` is turned into one line and exit status
2 by `main` (see `OneLineParser`), so a bad option never prints a usage block or a traceback.
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path

from ..validation import InvalidInputError


class CommandLineError(Exception):
    """A bad command line, already phrased as the one line `nn-backends` prints."""


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, "nn-backends <command>: error: <what>", raised
    as CommandLineError for `main` to print, instead of a usage block and SystemExit."""

    def error(self, message):
        raise CommandLineError(f"{self.prog}: error: {message}")


def _number(text: str, kind, what: str, accept) -> int | float:
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {what}; got {text!r}") from None
    if not (math.isfinite(value) and accept(value)):
        raise argparse.ArgumentTypeError(f"must be {what}; got {text!r}")
    return value


def positive_int(text: str) -> int:
    return _number(text, int, "a positive integer", lambda value: value >= 1)


def non_negative_int(text: str) -> int:
    return _number(text, int, "an integer ≥ 0", lambda value: value >= 0)


def positive_float(text: str) -> float:
    return _number(text, float, "a positive number", lambda value: value > 0)


def non_negative_float(text: str) -> float:
    return _number(text, float, "a number ≥ 0", lambda value: value >= 0)


def bounded_int(low: int, high: int):
    """An integer type for argparse accepting low..high."""
    def integer_in_range(text: str) -> int:
        return _number(text, int, f"an integer from {low} to {high}", lambda value: low <= value <= high)
    return integer_in_range


def names_among(choices):
    """An argparse type for "a,b" (commas, as --backends takes them): the list of names, each one of
    `choices`, refused with argparse's own "invalid choice" line otherwise."""
    def names(text: str) -> list[str]:
        chosen = [name.strip() for name in text.split(",") if name.strip()]
        for name in chosen or [text]:
            if name not in choices:
                raise argparse.ArgumentTypeError(f"invalid choice: {name!r} (choose from "
                                                 f"{', '.join(repr(c) for c in choices)})")
        return chosen
    return names


def check_output(op: str, option: str, path) -> None:
    """Refuse, before any long work, an output path whose folder is missing or read-only, or a folder."""
    if path is None:
        return
    target = Path(path)
    problem = ("its folder does not exist" if not target.parent.is_dir() else
               "it is a folder" if target.is_dir() else
               "its folder is not writable" if not os.access(target.parent, os.W_OK | os.X_OK) else
               "the file is not writable" if target.exists() and not os.access(target, os.W_OK) else None)
    if problem:
        raise InvalidInputError(f"{op}: {option} cannot be written: {problem}; got {option}={str(path)!r}")
