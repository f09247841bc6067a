"""Two runs of `nn-backends bench` compared row by row: faster, slower, or within noise.

    nn-backends bench --compare OLD.json             # this run against a saved one
    nn-backends compare OLD.json NEW.json            # two saved runs (two commits, say)

A saved run is a JSON file of `nn-backends bench`, or one of the pytest-benchmark suite in `bench/`
saved with `--benchmark-save-data` (its per-round data are the samples; without them, medians only).

For every case and contender in both runs: the ratio new time / old time, with the 95% interval
of that ratio (a bootstrap of each run's per-round samples on its own, since the two runs' rounds
are not paired), and a verdict as pyperf's `compare_to` and asv's `compare` give one: "faster" when
the whole interval lies below 1, "slower" when it lies above, else "within noise". A run written
before the interleaved rounds has no samples: its rows get the ratio and no verdict. Two runs from
different CPUs, ISAs, BLAS builds or thread counts are still compared, under a warning that says
what differs: then a change is the machine's, not the code's.
"""

from __future__ import annotations

import json
from pathlib import Path

from . import rounds
from .report import format_seconds

#: The settings two runs must share for their times to be comparable, and what each is called.
COMPARABLE = {"cpu_model": "CPU", "numba_isa": "ISA Numba compiled for", "blas": "BLAS",
              "blas_threads": "BLAS threads", "numba_threads": "Numba threads", "torch_threads": "PyTorch threads",
              "cpus": "CPUs"}


def differences(old_settings: dict, new_settings: dict) -> list[str]:
    """One warning line per comparable setting the two runs do not share."""
    return [f"warning: the runs come from different {name}: saved run {old_settings.get(key)!r}, "
            f"this run {new_settings.get(key)!r}; a change may be the machine's, not the code's"
            for key, name in COMPARABLE.items() if old_settings.get(key) != new_settings.get(key)]


def verdict(ratio: tuple) -> str:
    _, low, high = ratio
    if low is None:
        return "no samples in the saved run"
    if high < 1:
        return "faster"
    if low > 1:
        return "slower"
    return "within noise"


def row_change(old: dict, new: dict) -> tuple[float, float | None, float | None]:
    """(new / old time, low, high): the interval when both rows kept their per-round samples."""
    if old.get("samples") and new.get("samples"):
        return rounds.unpaired_ratio(new["samples"], old["samples"])
    return new["median"] / old["median"], None, None


def comparison(old: dict, new_results: list[dict], new_settings: dict | None = None) -> str:
    """The change of every row the two runs share, each with its verdict, under the warnings."""
    key = lambda r: (r["operation"], r["label"], r["dtype"], r["contender"])  # noqa: E731
    before = {key(r): r for r in old["results"] if "median" in r}
    lines = ["", "== change against the saved run (new time / old time, 95% interval; below 1 is faster) " + "=" * 20]
    lines += differences(old.get("settings", {}), new_settings or {})
    lines.append(f"{'operation':>22} {'size':>18} {'dtype':>7} {'contender':>9} {'old':>10} {'new':>10} "
                 f"{'new/old [95%]':>22}  verdict")
    counts = {}
    for result in new_results:
        previous = before.get(key(result))
        if previous is None or "median" not in result:
            continue
        change = row_change(previous, result)
        said = verdict(change)
        counts[said] = counts.get(said, 0) + 1
        value, low, high = change
        shown = f"{value:.3f}" + (f" [{low:.3f}–{high:.3f}]" if low is not None else "")
        lines.append(f"{result['operation']:>22} {result['label']:>18} {result['dtype']:>7} {result['contender']:>9} "
                     f"{format_seconds(previous['median']):>10} {format_seconds(result['median']):>10} "
                     f"{shown:>22}  {said}")
    if not counts:
        lines.append("   no case of this run is in the saved run")
    else:
        lines.append("   in all: " + ", ".join(f"{count} {said}" for said, count in sorted(counts.items())))
    return "\n".join(lines)


def from_pytest_benchmark(document: dict) -> dict:
    """A pytest-benchmark JSON file of `bench/` as a bench run: one result per benchmark (its group
    names the case, its extra_info the contender), the per-round data as the samples."""
    results = []
    for benchmark in document["benchmarks"]:
        info, stats = benchmark.get("extra_info", {}), benchmark["stats"]
        if "contender" not in info:
            continue  # not one of the cases (the ladder, compile times)
        steps = info.get("steps_per_call", 1)
        result = {"operation": info["operation"], "label": benchmark["group"].split()[1], "dtype": info["dtype"],
                  "contender": info["contender"], "sizes": info.get("sizes", []), "flops": info.get("flops", 0.0),
                  "median": stats["median"] / steps}
        if stats.get("data"):
            result["samples"] = [sample / steps for sample in stats["data"]]
        results.append(result)
    return {"settings": document.get("machine_info", {}).get("nn_backends", {}), "results": results}


def read_run(path, command: str = "compare") -> dict:
    """A saved run, of `nn-backends bench` or of the pytest-benchmark suite, as {"settings", "results"}."""
    try:
        document = json.loads(Path(path).read_text())
        if isinstance(document, dict) and "benchmarks" in document:
            return from_pytest_benchmark(document)
        document["results"]  # noqa: B018 - a run file has results
        return document
    except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
        raise ValueError(f"{command}: not a results file of nn-backends bench or of its pytest-benchmark suite "
                         f"({error}); got path={str(path)!r}") from None
