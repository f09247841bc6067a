"""Build the walkthrough as HTML pages: each chapter executed as a notebook, its printed output as
it ran on this machine, its plots and diagrams inline, and an index linking the chapters.

    python -m backends.walkthrough.pages OUT                  # from the repository's root
    NN_WALKTHROUGH_FAST=1 python -m backends.walkthrough.pages OUT   # small and short, as CI builds it

Needs the `docs` extra (`pip install -e '.[docs]'`: jupytext, nbclient, ipykernel, nbconvert). A
chapter whose cell raises stops the build with that cell's traceback. The pages load nothing from
the network: the pictures are embedded, and MathJax and require.js are left out (no page needs them).
"""

from __future__ import annotations

import argparse
import html
import os
import sys
import time
from pathlib import Path

CHAPTERS = Path(__file__).resolve().parents[2] / "docs" / "walkthrough"
#: Seconds one cell may run before the build gives up on it.
CELL_TIMEOUT = 900


def chapters(folder: Path = CHAPTERS) -> list[Path]:
    return sorted(folder.glob("[0-9][0-9]_*.py"))


def title(notebook) -> str:
    """The chapter's title: the first heading of its first markdown cell."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "untitled"


def build_page(chapter: Path, out: Path, plots: Path) -> tuple[Path, str]:
    """Execute one chapter as a notebook (plots into `plots`) and write it as `out/<chapter>.html`."""
    import jupytext
    import nbclient
    from nbconvert import HTMLExporter

    notebook = jupytext.read(chapter)
    notebook.cells = [cell for cell in notebook.cells if cell.source.strip()]
    nbclient.NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(plots)}}).execute()
    exporter = HTMLExporter(template_name="lab", mathjax_url="", require_js_url="", jquery_url="")
    page, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": title(notebook)}})
    path = out / f"{chapter.stem}.html"
    path.write_text(page, encoding="utf-8")
    return path, title(notebook)


def build(out: Path, folder: Path = CHAPTERS) -> list[Path]:
    """Build every chapter's page and `index.html` into `out`; returns the chapters' pages in order."""
    out.mkdir(parents=True, exist_ok=True)
    plots = out / "plots"
    plots.mkdir(exist_ok=True)
    os.environ["NN_WALKTHROUGH_OUTPUT"] = str(plots)  # the kernels inherit it
    # side_by_side shares this width among its columns (wrapping long lines); a page's output area holds ~110
    os.environ["COLUMNS"] = "110"
    # tqdm.auto warns in a kernel without ipywidgets; the library's progress bars are off in every chapter
    os.environ["PYTHONWARNINGS"] = "ignore:IProgress not found"
    pages = []
    for chapter in chapters(folder):
        start = time.perf_counter()
        pages.append(build_page(chapter, out, plots))
        print(f"built {chapter.name} in {time.perf_counter() - start:.1f} s", flush=True)
    links = "\n".join(f'<li><a href="{path.name}">{html.escape(name)}</a></li>' for path, name in pages)
    (out / "index.html").write_text(
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>nn-backends: the walkthrough</title></head>\n"
        f"<body><h1>nn-backends: the walkthrough</h1>\n<ol>\n{links}\n</ol></body></html>\n", encoding="utf-8")
    print(f"pages written: {out / 'index.html'}")
    return [path for path, _ in pages]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backends.walkthrough.pages", description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to write the pages into (created if missing)")
    parser.add_argument("--chapters", type=Path, default=CHAPTERS, help="folder holding the chapters")
    args = parser.parse_args(argv)
    try:
        import jupytext, nbclient, nbconvert  # noqa: F401
    except ImportError as error:
        print(f"the pages need the docs extra: pip install -e '.[docs]' ({error})", file=sys.stderr)
        return 2
    build(args.out.resolve(), args.chapters)
    return 0


if __name__ == "__main__":
    sys.exit(main())
