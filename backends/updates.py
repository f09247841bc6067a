"""The optimizer updates' contract, stated once: what an update kernel returns and how it is read.

An update (sgd/adagrad/rmsprop/adam) returns the updated `(param, *state)`: each the array it was
given, changed in place, or a new array of its shape and dtype that shares no memory with any
input or other result, its input left as it was (arrays that cannot change, JAX's, take this way).
It may return None instead, meaning "all of them changed in place", as the kernels of earlier
releases (and the numba backend's) do. `Backend`'s updates and the optimizers read kernels through
`updated`; `backends.contract` checks the rest call by call.
"""

from __future__ import annotations

#: The state arrays each optimizer update takes and returns after param, by name.
UPDATE_STATES = {"sgd_update": ("velocity",), "adagrad_update": ("cache",), "rmsprop_update": ("cache",),
                 "adam_update": ("m", "v")}


def updated(op: str, result, given: tuple) -> tuple:
    """What an update kernel returned, as the updated (param, *state): `given` (the arrays it was
    handed) when it returned None, having changed them in place; else the tuple it returned, which
    must hold one array per array given. `Backend`'s updates and the optimizers read kernels
    through this, so an in-place kernel and one on immutable arrays are used alike."""
    if result is None:
        return given
    if type(result) is tuple and len(result) == len(given):
        return result
    if type(result) is list and len(result) == len(given):
        return tuple(result)
    got = f"a tuple of {len(result)}" if isinstance(result, (tuple, list)) else f"a {type(result).__name__}"
    raise TypeError(f"{op}: {returns(op)}; got {got}")


#: Arguments an update may change in place, by position: param and its state arrays.
MUTABLE = {"sgd_update": (0, 4), "adagrad_update": (0, 3), "rmsprop_update": (0, 3), "adam_update": (0, 3, 4)}

#: How the contract's message ends when an update changed an argument it does not return as itself.
IN_PLACE_RULE = (" except an update's param and state arrays, each changed in place and returned as itself "
                 "(or the update returns None)")


def returns(op: str) -> str:
    """What an update returns, in words, for the contract's messages."""
    names = ", ".join(("param",) + UPDATE_STATES[op])
    return (f"an optimizer update returns the updated ({names}): each the array it was given, changed in place, "
            f"or a new array (on arrays that cannot change), or None when it changed them all in place")
