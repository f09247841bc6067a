"""Saving and loading models: one `.npz` file, no pickle anywhere, written atomically, read warily.

The file holds a format marker, the architecture as JSON text (layers, loss, optimizer settings,
dtype, seed) and one array per parameter, in the order of `Model.parameters()`.

Writing goes to a temporary file in the same folder, created with the permissions the user's umask
gives any new file, synced and then renamed over the target, so a crash leaves either the old file
or the new one, never half of one. A save that is killed leaves its temporary file behind; its name
holds the saving process's id, and the next save to the same path removes those of processes that
no longer run.

Loading treats the file as untrusted: `allow_pickle=False`; a member whose declared size is out of
proportion to its compressed size, or an array header that declares more data than its member
holds, is refused before it is read; every field of the architecture record is checked for type
and range, and the parameter shapes it implies are compared with the file's arrays before a model
is built, so a file can never make `load` allocate much more than the arrays it holds. Every way a
file can be wrong is a `ModelFileError`.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from ..atomic_files import remove_abandoned_temporaries, written_atomically
from ..validation import InvalidInputError, to_numpy
from .model_record import check_record
from .plan import by_layer

FORMAT = "nn-backends-model"
VERSION = 1

#: np.savez stores members uncompressed; a compressed member may shrink at most this much (parameters
#: full of zeros), plus the slack below for headers. Anything more is refused as a decompression bomb.
MAX_COMPRESSION_RATIO = 100
COMPRESSION_SLACK = 1 << 16
#: More members than a model of the most layers the record may declare can have (2 arrays a layer).
MAX_MEMBERS = 3 + 2 * 1000


class ModelFileError(InvalidInputError):
    """A model file that is missing, corrupt, truncated, foreign or does not match its architecture."""


# ---------------------------------------------------------------- saving
def save_model(model, path) -> None:
    path = Path(path)
    if not path.parent.is_dir():
        raise ModelFileError(f"save: the folder does not exist; got path={str(path)!r}")
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
    remove_abandoned_temporaries(path)
    with written_atomically(path) as file:
        np.savez(file, **arrays)


# ---------------------------------------------------------------- loading
def _fail(problem, path):
    raise ModelFileError(f"load: {problem}; got path={str(path)!r}")


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path) -> np.ndarray:
    """One .npy member, after checking that its header declares no more data than the member holds."""
    with archive.open(info) as member:
        version = np.lib.format.read_magic(member)
        read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                       (2, 0): np.lib.format.read_array_header_2_0}.get(version)
        if read_header is None:
            _fail(f"member {info.filename!r} is not a .npy array of a known version", path)
        shape, fortran_order, dtype = read_header(member)
        if dtype.hasobject:  # object arrays need pickle, which we never allow
            _fail(f"the file holds data that would need pickle to load, which is refused ({info.filename!r})", path)
        size = dtype.itemsize * int(np.prod(shape, dtype=object))
        if member.tell() + size != info.file_size:
            _fail(f"member {info.filename!r} declares an array of {size} bytes but holds "
                  f"{info.file_size - member.tell()}", path)
        data = member.read(size)
    return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran_order else "C").copy()


def _read(path) -> tuple[dict, list[np.ndarray]]:
    if not Path(path).is_file():
        _fail("no such model file", path)
    if not zipfile.is_zipfile(path):  # np.load would try to unpickle anything that is not .npy/.npz
        _fail("not a readable .npz archive (corrupt or truncated: no zip directory)", path)
    contents = {}
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                _fail(f"the archive holds {len(members)} members, more than any model file ({MAX_MEMBERS})", path)
            for info in members:
                if info.file_size > MAX_COMPRESSION_RATIO * info.compress_size + COMPRESSION_SLACK:
                    _fail(f"member {info.filename!r} declares {info.file_size} bytes compressed into "
                          f"{info.compress_size}, out of proportion; refused before reading", path)
            names = {info.filename: info for info in members}
            if "format.npy" not in names:
                _fail(f"not an nn-backends model file (no {FORMAT!r} marker)", path)
            for name, info in names.items():
                contents[name.removesuffix(".npy")] = _read_member(archive, info, path)
    except ModelFileError:
        raise
    except Exception as error:  # any way an untrusted archive fails to read (zipfile, zlib, npy header)
        _fail(f"not a readable .npz archive (corrupt or truncated: {type(error).__name__}: {error})", path)
    marker, version = contents["format"], contents.get("version")
    if marker.shape != () or marker.dtype.kind != "U" or str(marker) != FORMAT:
        _fail(f"not an nn-backends model file (no {FORMAT!r} marker)", path)
    if version is None or version.shape != () or version.dtype.kind not in "iu" or int(version) != VERSION:
        shown = version if version is None or version.size < 5 else f"array of shape {version.shape}"
        _fail(f"model file version {shown} is not supported (this is version {VERSION})", path)
    record = contents.get("architecture")
    try:
        if record is None or record.shape != () or record.dtype.kind != "U":
            raise ValueError("no architecture text")
        architecture = json.loads(str(record))
    except (ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError; so are huge integers
        _fail(f"the architecture record is missing or corrupt ({error})", path)
    count = sum(1 for name in contents if name.startswith("param_"))
    unknown = sorted(set(contents) - {"format", "version", "architecture"} - {f"param_{i}" for i in range(count)})
    if any(not name.startswith("param_") for name in unknown):
        _fail(f"the file holds members a model file does not have: {', '.join(map(repr, unknown))}", path)
    return architecture, [contents.get(f"param_{i}") for i in range(count)]


def load_model(model_class, path, backend=None):
    from .layers import LAYER_TYPES
    from .optim import OPTIMIZERS

    architecture, saved = _read(path)
    try:
        shapes = check_record(architecture)
    except ValueError as error:
        _fail(f"the architecture record does not describe a model this version can build: {error}", path)
    if len(saved) != len(shapes) or any(array is None for array in saved):
        _fail(f"the file holds {len(saved)} parameter arrays but its architecture needs {len(shapes)}", path)
    for i, (array, shape) in enumerate(zip(saved, shapes)):
        if tuple(array.shape) != shape:
            _fail(f"parameter {i} has shape {tuple(array.shape)} but the architecture needs {shape}", path)
        if array.dtype.kind != "f" or not np.isfinite(array).all():
            _fail(f"parameter {i} is not a finite float array (dtype {array.dtype})", path)
    # Only now, with every shape known to match an array in the file, is anything allocated.
    try:
        layers = []
        for config in architecture["layers"]:
            config = dict(config)
            layers.append(LAYER_TYPES[config.pop("type")](**config))
        optimizer_config = dict(architecture["optimizer"])
        optimizer = OPTIMIZERS[optimizer_config.pop("type")](**optimizer_config)
        model = model_class(layers, loss=architecture["loss"], optimizer=optimizer, backend=backend,
                            seed=architecture["seed"], dtype=architecture["dtype"],
                            accuracy_tolerance=architecture["accuracy_tolerance"])
    except (KeyError, TypeError, ValueError) as error:
        _fail(f"the architecture record does not describe a model this version can build ({error!r})", path)
    for i, arrays in by_layer(model.parameter_slots, saved).items():
        model.layers[i].set_parameters(arrays)
    return model
