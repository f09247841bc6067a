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
from dataclasses import dataclass

from .report import ratio_between

NAMES = {"python": "pure Python", "numpy": "the numpy backend", "numba": "the numba backend", "blas": "BLAS",
         "torch": "PyTorch"}


@dataclass(frozen=True)
class HeadlineRatio:
    contender: str
    other: str
    operation: str
    label: str
    dtype: str
    what: str  # the case in words

    def measure(self, results: list[dict]) -> tuple[float, float | None, float | None] | None:
        return ratio_between(results, self.operation, self.label, self.dtype, self.contender, self.other)

    def sentence(self, ratio: tuple) -> str:
        value, low, high = ratio
        who, other = NAMES.get(self.contender, self.contender), NAMES.get(self.other, self.other)
        if low is None:
            interval = ""
        elif low <= 1 <= high:
            return (f"On {self.what}, {who} and {other} are within noise of each other "
                    f"({value:.3g}x, 95% interval {low:.3g}–{high:.3g}x).")
        else:
            interval = f" (95% interval {low:.3g}–{high:.3g}x)" if value >= 1 else \
                f" (95% interval {1 / high:.3g}–{1 / low:.3g}x)"
        if value >= 1:
            return f"On {self.what}, {who} ran {value:.3g}x as fast as {other}{interval}."
        return f"On {self.what}, {who} took {1 / value:.3g}x the time of {other}{interval}."


SPIRAL, MNIST, MINIBATCH = "300x2x64x3", "128x784x128x10", "4000x40x100x10x100"
HEADLINE_RATIOS = (
    HeadlineRatio("numba", "python", "dense_forward", "100x100x100", "float64", "a 100×100×100 dense layer"),
    HeadlineRatio("numpy", "python", "dense_forward", "100x100x100", "float64", "a 100×100×100 dense layer"),
    HeadlineRatio("numba", "numpy", "dense_forward", "32x64x64", "float64",
                  "a 32×64×64 dense layer, where per-call costs still count"),
    HeadlineRatio("numba", "blas", "dense_forward", "1024x1024x1024", "float64", "a 1024³ dense layer"),
    HeadlineRatio("numba", "blas", "dense_forward", "1024x1024x1024", "float32", "a 1024³ dense layer in float32"),
    HeadlineRatio("numpy", "blas", "dense_forward", "1024x1024x1024", "float64", "a 1024³ dense layer"),
    HeadlineRatio("numba", "torch", "dense_forward", "1024x1024x1024", "float64", "a 1024³ dense layer"),
    HeadlineRatio("numba", "numpy", "training_step", SPIRAL, "float64", "one spiral training step (2→64→3, Adam)"),
    HeadlineRatio("numba", "torch", "training_step", SPIRAL, "float64", "one spiral training step"),
    HeadlineRatio("numpy", "torch", "training_step", SPIRAL, "float64", "one spiral training step"),
    HeadlineRatio("numba", "numpy", "fit_full_batch", SPIRAL, "float64", "a full-batch spiral epoch of Model.fit"),
    HeadlineRatio("numba", "numpy", "minibatch_epoch", MINIBATCH, "float64",
                  "a mini-batch epoch (4000 samples, 40→100→100→10, batches of 100)"),
    HeadlineRatio("numba", "torch", "minibatch_epoch", MINIBATCH, "float64", "the same mini-batch epoch"),
    HeadlineRatio("numba", "torch", "training_step", MNIST, "float32", "an MNIST-sized float32 training step"),
)


def measured(results: list[dict]) -> list[dict]:
    """The headline ratios this run measured, as JSON-ready rows with their sentences."""
    rows = []
    for headline in HEADLINE_RATIOS:
        ratio = headline.measure(results)
        if ratio is not None:
            rows.append({"contender": headline.contender, "other": headline.other, "operation": headline.operation,
                         "label": headline.label, "dtype": headline.dtype, "ratio": ratio[0], "low": ratio[1],
                         "high": ratio[2], "sentence": headline.sentence(ratio)})
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
    keyed = [{(r["contender"], r["other"], r["operation"], r["label"], r["dtype"]): r
              for r in document.get("summary") or measured(document["results"])} for document in documents]
    header = ("| ratio | " + " | ".join(names) + " | median | largest distance from the median |\n"
              "|---|" + "---|" * (len(names) + 2))
    body = []
    for headline in HEADLINE_RATIOS:
        key = (headline.contender, headline.other, headline.operation, headline.label, headline.dtype)
        rows = [run.get(key) for run in keyed]
        values = [row["ratio"] for row in rows if row]
        if not values:
            continue
        middle = statistics.median(values)
        cells = [f"{row['ratio']:.3g}" + (f" [{row['low']:.3g}–{row['high']:.3g}]" if row["low"] is not None else "")
                 if row else "not run" for row in rows]
        worst = max(abs(value / middle - 1) for value in values)
        body.append(f"| {headline.contender} vs {headline.other}, {headline.operation} {headline.label} "
                    f"{headline.dtype} | " + " | ".join(cells) + f" | {middle:.3g} | {worst:.0%} |")
    return header + "\n" + "\n".join(body)
