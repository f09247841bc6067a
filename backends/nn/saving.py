"""Saving and loading models: one `.npz` file, no pickle anywhere, written atomically.

The file holds a format marker, the architecture as JSON text (layers, loss, optimizer settings,
dtype, seed) and one array per parameter, in the order of `Model.parameters()`. Writing goes to a
temporary file in the same folder, which is synced and then renamed over the target, so a crash
leaves either the old file or the new one, never half of one. Loading reads with
`allow_pickle=False` and turns every way a file can be wrong into a `ModelFileError`.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from ..validation import InvalidInputError, to_numpy

FORMAT = "nn-backends-model"
VERSION = 1


class ModelFileError(InvalidInputError):
    """A model file that is missing, corrupt, truncated, foreign or does not match its architecture."""


def save_model(model, path) -> None:
    path = Path(path)
    architecture = {
        "layers": [layer.config() for layer in model.layers],
        "loss": model.loss.name,
        "optimizer": model.optimizer.config(),
        "dtype": model.dtype,
        "seed": model.seed,
        "accuracy_tolerance": model.accuracy_tolerance,
        "saved_from_backend": model.backend.name,
    }
    arrays = {"format": np.array(FORMAT), "version": np.array(VERSION),
              "architecture": np.array(json.dumps(architecture))}
    for i, param in enumerate(model.parameters()):
        arrays[f"param_{i}"] = to_numpy(param)
    if not path.parent.is_dir():
        raise ModelFileError(f"save: the folder does not exist; got path={str(path)!r}")
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as file:
            np.savez(file, **arrays)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _fail(problem, path):
    raise ModelFileError(f"load: {problem}; got path={str(path)!r}")


def _read(path) -> tuple[dict, list[np.ndarray]]:
    if not Path(path).is_file():
        _fail("no such model file", path)
    if not zipfile.is_zipfile(path):  # np.load would try to unpickle anything that is not .npy/.npz
        _fail("not a readable .npz archive (corrupt or truncated: no zip directory)", path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            contents = {name: archive[name] for name in archive.files}
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        _fail(f"not a readable .npz archive (corrupt or truncated: {error})", path)
    except ValueError as error:  # object arrays need pickle, which we never allow
        _fail(f"the file holds data that would need pickle to load, which is refused ({error})", path)
    if "format" not in contents or str(contents["format"]) != FORMAT:
        _fail(f"not an nn-backends model file (no {FORMAT!r} marker)", path)
    if int(contents.get("version", -1)) != VERSION:
        _fail(f"model file version {contents.get('version')} is not supported (this is version {VERSION})", path)
    try:
        architecture = json.loads(str(contents["architecture"]))
    except (KeyError, json.JSONDecodeError) as error:
        _fail(f"the architecture record is missing or corrupt ({error})", path)
    count = sum(1 for name in contents if name.startswith("param_"))
    return architecture, [contents[f"param_{i}"] if f"param_{i}" in contents else None for i in range(count)]


def load_model(model_class, path, backend=None):
    from .layers import LAYER_TYPES
    from .optim import OPTIMIZERS

    architecture, saved = _read(path)
    try:
        layers = []
        for config in architecture["layers"]:
            config = dict(config)
            layers.append(LAYER_TYPES[config.pop("type")](**config))
        optimizer_config = dict(architecture["optimizer"])
        optimizer = OPTIMIZERS[optimizer_config.pop("type")](**optimizer_config)
        model = model_class(layers, loss=architecture["loss"], optimizer=optimizer, backend=backend,
                            seed=architecture["seed"], dtype=architecture["dtype"],
                            accuracy_tolerance=architecture.get("accuracy_tolerance"))
    except (KeyError, TypeError, ValueError) as error:
        _fail(f"the architecture record does not describe a model this version can build ({error!r})", path)
    parameters = model.parameters()
    if len(saved) != len(parameters) or any(array is None for array in saved):
        _fail(f"the file holds {len(saved)} parameter arrays but its architecture needs {len(parameters)}", path)
    b = model.backend
    for i, (param, array) in enumerate(zip(parameters, saved)):
        if tuple(array.shape) != tuple(b.shape(param)):
            _fail(f"parameter {i} has shape {tuple(array.shape)} but the architecture needs "
                  f"{tuple(b.shape(param))}", path)
        if array.dtype.kind != "f" or not np.isfinite(array).all():
            _fail(f"parameter {i} is not a finite float array (dtype {array.dtype})", path)
    for layer in model.layers:
        count = len(layer.parameters())
        if count:
            layer.set_parameters(saved[:count])
            saved = saved[count:]
    return model
