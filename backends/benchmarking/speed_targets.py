"""The numba backend's speed targets, read from `nn-backends bench` result files, as one table.

    nn-backends targets docs/bench-results.json docs/bench-results-avx2.json
    nn-backends targets --headline docs/bench-results.json

prints a Markdown table (with --headline, the README's headline table of one file instead:
every contender's time on the rows a user comes for): one row per target, one column per result file (each file's CPU, the ISA
Numba compiled for and its BLAS in the header), each cell the measured ratio and whether it meets
the target. The README's two tables are this command's output for the committed files (a test
compares them), so no figure in them is typed by hand.

Every ratio is a ratio of speeds, the other contender's median time over the one the target is
about (numba, unless it says otherwise): above 1, that one is the faster. A target whose rows a file lacks (PyTorch not installed, say) reads "not run".
"""

from __future__ import annotations

from dataclasses import dataclass

from .report import case_rows, ratio_between

DENSE_SIZES = (256, 1024)
FIT_MODEL_LABELS = ("1000x1x64x64x1-sine", "300x2x64x3-momentum", "300x2x64x3-dropout-l2", "200x2x64x1-binary")


def medians(results: list[dict], operation: str, label: str, dtype: str) -> dict[str, float]:
    """Each contender's median time on one bench row (operation, label, dtype)."""
    return {contender: row["median"] for contender, row in case_rows(results, operation, label, dtype).items()}


@dataclass(frozen=True)
class Target:
    """`contender` at least `at_least` times as fast as `other` on one bench row."""

    text: str
    operation: str
    label: str
    dtype: str
    other: str
    at_least: float
    contender: str = "numba"

    def ratio(self, results: list[dict]) -> float | None:
        """The other's time over the contender's: the median of the per-round ratios (`report.ratio_of`)."""
        ratio = ratio_between(results, self.operation, self.label, self.dtype, self.contender, self.other)
        return None if ratio is None else ratio[0]


def _targets() -> list[Target]:
    targets = []
    for operation in ("dense_forward", "matmul"):
        for dtype in ("float64", "float32"):
            for n in DENSE_SIZES:
                targets.append(Target(f"{operation} {n}³ {dtype}: numba ≥ 0.85× BLAS's speed", operation,
                                      f"{n}x{n}x{n}", dtype, "blas", 0.85))
    for label, other, at_least, text in (("3x4x3", "numpy", 1.0, "no slower than numpy"),
                                         ("16x16x16", "numpy", 1.0, "no slower than numpy"),
                                         ("32x64x64", "numpy", 1.25, "≤ 0.8× numpy's time")):
        targets.append(Target(f"dense_forward {label.replace('x', '×')}: numba {text}", "dense_forward", label,
                              "float64", other, at_least))
    minibatch, spiral, mnist = "4000x40x100x10x100", "300x2x64x3", "128x784x128x10"
    targets += [
        Target("spiral step (`train_step`): numba ≥ 4× PyTorch", "training_step", spiral, "float64", "torch", 4.0),
        Target("… numba ≥ 2× numpy", "training_step", spiral, "float64", "numpy", 2.0),
        Target("… numpy ≥ 2× PyTorch", "training_step", spiral, "float64", "torch", 2.0, contender="numpy"),
        Target("spiral step through `fit` (full-batch epoch): numba ≥ 4× PyTorch", "fit_full_batch", spiral,
               "float64", "torch", 4.0),
        Target("MNIST-sized step, float32: numba ≤ 0.7× PyTorch's time", "training_step", mnist, "float32",
               "torch", 1 / 0.7),
        Target("mini-batch epoch, numpy ≥ 2× PyTorch", "minibatch_epoch", minibatch, "float64", "torch", 2.0,
               contender="numpy"),
        Target("mini-batch epoch (40→100→100→10, Adam, batches of 100): numba ≥ 1.5× numpy", "minibatch_epoch",
               minibatch, "float64", "numpy", 1.5),
        Target("… numba ≥ 3.5× PyTorch", "minibatch_epoch", minibatch, "float64", "torch", 3.5),
        Target("spiral step through `fit`: numba ≥ 2× numpy", "fit_full_batch", spiral, "float64", "numpy", 2.0),
        Target("MNIST-sized step, float32: numba no slower than numpy", "training_step", mnist, "float32",
               "numpy", 1.0),
    ]
    for label in FIT_MODEL_LABELS:
        targets.append(Target(f"`fit_models` {label.split('-', 1)[1]}: numba ≥ 2× numpy", "fit_models", label,
                              "float64", "numpy", 2.0))
    return targets


TARGETS = _targets()


def column_header(settings: dict) -> str:
    isa = settings.get("numba_isa", "numba's target not recorded").split(":")[0]
    return f"{settings.get('cpu_model', 'a CPU')}, numba {isa}, BLAS {settings.get('blas', '?')}"


def cell(target: Target, results: list[dict]) -> str:
    ratio = target.ratio(results)
    if ratio is None:
        return "not run"
    return f"{ratio:.2f}× " + ("met" if ratio >= target.at_least else "**not met**")


def markdown(documents: list[dict]) -> str:
    """The targets table for result documents ({"settings": ..., "results": ...}), one column each."""
    header = "| target | " + " | ".join(column_header(document["settings"]) for document in documents) + " |"
    lines = [header, "|---|" + "---|" * len(documents)]
    for target in TARGETS:
        lines.append(f"| {target.text} | " + " | ".join(cell(target, document["results"]) for document in documents)
                     + " |")
    return "\n".join(lines)


#: The headline rows of the README: (what the row is, operation, label, dtype), each with every
#: contender's median time per call (per step for the training rows).
HEADLINE_ROWS = (
    ("dense forward 3×4×3 (the book's layer)", "dense_forward", "3x4x3", "float64"),
    ("dense forward 64×64×64", "dense_forward", "64x64x64", "float64"),
    ("dense forward 100×100×100 (a mini-batch layer)", "dense_forward", "100x100x100", "float64"),
    ("dense forward 1024³", "dense_forward", "1024x1024x1024", "float64"),
    ("dense forward 1024³, float32", "dense_forward", "1024x1024x1024", "float32"),
    ("spiral 2→64→3, 300 samples, Adam: one training step", "training_step", "300x2x64x3", "float64"),
    ("… the same, one full-batch epoch of `Model.fit`", "fit_full_batch", "300x2x64x3", "float64"),
    ("MNIST-sized 784→128→10, batch 128, float32: one training step", "training_step", "128x784x128x10",
     "float32"),
    ("one `fit` epoch, spiral, mini-batches of 32", "fit_epoch", "300x2x64x3x32", "float64"),
    ("4000×40, 40→100→100→10, Adam, batches of 100: per step", "minibatch_epoch", "4000x40x100x10x100",
     "float64"),
)
HEADLINE_CONTENDERS = ("python", "numpy", "numba", "blas", "torch")


def _time(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def headline(document: dict) -> str:
    """The headline table of one result document: median time per call (per step), fastest in bold."""
    lines = ["| median time (per step for training) | " + " | ".join(HEADLINE_CONTENDERS) + " |",
             "|---|" + "---|" * len(HEADLINE_CONTENDERS)]
    for text, operation, label, dtype in HEADLINE_ROWS:
        times = medians(document["results"], operation, label, dtype)
        fastest = min(times.values()) if times else None
        cells = [("**" + _time(times[name]) + "**" if times[name] == fastest else _time(times[name]))
                 if name in times else "—" for name in HEADLINE_CONTENDERS]
        lines.append(f"| {text} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
