"""Build the walkthrough as HTML pages: each chapter executed as a notebook, its printed output as
it ran on this machine (named on the page), its plots and diagrams inline, links to the previous and
next chapter, and an index of the chapters with one line on each.

    python -m backends.walkthrough.pages OUT                  # from the repository's root
    NN_WALKTHROUGH_FAST=1 python -m backends.walkthrough.pages OUT   # small and short, as CI builds it

Needs the `docs` extra (`pip install -e '.[docs]'`: jupytext, nbclient, ipykernel, nbconvert). A
chapter whose cell raises stops the build with that cell's traceback. The pages load nothing from
the network: the pictures are embedded, and MathJax and require.js are left out (no page needs them).
What only a terminal needs stays off the pages: the numba backend's "compiling ..." notices on
stderr, and the kernel's own start-up warnings (it talks to the build over local sockets, not TCP).
"""

from __future__ import annotations

import argparse
import html
import os
import sys
import tempfile
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


def summary(notebook) -> str:
    """The chapter's first sentence after its title: the index's line on it."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            text = " ".join(line.strip() for line in cell.source.splitlines() if not line.startswith("#"))
            return text.split(". ")[0].strip().rstrip(".") + "." if text.strip() else ""
    return ""


#: The first words of a line the numba backend writes on stderr while it compiles (`first_use`).
COMPILE_NOTICE = "nn-backends: compiling the numba kernel"


def without_notices(notebook) -> None:
    """Drop the compile notices from every cell's stderr, and a stderr output left empty by it."""
    for cell in notebook.cells:
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                output["text"] = "".join(line for line in output["text"].splitlines(keepends=True)
                                         if not line.startswith(COMPILE_NOTICE))
                if not output["text"].strip():
                    continue
            kept.append(output)
        if cell.cell_type == "code":
            cell.outputs = kept


def execute(chapter: Path, plots: Path):
    """The chapter as a notebook, executed in a fresh kernel (local sockets), compile notices dropped."""
    import jupytext
    import nbclient
    from jupyter_client import KernelManager

    notebook = jupytext.read(chapter)
    notebook.cells = [cell for cell in notebook.cells if cell.source.strip()]
    with tempfile.TemporaryDirectory() as sockets:  # ipc sockets are files: an absolute path, outside the pages
        kernel = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(sockets) / "kernel"))
        try:
            nbclient.NotebookClient(notebook, km=kernel, timeout=CELL_TIMEOUT,
                                    resources={"metadata": {"path": str(plots)}}).execute()
        finally:
            if kernel.has_kernel:
                kernel.shutdown_kernel(now=True)
    without_notices(notebook)
    return notebook


def navigation(pages: list[tuple[str, str]], index: int) -> str:
    """Links to the index and the previous and next chapter (pages: (file name, title) in order)."""
    links = ['<a href="index.html">all chapters</a>']
    if index > 0:
        links.insert(0, f'<a href="{pages[index - 1][0]}">← {html.escape(pages[index - 1][1])}</a>')
    if index + 1 < len(pages):
        links.append(f'<a href="{pages[index + 1][0]}">{html.escape(pages[index + 1][1])} →</a>')
    return f'<nav style="margin:1em 2em;display:flex;justify-content:space-between">{" ".join(links)}</nav>'


def machine_line() -> str:
    """Where the page was executed: the CPU, its thread counts, the date."""
    from ..benchmarking.timing import cpu_model

    return (f'<p style="margin:1em 2em;color:#555">Executed on {html.escape(cpu_model())}, {os.cpu_count()} CPUs, '
            f'{time.strftime("%Y-%m-%d")}; every timing on it is this machine\'s, with its interval.</p>')


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
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", mathjax_url="", require_js_url="", jquery_url="")
    executed = []
    for chapter in chapters(folder):
        start = time.perf_counter()
        executed.append((chapter, execute(chapter, plots)))
        print(f"built {chapter.name} in {time.perf_counter() - start:.1f} s", flush=True)
    named = [(f"{chapter.stem}.html", title(notebook)) for chapter, notebook in executed]
    for index, (chapter, notebook) in enumerate(executed):
        page, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": named[index][1]}})
        nav = navigation(named, index)
        head, body = page.split("<body", 1)
        opening, rest = body.split(">", 1)
        rest = rest.replace("</body>", f"{machine_line()}{nav}</body>")
        (out / named[index][0]).write_text(f"{head}<body{opening}>{nav}{rest}", encoding="utf-8")
    items = "\n".join(f'<li><a href="{name}">{html.escape(heading)}</a>: {html.escape(summary(notebook))}</li>'
                      for (name, heading), (_, notebook) in zip(named, executed))
    (out / "index.html").write_text(
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>nn-backends: the walkthrough</title></head>\n"
        f"<body><h1>nn-backends: the walkthrough</h1>\n<ol>\n{items}\n</ol>\n{machine_line()}</body></html>\n",
        encoding="utf-8")
    print(f"pages written: {out / 'index.html'}")
    return [out / name for name, _ in named]


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
