"""The contract every kernel keeps beyond its formula, checked call by call by the conformance run.

Stated in `backends.interface`: an operation changes none of its arguments, returns new arrays that
share no memory with its inputs, of the inputs' dtype and of the backend's native type; losses
return a Python float; `asarray` returns a native array of the dtype asked for that does not share
the caller's data. An optimizer update returns the updated `(param, *state)`: each the array it was
given, changed in place, or a new array of its shape and dtype sharing no memory with any input or
other result, its input left as it was; or None, having changed them all in place. `grad` never
changes. (Stale arrays returned are caught by the values: the suite compares what an update
returns with the oracle.)

`ContractChecker(backend).wrap(op, kernel)` gives the kernel back wrapped: each call's array inputs
are copied first (read through DLPack or the buffer protocol, so on any array kind, or through the
kernel module's own `tolist`), and after the call the checker compares them, reads the results'
type and dtype and asks whether a result shares memory with an input (through DLPack or the buffer
protocol; for arrays NumPy cannot see, such as a GPU tensor's, only whether a result is an input
itself; for lists, whether it is an input's list or row). A broken rule raises
`ContractError` naming the operation, the argument and what changed, with a reproduction. The first
`CHECKED_CALLS` calls of each operation in a test are checked and remembered (a training run calls
the same kernels thousands of times), so a failed comparison in a test can say which call made the
array it compared (`origin`) and show that call as a reproduction.
"""

from __future__ import annotations

import inspect

import numpy as np

from .updates import IN_PLACE_RULE, MUTABLE, returns
from .validation import ArrayKind, ListArrays, plain_array

UPDATES = tuple(MUTABLE)
LOSSES = ("categorical_cross_entropy", "binary_cross_entropy", "mean_squared_error", "mean_absolute_error",
          "regularization_loss")
#: Calls of one operation checked per test.
CHECKED_CALLS = 5
#: Arrays up to this many values are written out in full in a reproduction.
SHOWN_VALUES = 64


class ContractError(AssertionError):
    """A kernel broke the interface's contract (it changed an input, aliased one, or returned the
    wrong type or dtype). `op` names the operation."""

    def __init__(self, op: str, message: str):
        super().__init__(message)
        self.op = op


class Call:
    """One checked call: the operation, its arguments as NumPy copies taken before it ran, its result."""

    def __init__(self, op, names, before, native, result):
        self.op, self.names, self.before, self.native, self.result = op, names, before, native, result

    def reproduction(self, backend_name: str, expected=None, actual=None) -> str:
        """Lines that redo the call on the backend from scratch, and what it should have given."""
        if self.before is None:
            return (f"(a call of b.{self.op} past the test's first {CHECKED_CALLS}, whose inputs were not kept; "
                    f"the test's id reruns it)")
        lines = ["import numpy as np, backends", f"b = backends.get_backend({backend_name!r})"]
        arguments = []
        for name, value, native in zip(self.names, self.before, self.native):
            if native:
                lines.append(f"{name} = b.asarray({_values(value)}, dtype={str(value.dtype)!r})")
            elif isinstance(value, np.ndarray):
                lines.append(f"{name} = np.array({_values(value)}, dtype={str(value.dtype)!r})")
            else:  # a number, a flag, or a value the test passed as it was
                lines.append(f"{name} = {value!r}")
            arguments.append(name)
        lines.append(f"result = b.{self.op}({', '.join(arguments)})")
        if expected is not None:
            lines.append(f"# expected: {_values(np.asarray(expected, dtype=np.float64))}")
        if actual is not None:
            lines.append(f"# actual:   {_values(np.asarray(actual, dtype=np.float64))}")
        return "\n".join(lines)


