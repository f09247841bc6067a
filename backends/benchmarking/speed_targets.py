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

from .cases import Case, marked
from .report import case_rows, format_seconds, ratio_between
from .workloads import Headline, Target


def medians(results: list[dict], case: Case) -> dict[str, float]:
    """Each contender's median time on one case's bench row."""
    return {contender: row["median"] for contender, row in case_rows(results, case.operation, case.label,
                                                                     case.dtype).items()}


def ratio(case: Case, target: Target, results: list[dict]) -> float | None:
    """The other's time over the contender's: the median of the per-round ratios (`report.ratio_of`)."""
    found = ratio_between(results, case.operation, case.label, case.dtype, target.contender, target.other)
    return None if found is None else found[0]


def column_header(settings: dict) -> str:
    isa = settings.get("numba_isa", "numba's target not recorded").split(":")[0]
    return f"{settings.get('cpu_model', 'a CPU')}, numba {isa}, BLAS {settings.get('blas', '?')}"


def cell(case: Case, target: Target, results: list[dict]) -> str:
    value = ratio(case, target, results)
    if value is None:
        return "not run"
    return f"{value:.2f}× " + ("met" if value >= target.at_least else "**not met**")


def markdown(documents: list[dict]) -> str:
    """The targets table for result documents ({"settings": ..., "results": ...}), one column each."""
    header = "| target | " + " | ".join(column_header(document["settings"]) for document in documents) + " |"
    lines = [header, "|---|" + "---|" * len(documents)]
    for case, target in marked(Target):
        lines.append(f"| {target.text} | " + " | ".join(cell(case, target, document["results"])
                                                       for document in documents) + " |")
    return "\n".join(lines)


HEADLINE_CONTENDERS = ("python", "numpy", "numba", "blas", "torch")


def headline(document: dict) -> str:
    """The headline table of one result document: median time per call (per step), fastest in bold."""
    lines = ["| median time (per step for training) | " + " | ".join(HEADLINE_CONTENDERS) + " |",
             "|---|" + "---|" * len(HEADLINE_CONTENDERS)]
    for case, row in marked(Headline):
        times = medians(document["results"], case)
        fastest = min(times.values()) if times else None
        cells = [("**" + format_seconds(times[name]) + "**" if times[name] == fastest else format_seconds(times[name]))
                 if name in times else "—" for name in HEADLINE_CONTENDERS]
        lines.append(f"| {row.text} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
