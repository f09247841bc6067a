"""One line on stderr when compiling a numba kernel takes a while, so a first run never looks hung.

Numba compiles a kernel the first time it meets its argument types, and caches the machine code on
disk; in a fresh checkout the numba backend's first calls compile for tens of seconds. A listener
on Numba's compile events starts a timer when a kernel of this package starts compiling (callees
compiled inside it count as part of it); if the compile is still going after `NOTICE_AFTER`
seconds, it prints what is compiling, for which argument types, and that it happens once.
"""

from __future__ import annotations

import sys
import threading

from numba.core import event

#: Seconds of compiling before the notice is printed (a load from the disk cache takes far less).
NOTICE_AFTER = 2.0


def _describe(data) -> str:
    dispatcher, arguments = data["dispatcher"], data.get("args") or ()
    dtypes = sorted({str(getattr(argument, "dtype", "")) for argument in arguments} - {""})
    where = f" for {', '.join(dtypes)}" if dtypes else ""
    return f"{dispatcher.py_func.__module__.rsplit('.', 1)[-1]}.{dispatcher.py_func.__name__}{where}"


class CompileNotice(event.Listener):
    """Prints one line per outermost compile of a `backends` kernel that outlasts `after` seconds."""

    def __init__(self, after: float = NOTICE_AFTER, stream=None):
        self.after = after
        self.stream = stream
        self._depth = 0
        self._timer = None

    def on_start(self, ev):
        self._depth += 1
        dispatcher = ev.data["dispatcher"]
        if self._depth == 1 and getattr(dispatcher.py_func, "__module__", "").startswith("backends."):
            self._timer = threading.Timer(self.after, self._say, args=(_describe(ev.data),))
            self._timer.daemon = True
            self._timer.start()

    def on_end(self, ev):
        self._depth -= 1
        if self._depth == 0 and self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _say(self, what: str):
        stream = self.stream or sys.stderr
        print(f"nn-backends: compiling the numba kernel {what} (first use only; cached on disk after)...",
              file=stream, flush=True)


NOTICE = CompileNotice()
event.register("numba:compile", NOTICE)