class ContractChecker:
    """Wraps a backend's kernels with the contract's checks; `calls` remembers the checked calls of
    the current test by the id of their results, and `broken` the operations that broke a rule."""

    def __init__(self, backend, kernels):
        self.backend, self.kernels = backend, kernels
        self.kind: ArrayKind = backend.arrays
        self.calls: dict[int, Call] = {}
        self.counts: dict[str, int] = {}
        self.broken: list[str] = []
        self.blamed: list[str] = []
        self.last: dict[str, tuple] = {}
        self.errors: dict[str, list[float]] = {}  # op -> [largest absolute, largest relative] error seen
        self._names = {}

    def reset(self):
        self.errors.clear()
        self.calls.clear()
        self.counts.clear()
        self.broken.clear()
        self.blamed.clear()
        self.last.clear()

    def origin(self, x) -> Call | None:
        """The checked call whose result (or one of whose results) is `x`, if any."""
        return self.calls.get(id(x))

    def wrap(self, op, kernel):
        def checked(*args, **kwargs):
            count = self.counts.get(op, 0)
            if count >= CHECKED_CALLS:
                result = kernel(*args, **kwargs)
                self.last[op] = (args + tuple(kwargs.values()), result)
                if op in MUTABLE:  # what the update wrote, or returned, now comes from it
                    unkept = Call(op, self._argument_names(op, len(args)), None, None, None)
                    returned = list(result) if isinstance(result, (tuple, list)) else []
                    for value in [args[index] for index in MUTABLE[op]] + returned:
                        self.calls[id(value)] = unkept
                return result
            self.counts[op] = count + 1
            args = args + tuple(kwargs.values())
            before = [self._kept(value) for value in args]
            result = kernel(*args)
            self.last[op] = (args, result)
            self._check(op, args, before, result)
            return result
        return checked

    def last_call(self, op) -> Call | None:
        """The test's latest call of `op` (its arguments as they are now), for a reproduction."""
        if op not in self.last:
            return None
        args, result = self.last[op]
        return Call(op, self._argument_names(op, len(args)), [self._kept(a) for a in args],
                    [self._is_native(a) for a in args], result)

    # ------------------------------------------------------------------------------- the rules
    def _check(self, op, args, before, result):
        names = self._argument_names(op, len(args))
        call = Call(op, names, before, [self._is_native(a) for a in args], result)
        for results in (result if isinstance(result, tuple) else (result,)):
            self.calls[id(results)] = call
        for index in MUTABLE.get(op, ()):  # param and the state arrays now hold what the update wrote
            self.calls[id(args[index])] = call
        self.calls[id(call)] = call  # keeps the results alive, so their ids stay theirs for the test
        allowed = self._changed_in_place(call, args, result) if op in UPDATES else ()
        for index, (name, value, copy) in enumerate(zip(names, args, before)):
            if index in allowed or not isinstance(copy, np.ndarray):
                continue
            now = self._copy(value)
            if now is None or now.shape != copy.shape or not np.array_equal(now, copy, equal_nan=True):
                self._fail(call, f"the kernel changed its input {name}; an operation changes none of its "
                                 f"arguments{IN_PLACE_RULE if op in UPDATES else ''}{_change(copy, now)}")
        self._check_result(call, args, result)

    def _check_result(self, call, args, result):
        op = call.op
        if op in UPDATES:
            self._check_updated(call, args, result)
            return
        if op in LOSSES:
            if type(result) is not float:
                self._fail(call, f"a loss returns a Python float; got {type(result).__name__}")
            return
        if op == "tolist":
            if not isinstance(result, list):
                self._fail(call, f"tolist returns a list; got {type(result).__name__}")
            if _shares_lists(result, args[0]):
                self._fail(call, "tolist returns a new list; got the native array's own list (or rows)")
            return
        results = result if op == "dense_backward" else (result,)
        if op == "dense_backward" and not (isinstance(result, tuple) and len(result) == 3):
            self._fail(call, f"dense_backward returns a tuple (dinputs, dweights, dbiases); got {_kind(result)}")
        if op == "asarray":
            dtype = args[1] or ("float32" if isinstance(args[0], np.ndarray) and args[0].dtype == np.float32
                                and "float32" in self.backend.dtypes else "float64")
        else:
            dtype = next(self.kind.dtype(a) for a in args if self._is_native(a))
        for position, value in enumerate(results):
            if value is None and op == "dense_backward" and position == 0 and len(args) > 3 and not args[3]:
                continue
            label = "result" if len(results) == 1 else f"result[{position}]"
            if not self._is_native(value):
                self._fail(call, f"{label} is not a native array of the backend ({self.kind.description}); "
                                 f"got {_kind(value)}")
            if self.kind.dtype(value) != dtype:
                self._fail(call, f"{label} has dtype {self.kind.dtype(value)}; results have the dtype of the "
                                 f"inputs ({dtype})")
            shape, expected = tuple(self.kind.shape("contract", label, value)), self._shape_of(op, args, position)
            if expected is not None and shape != expected:
                self._fail(call, f"{label} has shape {shape}; for these inputs it has shape {expected}")
            if isinstance(value, np.ndarray) and not (value.dtype.isnative and value.flags.writeable):
                self._fail(call, f"{label} must be a writable array in the machine's byte order; got "
                                 f"dtype={value.dtype.str!r}, writeable={value.flags.writeable}")
            for name, argument in zip(call.names, args):
                if self._shares(value, argument):
                    self._fail(call, f"{label} shares memory with the input {name}: writing into the result "
                                     f"would change {name}; results are new arrays")

    def _shape_of(self, op, args, position):
        """The shape result[position] of `op` has for these arguments (the interface's docstrings), so a
        wrong-shaped result is blamed on its operation even where only `Model` would have met it."""
        def shape(x):
            return tuple(self.kind.shape("contract", "x", x))
        if op == "asarray":
            return tuple(int(n) for n in np.shape(args[0]))
        if op == "matmul":
            return shape(args[0])[:1] + shape(args[1])[1:]
        if op == "transpose":
            return shape(args[0])[::-1]
        if op == "dense_forward":
            return shape(args[0])[:1] + shape(args[1])[:1]
        if op == "dense_backward":  # (dinputs, dweights, dbiases) from (dvalues, inputs, weights)
            return (shape(args[1]), shape(args[2]), shape(args[2])[:1])[position]
        return shape(args[0])  # element-wise, row-wise, the losses' backwards, regularization_backward

    def _changed_in_place(self, call, args, result) -> tuple:
        """The positions of the arguments an update may have changed: all its param and state arrays
        when it returned None, else those it returned as themselves."""
        positions = MUTABLE[call.op]
        if result is None:
            return positions
        if not (type(result) in (tuple, list) and len(result) == len(positions)):
            got = f"a {type(result).__name__} of {len(result)}" if isinstance(result, (tuple, list)) else _kind(result)
            self._fail(call, f"{returns(call.op)}; got {got}")
        return tuple(index for index, value in zip(positions, result) if value is args[index])

    def _check_updated(self, call, args, result):
        """Each array an update returned is the one it was given (changed in place) or a new native
        array of its shape and dtype that shares no memory with any input or other result."""
        if result is None:
            return
        positions = MUTABLE[call.op]
        names = [call.names[index] for index in positions]
        dtype = self.kind.dtype(args[0])
        for name, index, value in zip(names, positions, result):
            if value is args[index]:
                continue
            label = f"the returned {name}"
            if not self._is_native(value):
                self._fail(call, f"{label} is not a native array of the backend ({self.kind.description}); "
                                 f"got {_kind(value)}; {returns(call.op)}")
            shape, given = (tuple(self.kind.shape("contract", name, x)) for x in (value, args[index]))
            if shape != given:
                self._fail(call, f"{label} has shape {shape}; it must keep the shape of the {name} given, {given}")
            if self.kind.dtype(value) != dtype:
                self._fail(call, f"{label} has dtype {self.kind.dtype(value)}; results have the dtype of the "
                                 f"inputs ({dtype})")
            for other, argument in zip(call.names, args):
                if self._shares(value, argument):
                    self._fail(call, f"{label} is a new array that shares memory with the input {other}; an "
                                     f"update returns the array it was given, changed in place, or a new one "
                                     f"that shares no memory with any input")
        for (first, a), (second, c) in ((pair, other) for i, pair in enumerate(zip(names, result))
                                        for other in list(zip(names, result))[i + 1:]):
            if a is c or self._shares(a, c):
                self._fail(call, f"the returned {first} and {second} share memory; each is an array of its own")

    def _fail(self, call, message):
        self.broken.append(call.op)
        raise ContractError(call.op, f"contract of {call.op}: {message}\nreproduce:\n"
                            + _indent(call.reproduction(self.backend.name)))

    # ------------------------------------------------------------------------------- reading arrays
    def _is_native(self, x) -> bool:
        try:
            self.kind.shape("contract", "x", x)
        except (TypeError, ValueError):
            return False
        return True

    def _kept(self, x):
        """What a reproduction shows of an argument: a NumPy copy of an array, else the value itself
        (a hyperparameter, a flag), so the reproduction passes what the test passed."""
        copy = self._copy(x)
        return x if copy is None else copy

    def _copy(self, x):
        """A NumPy copy of an array argument (native, or class indices), or None for anything else."""
        if isinstance(x, np.ndarray):
            return x.copy()
        if isinstance(x, (list, tuple)):
            try:
                return np.array(x, dtype=np.int64 if _all_ints(x) else np.float64)
            except (TypeError, ValueError):
                return None
        if not hasattr(x, "shape") or not hasattr(x, "dtype"):
            return None
        try:
            return np.array(plain_array(x), copy=True)
        except (TypeError, ValueError, BufferError, RuntimeError):
            return np.array(self.kernels.tolist(x))

    def _shares(self, result, argument) -> bool:
        if isinstance(self.kind, ListArrays) or isinstance(result, list):
            return _shares_lists(result, argument)
        if result is argument:
            return True
        a, c = _memory(result), _memory(argument)
        return a is not None and c is not None and np.shares_memory(a, c, max_work=10_000)

    def _argument_names(self, op, count):
        if op not in self._names:
            from .interface import Backend
            self._names[op] = [n for n in inspect.signature(getattr(Backend, op)).parameters if n != "self"]
        names = self._names[op]
        return names[:count] + [f"arg{i}" for i in range(len(names), count)]


