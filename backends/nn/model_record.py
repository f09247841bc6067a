"""The architecture record of a model file, checked field by field before anything is built.

A model file may come from anywhere, so its JSON record is read as untrusted: exactly the keys
`save` writes, each of the type and in the range the constructors accept, names from the lists this
version knows, and no more layers than `MAX_LAYERS`. `check_record` returns the parameter shapes the
record implies, which `load` compares with the file's arrays before it allocates anything.
"""

from __future__ import annotations

import inspect
import math

#: More layers than any model saved by this version has reason to have.
MAX_LAYERS = 1000
#: Widths beyond this are refused outright (the file's arrays bound them much tighter anyway).
MAX_WIDTH = 1 << 31

TOP_LEVEL = ("layers", "loss", "optimizer", "dtype", "seed", "accuracy_tolerance", "saved_from_backend")


def _keys(where: str, value, required, optional=()) -> None:
    if not isinstance(value, dict):
        raise ValueError(f"{where} must be an object; got {type(value).__name__}")
    missing = [key for key in required if key not in value]
    extra = sorted(str(key) for key in value if key not in required and key not in optional)
    if missing or extra:
        raise ValueError(f"{where} has missing keys {missing} and unknown keys {extra}" if missing and extra else
                         f"{where} lacks the keys {missing}" if missing else f"{where} has unknown keys {extra}")


def _name(where: str, value, known) -> str:
    if not isinstance(value, str) or value not in known:
        raise ValueError(f"{where} must be one of {', '.join(map(repr, known))}; got {_shown(value)}")
    return value


def _integer(where: str, value, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise ValueError(f"{where} must be an integer in [{low}, {high}]; got {_shown(value)}")
    return value


def _number(where: str, value, low: float = 0.0) -> float:
    """A JSON number (not a boolean), finite and at least `low`; its range is the constructor's to check."""
    try:
        finite = type(value) in (int, float) and math.isfinite(float(value)) and value >= low
    except OverflowError:  # an integer too large for a float
        finite = False
    if not finite:
        raise ValueError(f"{where} must be a finite number ≥ {low:g}; got {_shown(value)}")
    return value


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _arguments(cls) -> tuple[tuple, tuple]:
    """(required, optional) keys of a record naming cls: its constructor's arguments without a
    default and with one ("type" is required of every layer)."""
    parameters = inspect.signature(cls).parameters.values()
    return (tuple(p.name for p in parameters if p.default is p.empty),
            tuple(p.name for p in parameters if p.default is not p.empty))


def _layer_shapes(where: str, config: dict) -> list[tuple]:
    from .layers import INITIALIZERS, LAYER_TYPES

    if not isinstance(config, dict):
        raise ValueError(f"{where} must be an object; got {type(config).__name__}")
    kind = _name(f"{where}.type", config.get("type"), tuple(LAYER_TYPES))
    required, optional = _arguments(LAYER_TYPES[kind])
    _keys(where, config, ("type", *required), optional)
    for name, value in config.items():
        if name in ("n_inputs", "n_neurons"):
            _integer(f"{where}.{name}", value, 1, MAX_WIDTH)
        elif name == "init":
            _name(f"{where}.init", value, INITIALIZERS)
        elif name == "bias" and type(value) is not bool:
            raise ValueError(f"{where}.bias must be true or false; got {_shown(value)}")
        elif name not in ("type", "bias"):  # a penalty, a rate: its range is the constructor's to check
            _number(f"{where}.{name}", value)
    try:  # a layer's constructor allocates nothing: only `Model` builds it
        layer = LAYER_TYPES[kind](**{name: value for name, value in config.items() if name != "type"})
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: {error}") from None
    return layer.parameter_shapes()


def _check_optimizer(config) -> None:
    from .optim import OPTIMIZERS

    if not isinstance(config, dict):
        raise ValueError(f"optimizer must be an object; got {type(config).__name__}")
    kind = _name("optimizer.type", config.get("type"), tuple(OPTIMIZERS))
    settings = tuple(inspect.signature(OPTIMIZERS[kind]).parameters)
    _keys("optimizer", config, ("type", *settings))  # an optimizer's record holds every setting
    for name in settings:
        _number(f"optimizer.{name}", config[name])


def check_record(record) -> list[tuple]:
    """Check an architecture record; return the shapes of the parameters it implies, in order.

    Raises ValueError naming the first field that is wrong."""
    from .losses import LOSSES

    _keys("the record", record, TOP_LEVEL)
    layers = record["layers"]
    if not isinstance(layers, list) or not 1 <= len(layers) <= MAX_LAYERS:
        shown = f"{len(layers)} layers" if isinstance(layers, list) else type(layers).__name__
        raise ValueError(f"layers must be a list of 1 to {MAX_LAYERS} layers; got {shown}")
    shapes = [shape for i, config in enumerate(layers) for shape in _layer_shapes(f"layers[{i}]", config)]
    _name("loss", record["loss"], tuple(LOSSES))
    _check_optimizer(record["optimizer"])
    _name("dtype", record["dtype"], ("float64", "float32"))
    _integer("seed", record["seed"], 0, 2**64 - 1)
    if record["accuracy_tolerance"] is not None:
        _number("accuracy_tolerance", record["accuracy_tolerance"])
    if not isinstance(record["saved_from_backend"], str) or len(record["saved_from_backend"]) > 100:
        raise ValueError(f"saved_from_backend must be a backend's name; got {_shown(record['saved_from_backend'])}")
    return shapes
