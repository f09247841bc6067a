"""The GEMM planner's wisdom: settings measured on one machine, kept in a per-user file, as FFTW does.

    path = wisdom.wisdom_path()                  # ~/.cache/nn-backends/gemm-wisdom.json
    entries = wisdom.load(path)                  # raises WisdomError for a file it cannot trust
    entry = wisdom.find(entries, key)            # this machine's entry, or None
    wisdom.save(path, wisdom.replaced(entries, new_entry))

An entry holds one dtype's run-time settings (`gemm_settings.GemmSettings`) under the key they were
measured for: the CPU model, the vector ISA Numba compiles for and the tile, the dtype, and the
versions of NumPy, Numba, llvmlite, this project and the GEMM's own source files. Another key is
another machine, or a new version of something the measurement depended on: its entry is not used
(`stale` says why), and the next tuning replaces it.

Nothing in the file is trusted blindly: a file that is not JSON, not a wisdom file of this format,
or holds settings the blocked product could not run correctly (`gemm_settings.check`) is refused
whole, with a message naming the file and what is wrong; the rule's settings are used instead. The
file is written atomically (a temporary file beside it, then a rename), so a reader never sees half.
NN_BACKENDS_WISDOM names another file.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..atomic_files import write_text
from .gemm_settings import NAMES, GemmSettings, check

#: Names the wisdom file to use instead of the per-user default.
WISDOM_VARIABLE = "NN_BACKENDS_WISDOM"
FORMAT = "nn-backends GEMM wisdom"
FORMAT_VERSION = 1
#: The GEMM's files whose edit changes what the settings mean (hashed into the key).
GEMM_FILES = ("gemm.py", "blocking.py", "gemm_settings.py")


class WisdomError(ValueError):
    """A wisdom file that cannot be trusted; the message names the file and the problem."""


@dataclass(frozen=True)
class Entry:
    """One dtype's measured settings, the key they hold for, and what the measurement found."""

    key: dict
    settings: GemmSettings
    measured: dict  # free-form: the candidates' medians, the gain over the rule, the seconds spent

    def as_dict(self) -> dict:
        return {"key": self.key, "settings": self.settings.as_dict(), "measured": self.measured}


def wisdom_path() -> Path:
    """NN_BACKENDS_WISDOM if set, else gemm-wisdom.json in the user's cache folder (XDG_CACHE_HOME or
    ~/.cache on Linux and macOS, LOCALAPPDATA on Windows)."""
    given = os.environ.get(WISDOM_VARIABLE)
    if given:
        return Path(given).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.environ.get("LOCALAPPDATA") or Path.home() / ".cache"
    return Path(base) / "nn-backends" / "gemm-wisdom.json"


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def gemm_source_hash() -> str:
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in GEMM_FILES:
        digest.update(name.encode() + b"\0" + (here / name).read_bytes())
    return digest.hexdigest()[:16]


def versions() -> dict:
    """The versions the measured settings depend on."""
    import llvmlite
    import numba

    return {"numpy": np.__version__, "numba": numba.__version__, "llvmlite": llvmlite.__version__,
            "nn-backends": _version("nn-backends"), "gemm_source": gemm_source_hash()}


def key_for(dtype, cpu_model: str, isa_description: str, tile: tuple[int, int], version_info: dict) -> dict:
    """The key of an entry: what must match for measured settings to hold."""
    return {"cpu_model": cpu_model, "isa": isa_description, "tile": f"{tile[0]}x{tile[1]}",
            "dtype": np.dtype(dtype).name, "versions": dict(version_info)}


def _machine(key: dict) -> tuple:
    return key.get("cpu_model"), key.get("isa"), key.get("tile"), key.get("dtype")


def find(entries: list[Entry], key: dict) -> Entry | None:
    """The entry measured under exactly `key`, or None."""
    return next((entry for entry in entries if entry.key == key), None)


def stale(entries: list[Entry], key: dict) -> str | None:
    """Why this machine's entry no longer holds (which versions changed), or None if there is none."""
    for entry in entries:
        if _machine(entry.key) == _machine(key) and entry.key != key:
            old, new = entry.key.get("versions", {}), key["versions"]
            changed = [f"{name} {old.get(name)} -> {value}" for name, value in new.items() if old.get(name) != value]
            return "measured with other versions (" + ", ".join(changed or ["key differs"]) + ")"
    return None


def replaced(entries: list[Entry], new: Entry) -> list[Entry]:
    """`entries` with `new` in place of any entry for the same machine and dtype (a stale one too)."""
    return [entry for entry in entries if _machine(entry.key) != _machine(new.key)] + [new]


def _refuse(path, problem: str) -> WisdomError:
    return WisdomError(f"GEMM wisdom file {path} refused: {problem}. The rule's settings are used instead; "
                       f"delete the file (or set {WISDOM_VARIABLE} to another path) and run `nn-backends tune`.")


def parse(text: str, path="<text>") -> list[Entry]:
    """The entries of a wisdom file's text, each checked; WisdomError for anything untrustworthy."""
    try:
        document = json.loads(text)
    except ValueError as error:
        raise _refuse(path, f"not valid JSON ({error})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise _refuse(path, f"not a wisdom file of this project (no \"format\": \"{FORMAT}\")")
    if document.get("format_version") != FORMAT_VERSION:
        raise _refuse(path, f"format version {document.get('format_version')!r}, this version reads {FORMAT_VERSION}")
    entries = document.get("entries")
    if not isinstance(entries, list):
        raise _refuse(path, "\"entries\" is not a list")
    return [_entry(item, number, path) for number, item in enumerate(entries)]


def _entry(item, number: int, path) -> Entry:
    where = f"entry {number}"
    if not isinstance(item, dict) or not isinstance(item.get("key"), dict) or not isinstance(item.get("settings"), dict):
        raise _refuse(path, f"{where} is not an object with a \"key\" and \"settings\"")
    key, given = item["key"], item["settings"]
    if set(given) != set(NAMES):
        missing, extra = sorted(set(NAMES) - set(given)), sorted(set(given) - set(NAMES))
        raise _refuse(path, f"{where}'s settings do not match this version's (missing {missing}, unknown {extra})")
    try:
        tile = tuple(int(side) for side in str(key.get("tile", "")).split("x"))
        if len(tile) != 2 or min(tile) < 1:
            raise ValueError(f"tile {key.get('tile')!r} is not ROWSxCOLUMNS")
        if key.get("dtype") not in ("float64", "float32"):
            raise ValueError(f"dtype {key.get('dtype')!r} is not float64 or float32")
        settings = GemmSettings(**given)
        check(key["dtype"], settings, tile)
    except ValueError as error:
        raise _refuse(path, f"{where}: {error}") from None
    measured = item.get("measured", {})
    return Entry(key, settings, measured if isinstance(measured, dict) else {})


def load(path: Path) -> list[Entry]:
    """The entries of the file at `path` ([] if there is none); WisdomError if it cannot be trusted."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as error:
        raise _refuse(path, f"unreadable ({error})") from None
    return parse(text, path)


def save(path: Path, entries: list[Entry]) -> None:
    """Write `entries` to `path` atomically (creating its folder)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"format": FORMAT, "format_version": FORMAT_VERSION, "entries": [entry.as_dict() for entry in entries]}
    write_text(path, json.dumps(document, indent=1))
