"""The GEMM planner: the run-time settings measured on this machine, or the rule's.

    planner.settle("float64")          # at gemm.prepare: apply the wisdom's settings, else the rule's
    planner.tune(["float64"])          # `nn-backends tune`: measure, keep the winners in the wisdom file
    planner.describe_line()            # for the bench header: which settings run, and why

As FFTW's planner and ATLAS's install-time search do, the planner times a few candidates for what
can change without a new compile (`gemm_settings`: kc, mc, nc, when each product form packs A and
B, from how many flops a product and a training step use every thread) on the machine itself, and
keeps the winners in a per-user wisdom file (`wisdom`), keyed by the CPU model, the ISA, the tile,
the dtype and the versions the measurement depended on. The candidates and the choice logic are in
`planner_search`; what is timed is in `planner_workloads`.

When tuning happens (NN_BACKENDS_GEMM_TUNING):
* `wisdom` (the default): a product uses the wisdom's settings for this machine if there are any,
  else the rule's; nothing is ever timed by surprise, so tests and library calls stay deterministic.
  `nn-backends bench` (the main job) tunes first on a machine the wisdom does not know yet, within
  `BUDGET_SECONDS`, saying so in one line; `nn-backends tune` tunes on request.
* `first-use`: the first product of a dtype on a machine the wisdom does not know tunes it first.
* `off`: the rule's settings only; the wisdom file is neither read nor written (the tests' conftest
  sets this, so no test run tunes or depends on a user's wisdom).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass

import numpy as np

from . import gemm_settings, tiling, wisdom
from .gemm_settings import DTYPES, GemmSettings

MODE_VARIABLE = "NN_BACKENDS_GEMM_TUNING"
MODES = ("wisdom", "first-use", "off")
#: Seconds of timing for a whole tuning (both dtypes), compiles not counted.
BUDGET_SECONDS = 20.0


@dataclass(frozen=True)
class Choice:
    """The settings one dtype runs with, where they came from (rule, wisdom) and why."""

    source: str
    settings: GemmSettings
    note: str

    def as_dict(self) -> dict:
        return {"source": self.source, "note": self.note, "settings": self.settings.as_dict()}


def mode() -> str:
    """The tuning mode from NN_BACKENDS_GEMM_TUNING (see the module docstring)."""
    value = os.environ.get(MODE_VARIABLE, "wisdom").strip().lower() or "wisdom"
    if value not in MODES:
        raise ValueError(f"{MODE_VARIABLE} must be one of {', '.join(MODES)}; got {value!r}")
    return value


def machine_key(dtype) -> dict:
    """The wisdom key of `dtype` on this machine, as Numba compiles for it now."""
    from ..benchmarking.timing import cpu_model

    plan = tiling.gemm_plan(dtype)
    return wisdom.key_for(dtype, cpu_model(), plan.isa.describe(), plan.tile, wisdom.versions())


def choose(tuning: str, entries: list[wisdom.Entry] | wisdom.WisdomError, key: dict, rules: GemmSettings) -> Choice:
    """What runs for one dtype: the entry of `entries` under exactly `key`, else `rules`, with the
    reason (tuning off, the file refused, the entry stale, or none yet)."""
    if tuning == "off":
        return Choice("rule", rules, f"tuning off ({MODE_VARIABLE}=off)")
    if isinstance(entries, wisdom.WisdomError):
        return Choice("rule", rules, str(entries))
    entry = wisdom.find(entries, key)
    if entry is not None:
        gain = entry.measured.get("gain_over_rule")
        told = f", {gain:.2f}x the rule's speed when measured" if isinstance(gain, (int, float)) else ""
        return Choice("wisdom", entry.settings, f"measured on this machine{told}")
    why = wisdom.stale(entries, key)
    if why:
        return Choice("rule", rules, f"wisdom entry {why}: `nn-backends tune` measures again")
    return Choice("rule", rules, "no wisdom for this machine yet: `nn-backends tune` measures it")


_CHOSEN: dict[str, Choice] = {}
_TUNING: list = []  # non-empty while `tune` runs
_LOADED: dict[str, list | wisdom.WisdomError] = {}


def _entries(path) -> list[wisdom.Entry] | wisdom.WisdomError:
    """The wisdom file's entries, read once per process; a refusal is said once on stderr."""
    name = str(path)
    if name not in _LOADED:
        try:
            _LOADED[name] = wisdom.load(path)
        except wisdom.WisdomError as error:
            _LOADED[name] = error
            print(f"nn-backends: {error}", file=sys.stderr)
    return _LOADED[name]


def forget() -> None:
    """Drop what this process read and chose (after a tuning, or in tests)."""
    _CHOSEN.clear()
    _LOADED.clear()


