"""The two exceptions of the interface and the one grammar of their messages."""

from __future__ import annotations


class InvalidInputError(ValueError):
    """A value, shape or range is wrong (a ragged list, mismatched shapes, NaN, a bad label...)."""


class InvalidTypeError(TypeError):
    """A type is wrong (text, booleans, complex numbers, a native array of another backend...)."""


class TrainingDivergedError(FloatingPointError):
    """`Model.fit` stopped because the loss or a parameter update became infinite or NaN.

    A FloatingPointError (hence an ArithmeticError), as NumPy raises under np.errstate(all="raise").
    The model keeps the parameters that gave the last finite loss; the exception carries where it
    happened (`epoch`, `batch`, both counted from 1), `last_finite_loss` (None when the very first
    step failed), `learning_rate` and `history`, the per-epoch history of the epochs completed."""

    def __init__(self, message, *, epoch, batch, last_finite_loss, learning_rate, history):
        super().__init__(message)
        self.epoch, self.batch, self.learning_rate = epoch, batch, learning_rate
        self.last_finite_loss, self.history = last_finite_loss, history


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
