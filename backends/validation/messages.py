"""The two exceptions of the interface and the one grammar of their messages."""

from __future__ import annotations


class InvalidInputError(ValueError):
    """A value, shape or range is wrong (a ragged list, mismatched shapes, NaN, a bad label...)."""


class InvalidTypeError(TypeError):
    """A type is wrong (text, booleans, complex numbers, a native array of another backend...)."""


def fail(op: str, problem: str, got: str, fix: str = "", error=InvalidInputError):
    """Raise `error` with the message "<op>: <problem>; got <got>" (then "; <fix>" when there is one)."""
    message = f"{op}: {problem}; got {got}"
    if fix:
        message += f"; {fix}"
    raise error(message)


def type_name(value) -> str:
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
