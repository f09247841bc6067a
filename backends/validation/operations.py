"""The shape rules of the array operations, each written once, as a `Signature`.

A signature names the dimensions of each argument, the way the interface's docstrings do::

    Signature(inputs="sample input", weights="neuron input", biases="neuron")

"sample input" is a 2-D array, "neuron" a 1-D one; a dimension named twice must have one size
("input": the width of inputs is the width of weights). "any" is a 1-D or 2-D array of any shape,
"like param" an array of param's shape. Every array must be native, non-empty and of one dtype.

Both checks of an operation come from its signature:

- the fast path, one boolean expression built from the signature and compiled once, accepts good
  native arrays in a few hundred nanoseconds (`check.signature.fast_source` shows it);
- the slow path runs when the fast path says no: it takes the same rules one at a time and raises
  at the first one broken, with a message that names it (or passes: list arrays always take it).
"""

from __future__ import annotations

import numpy as np

from .arrays import matrix, same_dtype, vector
from .messages import fail


class Signature:
    """The arguments of one array operation: each one's dimensions, and what to say when they are wrong.

    hints: the fix printed when a 2-D argument has another rank. mismatch and fix: the message when
    the 2-D arguments disagree on a shared dimension. written: arguments updated in place (they must
    be writable and C-ordered).

    `check(kind, op, *arrays)` passes or raises; `accepts(kind, *arrays)` is its fast path alone."""

    def __init__(self, *, hints=None, mismatch="", fix="", written=(), **arguments: str):
        self.names = tuple(arguments)
        self.specs = {name: spec.split() for name, spec in arguments.items()}
        self.hints, self.mismatch, self.fix, self.written = hints or {}, mismatch, fix, tuple(written)
        self._plan()
        self.fast_source = self._fast_source()
        namespace = {"explain": self.explain}
        exec(self.fast_source, namespace)  # built from the argument names above, never from user input
        self.check, self.accepts = namespace["check"], namespace["accepts"]
        self.check.signature = self

    def _plan(self):
        """Read the specs once: the 2-D arguments, the sizes they share, and the rest in order."""
        self._matrices, self._shared, self._rest, first_seen = [], [], [], {}
        for position, (name, spec) in enumerate(self.specs.items()):
            if spec == ["any"] or spec[0] == "like":
                self._rest.append((position, name, spec[-1]))
            elif len(spec) == 1:  # a vector: its length is a size the 2-D arguments name
                self._rest.append((position, name, first_seen[spec[0]]))
            else:
                self._matrices.append((position, name, self.hints.get(name, "")))
            for axis, dim in enumerate(spec if len(spec) == 2 and spec[0] != "like" else ()):
                if dim in first_seen:
                    self._shared.append(((name, axis), first_seen[dim]))
                else:
                    first_seen[dim] = (name, axis)

    def _fast_source(self) -> str:
        names = ", ".join(self.names)
        ranks = [f"0 < {name}.ndim < 3" if spec == ["any"] else f"{name}.ndim == {len(spec)}"
                 for name, spec in self.specs.items() if spec[0] != "like"]
        equal = [f"{name}.shape[{axis}] == {other}.shape[{other_axis}]"
                 for (name, axis), (other, other_axis) in self._shared]
        for _, name, source in self._rest:
            if isinstance(source, tuple):
                equal.append(f"{name}.shape[0] == {source[0]}.shape[{source[1]}]")
            elif source != "any":
                equal.append(f"{name}.shape == {source}.shape")
        flags = [f"(kind.flagless or {name}.flags.c_contiguous and {name}.flags.writeable)" for name in self.written]
        condition = "\n            and ".join([f"kind.all_valid({names})", *ranks, *equal, *flags])
        # The condition is written out twice rather than called: a call costs as much as all its tests.
        return (f"def check(kind, op, {names}):\n"
                f"    if ({condition}):\n"
                f"        return\n"
                f"    explain(kind, op, ({names},))\n"
                f"\n"
                f"def accepts(kind, {names}):\n"
                f"    return bool({condition})\n")

    def explain(self, kind, op: str, arrays: tuple) -> None:
        """The slow path: the signature's rules one by one, raising at the first one broken."""
        shapes = {}
        for position, name, hint in self._matrices:  # the 2-D arguments first: their rank...
            shapes[name] = matrix(kind, op, name, arrays[position], hint)
        for (name, axis), (other, other_axis) in self._shared:  # ...then the sizes they share
            if shapes[name][axis] != shapes[other][other_axis]:
                fail(op, self.mismatch, ", ".join(f"{n}.shape={s}" for n, s in shapes.items()), self.fix)
        for position, name, source in self._rest:
            if isinstance(source, tuple):
                vector(kind, op, name, arrays[position], shapes[source[0]][source[1]], self.specs[name][0])
                continue
            shape = shapes[name] = kind.shape(op, name, arrays[position])
            if source != "any" and shape != shapes[source]:
                _not_same_shape(op, source, shapes[source], name, shape, pair=len(arrays) == 2)
        dtypes = [kind.dtype(x) for x in arrays]
        if dtypes.count(dtypes[0]) != len(dtypes):
            same_dtype(kind, op, dict(zip(self.names, arrays)))
        for name in self.written:
            _updatable(op, name, arrays[self.names.index(name)])


