"""The one way this project times code (the bench, the ladder, the demo and the walkthrough all
call it): interleaved rounds of the contenders, each turn settled and warmed, every median and
every ratio between them with a 95% interval, and whether other programs used the CPU meanwhile.

    timed = rounds.interleaved({"numpy": f, "numba": g}, budget=0.2)
    timed["numba"]["samples"]                       # seconds per call, one per round
    timed["numba"]["cpu"]["busy"]                   # other programs used the cores meanwhile
    rounds.paired_ratio(timed["numpy"]["samples"], timed["numba"]["samples"])   # (ratio, low, high)

Timing each contender in one block after the other lets any drift of the machine (another
program, a clock change, the previous contender's threads) land on one of them only. Here each
round times every contender once, in an order rotated from round to round, so a slow moment hits
them alike; a ratio is the median of the per-round ratios, and its interval a bootstrap over the
rounds (resampling whole rounds keeps the pairing). Before each contender's turn, `settle` waits
until the threads of the one before have stopped spinning (OpenBLAS spins ~0.1 s after a call,
Numba's and PyTorch's pools ~10 ms), judged from this process's CPU time. `cpu_clock` and
`cpu_use` tell whether other programs were using the cores while something was measured.
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np

#: Rounds per case: each contender is timed once per round, for budget / ROUNDS seconds.
ROUNDS = 11
CONFIDENCE = 0.95
RESAMPLES = 2000  # bootstrap resamples (seeded: the same samples always give the same interval)
#: Untimed calls before each timed repeat, in seconds: a core idle for the pause runs the first
#: milliseconds after it slowly (its clock ramps up again, its caches hold another contender's
#: data): on a KVM guest here, a pure-Python loop ran at half speed for 20-50 ms after a 5-10 ms
#: sleep, and timed cold, the spiral step read 1.3-1.8x slower on every contender than back to back.
WARM_SECONDS = 0.02
#: Other programs' CPU use during a measurement, in cores, above which the machine counts as busy.
BUSY_OTHER_CORES = 0.25


def settle(longest: float = 0.3, poll: float = 0.005, quiet_cores: float = 0.1) -> float:
    """Sleep until this process uses under `quiet_cores` of a core over one `poll` (its thread pools
    have gone idle), at most `longest` seconds; returns the seconds waited."""
    start = time.perf_counter()
    while time.perf_counter() - start < longest:
        cpu, wall = time.process_time(), time.perf_counter()
        time.sleep(poll)
        if (time.process_time() - cpu) / (time.perf_counter() - wall) < quiet_cores:
            break
    return time.perf_counter() - start


def warm_up(call, seconds: float = WARM_SECONDS) -> None:
    """Call `call` untimed for about `seconds` (once at least): after a pause the core has slowed
    its clock and the contender before has taken the caches."""
    start = time.perf_counter()
    call()
    while time.perf_counter() - start < seconds:
        call()


def calls_per_repeat(call, seconds: float) -> int:
    """How many back-to-back calls make one repeat of about `seconds` (after a warming call)."""
    call()  # warm: caches, lazy allocations, Numba dispatch
    start = time.perf_counter()
    call()
    single = max(time.perf_counter() - start, 1e-9)
    return max(1, int(seconds / single))


def cpu_clock() -> dict:
    """Now, in three clocks: wall time, this process's CPU time, and the CPU time every program on
    the machine has used (from /proc/stat, Linux only; None elsewhere)."""
    own = os.times()
    machine = None
    try:
        with open("/proc/stat") as stat:
            ticks = [int(field) for field in stat.readline().split()[1:9]]
        # user nice system idle iowait irq softirq steal: everything but idle and iowait is work
        machine = (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, AttributeError):
        pass
    return {"wall": time.perf_counter(), "own": own.user + own.system, "machine": machine}


def cpu_use(before: dict, after: dict) -> dict:
    """What the machine did between two `cpu_clock()` readings: `others`, the cores other programs
    kept busy on average (None when the machine's counters are unavailable), and `busy`.

    The counters tick 100 times a second, so over a short measurement `others` is uncertain by a
    couple of ticks; only use above that uncertainty counts. Without /proc/stat, the process getting
    less than 80% of one core while it timed a call also counts as busy (it was made to wait)."""
    wall = max(after["wall"] - before["wall"], 1e-9)
    own = (after["own"] - before["own"]) / wall
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    uncertainty = 2 / ticks / wall
    if before["machine"] is None or after["machine"] is None:
        return {"wall": wall, "own_cores": own, "others": None, "uncertainty": uncertainty,
                "busy": own + uncertainty < 0.8}
    others = max(0.0, (after["machine"] - before["machine"]) / wall - own)
    return {"wall": wall, "own_cores": own, "others": others, "uncertainty": uncertainty,
            "busy": others - uncertainty > BUSY_OTHER_CORES}


def interval(samples, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The bootstrap interval of the median of `samples`."""
    samples = np.asarray(samples, dtype=float)
    picks = np.random.default_rng(0).integers(0, len(samples), (RESAMPLES, len(samples)))
    medians = np.median(samples[picks], axis=1)
    tail = (1 - confidence) / 2
    return float(np.quantile(medians, tail)), float(np.quantile(medians, 1 - tail))


def summary(samples: list[float]) -> dict:
    """Median, quartiles and the median's 95% interval of one contender's per-round samples."""
    quartiles = statistics.quantiles(samples, n=4) if len(samples) > 1 else [samples[0]] * 3
    low, high = interval(samples)
    return {"median": statistics.median(samples), "q1": quartiles[0], "q3": quartiles[2], "low": low, "high": high,
            "samples": list(samples), "repeats": len(samples)}


def busy_note(cpu: dict) -> str:
    """'' for a quiet `cpu_use`, else a sentence saying how busy the machine was while it measured."""
    if not cpu["busy"]:
        return ""
    if cpu["others"] is None:
        return f"this process got {cpu['own_cores']:.0%} of a core while it timed"
    return f"other programs kept {cpu['others']:.2f} cores busy while this was measured"


def interleaved(calls: dict, budget: float, rounds: int = ROUNDS, pause=settle, warm=warm_up) -> dict:
    """Time every zero-argument callable of `calls` ({name: call}) in `rounds` rounds, each round one
    repeat of about budget/rounds seconds per call, the order rotated every round, and `pause()`
    then `warm(call)` before each turn. Returns {name: summary(...) | {"number": calls per repeat,
    "cpu": cpu_use(...) over all the rounds}}; each summary's samples are seconds per call, round by
    round, in the same order for every name."""
    names = list(calls)
    before = cpu_clock()
    number = {}
    for name in names:
        pause()
        number[name] = calls_per_repeat(calls[name], budget / rounds)
    samples = {name: [] for name in names}
    for turn in range(rounds):
        shift = turn % len(names)
        for name in names[shift:] + names[:shift]:
            call, count = calls[name], number[name]
            pause()
            warm(call)
            start = time.perf_counter()
            for _ in range(count):
                call()
            samples[name].append((time.perf_counter() - start) / count)
    cpu = cpu_use(before, cpu_clock())
    return {name: summary(samples[name]) | {"number": number[name], "cpu": cpu} for name in names}


def _median_interval(per_round: np.ndarray) -> tuple[float, float, float]:
    picks = np.random.default_rng(0).integers(0, len(per_round), (RESAMPLES, len(per_round)))
    medians = np.median(per_round[picks], axis=1)
    tail = (1 - CONFIDENCE) / 2
    return float(np.median(per_round)), float(np.quantile(medians, tail)), float(np.quantile(medians, 1 - tail))


def _paired(name: str, a, b) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(a) != len(b) or not len(a):
        raise ValueError(f"{name}: the two contenders need the same rounds; got {len(a)} and {len(b)} samples")
    return a, b


def paired_ratio(slower, faster) -> tuple[float, float, float]:
    """(ratio, low, high): the median over rounds of slower[r] / faster[r] (a speedup of `faster`
    when above 1) and its bootstrap interval over rounds. Both lists come from one `interleaved`."""
    slower, faster = _paired("paired_ratio", slower, faster)
    return _median_interval(slower / faster)


def paired_difference(more, less) -> tuple[float, float, float]:
    """(difference, low, high): the median over rounds of more[r] - less[r] (the time one contender
    adds to the other) and its bootstrap interval over rounds. Both lists come from one `interleaved`."""
    more, less = _paired("paired_difference", more, less)
    return _median_interval(more - less)


def unpaired_ratio(new, old) -> tuple[float, float, float]:
    """(ratio, low, high): median(new) / median(old) for two separate runs, with the bootstrap
    interval of that ratio (each run resampled on its own: their rounds are not paired)."""
    new, old = np.asarray(new, dtype=float), np.asarray(old, dtype=float)
    rng = np.random.default_rng(0)
    ratios = (np.median(new[rng.integers(0, len(new), (RESAMPLES, len(new)))], axis=1)
              / np.median(old[rng.integers(0, len(old), (RESAMPLES, len(old)))], axis=1))
    tail = (1 - CONFIDENCE) / 2
    return (float(np.median(new) / np.median(old)), float(np.quantile(ratios, tail)),
            float(np.quantile(ratios, 1 - tail)))
