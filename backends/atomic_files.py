"""Files written whole or not at all: every file the package writes for a user goes through here.

`written_atomically(path)` gives a file object on a temporary file beside `path`, named for this
process and a random token (so two writers never share one), created with the umask's permissions;
when the block ends it is flushed to disk and renamed over `path` in one step, and when the block
fails it is deleted: a reader sees the old file or the new one, never half of one.
`remove_abandoned_temporaries(path)` deletes what a killed writer left beside `path`.
"""

from __future__ import annotations

import os
import re
import secrets
from contextlib import contextmanager
from pathlib import Path


def _temporary_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


@contextmanager
def written_atomically(path, mode: str = "wb"):
    """A file object ("wb", or "w" for UTF-8 text) whose contents replace `path` when the block ends."""
    path = Path(path)
    temporary = _temporary_name(path)
    # mode 0o666 through os.open: the kernel applies the umask, as for any file the user creates
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(descriptor, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_text(path, text: str) -> None:
    """`path` holds `text` (UTF-8), written whole or not at all."""
    with written_atomically(path, "w") as file:
        file.write(text)


def _process_is_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists but is not ours to signal
        return False
    return False


def _glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def remove_abandoned_temporaries(path) -> None:
    """Delete the temporary files of writes to `path` whose process was killed before it renamed them."""
    path = Path(path)
    pattern = re.compile(rf"\.{re.escape(path.name)}\.(\d+)\.[0-9a-f]{{8}}\.tmp")
    for candidate in path.parent.glob(f".{_glob_escape(path.name)}.*.tmp"):
        match = pattern.fullmatch(candidate.name)
        if match and int(match.group(1)) != os.getpid() and _process_is_gone(int(match.group(1))):
            candidate.unlink(missing_ok=True)