def _not_same_shape(op, first, shape_a, second, shape_b, pair: bool):
    problem = f"{first} and {second} must have the same shape" if pair else f"{second} must have the shape of {first}"
    fail(op, problem, f"{first}.shape={shape_a}, {second}.shape={shape_b}")


def _updatable(op, name, x):
    if isinstance(x, np.ndarray) and not x.flags.writeable:
        fail(op, f"{name} is updated in place but is read-only", f"{name}.flags.writeable=False",
             "pass a writable copy")
    if isinstance(x, np.ndarray) and not x.flags.c_contiguous:
        fail(op, f"{name} is updated in place and must be C-ordered, as asarray makes it",
             f"{name}.flags.c_contiguous=False", "create it with asarray")


_SAMPLES = "wrap a single sample as [[...]]"
_ROW_VECTOR = "use [[...]] for a row vector"
_ONE_OUTPUT = "use shape (n_samples, 1) for a single output"

check_matmul = Signature(
    a="row inner", c="inner column", hints={"a": _ROW_VECTOR, "c": _ROW_VECTOR},
    mismatch="the columns of a must match the rows of c", fix="did you mean transpose(c)?").check
check_transpose = Signature(a="row column").check
check_dense_forward = Signature(
    inputs="sample input", weights="neuron input", biases="neuron",
    hints={"weights": "weights hold one row per neuron"},
    mismatch="weights must have shape (n_neurons, n_inputs), one row per neuron",
    fix="transpose the weights if they are stored (n_inputs, n_neurons)").check
check_dense_backward = Signature(
    dvalues="sample neuron", inputs="sample input", weights="neuron input",
    hints={"weights": "weights hold one row per neuron"},
    mismatch="expected dvalues (n_samples, n_neurons), inputs (n_samples, n_inputs), "
             "weights (n_neurons, n_inputs)").check
check_multiply = Signature(a="any", c="like a").check

#: Activations: element-wise ones take any 1-D or 2-D array, softmax works on rows.
check_elementwise = Signature(z="any").check
check_rowwise = Signature(z="sample value", hints={"z": "softmax works on rows; " + _SAMPLES}).check
check_backward_from_inputs = Signature(dvalues="any", z="like dvalues").check
check_backward_from_outputs = Signature(dvalues="any", outputs="like dvalues").check

#: Losses with targets of the outputs' shape (class targets have their own check, in targets.py).
check_regression_targets = Signature(
    predictions="sample output", targets="like predictions", hints={"predictions": _ONE_OUTPUT}).check
check_probability_shapes = Signature(probs="sample output", targets="like probs", hints={"probs": _ONE_OUTPUT}).check

check_regularization_loss = Signature(param="any").check
check_regularization_backward = Signature(grad="any", param="like grad").check

#: Optimizer updates: param and its state arrays may be updated in place (an ndarray must then be writable
#: and C-ordered; a kernel on arrays that cannot change returns new ones instead, see `interface.updated`).
check_sgd_update = Signature(param="any", grad="like param", velocity="like param",
                             written=("param", "velocity")).check
check_cache_update = Signature(param="any", grad="like param", cache="like param", written=("param", "cache")).check
check_adam_update = Signature(param="any", grad="like param", m="like param", v="like param",
                              written=("param", "m", "v")).check