def readable(x):
    """A result as something a reproduction can print: a float, a float64 ndarray, or None."""
    if x is None or isinstance(x, (tuple, float)):
        return x if isinstance(x, float) else None
    return np.array(plain_array(x), dtype=np.float64)


def _memory(x):
    """An ndarray over the memory of x (x itself, or a DLPack/buffer view), or None."""
    if isinstance(x, np.ndarray):
        return x
    if x is None or isinstance(x, (int, float, tuple, list, bool)):
        return None
    try:
        return np.from_dlpack(x)
    except (TypeError, AttributeError, RuntimeError, BufferError, ValueError):
        try:
            return np.asarray(memoryview(x))
        except TypeError:
            return None


def _shares_lists(result, argument) -> bool:
    if not isinstance(result, list) or not isinstance(argument, list):
        return False
    rows = {id(argument)} | {id(row) for row in argument if isinstance(row, list)}
    return id(result) in rows or any(id(row) in rows for row in result if isinstance(row, list))


def _all_ints(x) -> bool:
    return all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in x)


def _change(before, now) -> str:
    if now is None or now.shape != before.shape:
        return f" (shape {before.shape} became {None if now is None else now.shape})"
    where = np.argwhere(~((before == now) | (np.isnan(before) & np.isnan(now)) if before.dtype.kind == "f"
                          else before == now))
    index = tuple(int(i) for i in where[0])
    return (f" ({len(where)} of {before.size} values; at {list(index)}: {before[index].item()!r} became "
            f"{now[index].item()!r})")