def settle(dtype) -> Choice:
    """Choose `dtype`'s settings (tuning first in `first-use` mode on an unknown machine), apply them
    to the compiled products and return the choice. Reads the wisdom file at most once a process."""
    name = np.dtype(dtype).name
    plan = tiling.gemm_plan(name)
    tuning = mode()
    found = [] if tuning == "off" else _entries(wisdom.wisdom_path())
    choice = choose(tuning, found, machine_key(name), plan.rules)
    if tuning == "first-use" and choice.source == "rule" and not isinstance(found, wisdom.WisdomError) and not _TUNING:
        tune([name])  # its gemm.prepare settles this dtype (by rule) first: _TUNING keeps that from tuning
        return _CHOSEN[name]
    gemm_settings.apply(name, choice.settings, plan.tile)
    _CHOSEN[name] = choice
    return choice


def chosen(dtype) -> Choice:
    """The choice in force for `dtype` (settling it now if no product of it ran yet)."""
    name = np.dtype(dtype).name
    return _CHOSEN.get(name) or settle(name)


def step_parallel_flops(dtype) -> int:
    """Flops of a training step from which it keeps every thread, for `dtype` on this machine."""
    return chosen(dtype).settings.step_parallel_flops


def describe() -> dict:
    """The mode, the wisdom file and, per dtype, the settings in force and where they came from."""
    tuning = mode()
    return {"mode": tuning, "wisdom_file": None if tuning == "off" else str(wisdom.wisdom_path()),
            "dtypes": {name: chosen(name).as_dict() for name in DTYPES}}


def describe_line() -> str:
    """One line for a benchmark header: per dtype, rule or wisdom, and why."""
    parts = [f"{name} {choice.source} ({choice.note})" for name in DTYPES for choice in [chosen(name)]]
    return "numba GEMM settings: " + "; ".join(parts)


def tune(dtypes=DTYPES, budget: float = BUDGET_SECONDS, say=print, path=None, clock=time.monotonic,
         busy=None) -> list:
    """Measure the settings of `dtypes` on this machine within `budget` seconds of timing (compiles
    not counted), keep them in the wisdom file and apply them; returns the new entries. Raises
    WisdomError, before timing anything, if the existing file cannot be trusted (it is not replaced).

    busy: a context manager factory whose value, read after the block, says ('' for no) whether other
    programs used the cores meanwhile (default: the bench's verdict from the CPU counters). Thread
    thresholds measured on a busy machine stay the rule's: a core taken by another program makes
    every parallel run look slow, and the wisdom would keep a step on one thread for good."""
    path = wisdom.wisdom_path() if path is None else path
    entries = wisdom.load(path)
    names = [np.dtype(dtype).name for dtype in dtypes]
    _TUNING.append(names)
    try:
        return _tune(names, entries, path, budget, say, clock, busy or _MachineUse)
    finally:
        _TUNING.pop()


class _MachineUse:
    """`with _MachineUse() as use:` ... `use.note`: '' if the cores were quiet, else why not."""

    def __enter__(self):
        from ..benchmarking.rounds import cpu_clock

        self._before, self.note = cpu_clock(), ""
        return self

    def __exit__(self, *exc_info):
        from ..benchmarking.rounds import busy_note, cpu_clock, cpu_use

        self.note = busy_note(cpu_use(self._before, cpu_clock()))


def _tune(names, entries, path, budget, say, clock, busy) -> list:
    from ..benchmarking.timing import cpu_model
    from . import gemm
    from .planner_workloads import tune_dtype

    for name in names:
        gemm.prepare(name)  # compiled (or loaded) before the clock starts
    isa = tiling.gemm_plan(names[0]).isa
    say(f"nn-backends: measuring the numba GEMM's settings on this CPU ({cpu_model()}, {isa.name}), "
        f"{', '.join(names)}: at most {budget:.0f} s, once per CPU and version; kept in {path}")
    start = clock()
    new = []
    for number, name in enumerate(names):
        deadline = start + budget * (number + 1) / len(names)
        with busy() as use:
            settings, measured = tune_dtype(name, deadline, clock)
        if use.note:
            rules = tiling.gemm_plan(name).rules
            settings = settings.replace(parallel_flops=rules.parallel_flops, step_parallel_flops=rules.step_parallel_flops)
            measured["threads_kept_from_rule"] = use.note
            say(f"nn-backends: {use.note}: {name}'s thread thresholds stay the rule's "
                "(run `nn-backends tune` again on a quiet machine)")
        measured["seconds"] = round(clock() - start, 2)
        entry = wisdom.Entry(machine_key(name), settings, measured)
        new.append(entry)
        entries = wisdom.replaced(entries, entry)
    wisdom.save(path, entries)
    forget()
    for name in names:
        settle(name)
    gains = ", ".join(f"{entry.key['dtype']} {entry.measured.get('gain_over_rule', 1.0):.2f}x" for entry in new)
    say(f"nn-backends: GEMM settings measured in {clock() - start:.1f} s; speed over the rule's: {gains}")
    return new


def tune_if_unseen(say=print) -> None:
    """Tune the dtypes this machine has no wisdom for (the bench's first run on a CPU), unless the mode
    is `off` or the wisdom file was refused (said on stderr; never overwritten)."""
    if mode() == "off":
        return
    unseen = [name for name in DTYPES if chosen(name).source == "rule"]
    if unseen and not isinstance(_entries(wisdom.wisdom_path()), wisdom.WisdomError):
        tune(unseen, say=say)
