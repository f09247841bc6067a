"""The summary that closes `nn-backends bench`: the headline ratios, each with its interval and a
sentence in words.

Each ratio is the median over the interleaved rounds of (the other contender's time / this
contender's time), with the 95% bootstrap interval over rounds (`report.ratio_of`): above 1, the
contender is the faster. A row whose contenders were not both measured in the run is left out.

    nn-backends targets --summary run1.json run2.json run3.json

prints the rows of several runs side by side, with how far each run strays from their median.
"""

from __future__ import annotations

import statistics

from .cases import Case, marked
from .report import ratio_between
from .workloads import Ratio

NAMES = {"python": "pure Python", "numpy": "the numpy backend", "numba": "the numba backend", "blas": "BLAS",
         "torch": "PyTorch"}


def sentence(mark: Ratio, ratio: tuple) -> str:
    """The ratio in words: who ran how many times as fast as whom, on what, or within noise."""
    value, low, high = ratio
    who, other = NAMES.get(mark.contender, mark.contender), NAMES.get(mark.other, mark.other)
    if low is None:
        interval = ""
    elif low <= 1 <= high:
        return (f"On {mark.what}, {who} and {other} are within noise of each other "
                f"({value:.3g}x, 95% interval {low:.3g}–{high:.3g}x).")
    else:
        interval = f" (95% interval {low:.3g}–{high:.3g}x)" if value >= 1 else \
            f" (95% interval {1 / high:.3g}–{1 / low:.3g}x)"
    if value >= 1:
        return f"On {mark.what}, {who} ran {value:.3g}x as fast as {other}{interval}."
    return f"On {mark.what}, {who} took {1 / value:.3g}x the time of {other}{interval}."


def _key(case: Case, mark: Ratio) -> tuple:
    return mark.contender, mark.other, case.operation, case.label, case.dtype


def measured(results: list[dict]) -> list[dict]:
    """The headline ratios this run measured, as JSON-ready rows with their sentences."""
    rows = []
    for case, mark in marked(Ratio):
        ratio = ratio_between(results, case.operation, case.label, case.dtype, mark.contender, mark.other)
        if ratio is not None:
            rows.append(dict(zip(("contender", "other", "operation", "label", "dtype"), _key(case, mark)))
                        | {"ratio": ratio[0], "low": ratio[1], "high": ratio[2], "sentence": sentence(mark, ratio)})
    return rows


def lines(rows: list[dict]) -> list[str]:
    """The closing summary of a run, one ratio and one sentence per row."""
    out = ["", "== summary: how much faster, at what (the other's time / this one's: median over rounds "
               "[95% interval]) " + "=" * 8]
    for row in rows:
        interval = f" [{row['low']:.3g}–{row['high']:.3g}]" if row["low"] is not None else ""
        case = f"{row['operation']} {row['label']} {row['dtype']}"
        out.append(f"{row['contender'] + ' vs ' + row['other']:>16}  {case:<38} {row['ratio']:>8.3g}x{interval:<18}")
        out.append(f"{'':>18}{row['sentence']}")
    if not rows:
        out.append("   no headline case was measured in this run (see --operations and --max-size)")
    return out


def side_by_side(documents: list[dict], names: list[str]) -> str:
    """Markdown: each headline ratio in every run, their median, and each run's distance from it."""
    keyed = [{tuple(r[name] for name in ("contender", "other", "operation", "label", "dtype")): r
              for r in document.get("summary") or measured(document["results"])} for document in documents]
    header = ("| ratio | " + " | ".join(names) + " | median | largest distance from the median |\n"
              "|---|" + "---|" * (len(names) + 2))
    body = []
    for case, mark in marked(Ratio):
        key = _key(case, mark)
        rows = [run.get(key) for run in keyed]
        values = [row["ratio"] for row in rows if row]
        if not values:
            continue
        middle = statistics.median(values)
        cells = [f"{row['ratio']:.3g}" + (f" [{row['low']:.3g}–{row['high']:.3g}]" if row["low"] is not None else "")
                 if row else "not run" for row in rows]
        worst = max(abs(value / middle - 1) for value in values)
        body.append(f"| {mark.contender} vs {mark.other}, {case.operation} {case.label} {case.dtype} | "
                    + " | ".join(cells) + f" | {middle:.3g} | {worst:.0%} |")
    return header + "\n" + "\n".join(body)