def _kind(value) -> str:
    dtype = getattr(value, "dtype", None)
    return f"{type(value).__module__}.{type(value).__qualname__}" + (f" of dtype {dtype}" if dtype is not None else "")


def _values(array: np.ndarray) -> str:
    if array.size > SHOWN_VALUES:
        return f"<{array.shape} array, {array.size} values: too many to show; first {array.ravel()[:4].tolist()}>"
    return repr(array.tolist())


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())



# ------------------------------------------------------------------------------- the running check
_active: list[ContractChecker] = []


def origin(x) -> Call | None:
    """The checked call of the running conformance test that returned `x`, or None (outside a run)."""
    return _active[-1].origin(x) if _active else None


def running_backend() -> str | None:
    """The name of the backend whose conformance run is checking calls now, or None (outside a run)."""
    return _active[-1].backend.name if _active else None


def note_errors(x, absolute: float, relative: float) -> None:
    """Record how far `x`, a result the running test compared with the oracle and found close
    enough, was from it (largest absolute and relative error), for the operation whose call made it:
    the report shows these for passing operations too."""
    call = origin(x)
    if call is not None:
        seen = _active[-1].errors.setdefault(call.op, [0.0, 0.0])
        seen[0], seen[1] = max(seen[0], absolute), max(seen[1], relative)


def blame(op: str) -> None:
    """Count the running test's failure against `op`: the suite's assertions call this when the
    array they found wrong came from one operation's call (see `origin`)."""
    if _active:
        _active[-1].blamed.append(op)
