"""Build the walkthrough as HTML pages: each chapter executed as a notebook, its printed output as
it ran on this machine (named on the page), its plots and diagrams inline, links to the previous and
next chapter, and an index of the chapters with one line on each.

    python -m backends.walkthrough.pages OUT                  # from the repository's root
    NN_WALKTHROUGH_FAST=1 python -m backends.walkthrough.pages OUT   # small and short, as CI builds it
    python -m backends.walkthrough.pages OUT --notebooks docs/walkthrough/executed   # the committed notebooks

Needs the `docs` extra (`pip install -e '.[docs]'`: jupytext, nbclient, ipykernel, nbconvert). A
chapter whose cell raises stops the build with that cell's traceback. The pages load nothing from
the network: the pictures are embedded, and MathJax and require.js are left out (no page needs them).
What only a terminal needs stays off the pages: the numba backend's "compiling ..." notices on
stderr, and the kernel's own start-up warnings (it talks to the build over local sockets, not TCP).
"""

from __future__ import annotations

import argparse
import hashlib
import html
import os
import sys
import tempfile
import time
from pathlib import Path

from ..atomic_files import write_text

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


def machine() -> str:
    """Where the chapters were executed: the CPU, its CPU count, the date, the mode."""
    from .. import teaching
    from ..benchmarking.timing import cpu_model

    mode = "fast mode (small sizes, short timings)" if teaching.FAST else "full size"
    return (f"Executed on {cpu_model()}, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d')}, {mode}; every "
            "timing is this machine's, with its interval, and says when other programs used the CPU meanwhile.")


write = write_text  # each page, notebook and index whole or not at all


def fingerprint(chapter: Path) -> str:
    """The chapter's source as a hash: an executed notebook records the one it ran."""
    return hashlib.sha256(chapter.read_bytes()).hexdigest()


def save_notebook(notebook, chapter: Path, folder: Path, named: list[tuple[str, str]], index: int) -> None:
    """The executed chapter as `folder/<chapter>.ipynb` (GitHub shows it with its output and plots),
    recording the hash of the source it ran, with links to its neighbours and the machine at its foot."""
    import nbformat

    links = [f"[← {heading}]({name})" for name, heading in named[max(0, index - 1):index]] + ["[all chapters](README.md)"]
    links += [f"[{heading} →]({name})" for name, heading in named[index + 1:index + 2]]
    notebook.cells.append(nbformat.v4.new_markdown_cell(f"{' · '.join(links)}\n\n*{machine()}*"))
    notebook.metadata["nn_backends"] = {"chapter": chapter.name, "chapter_sha256": fingerprint(chapter)}
    write(folder / f"{chapter.stem}.ipynb", nbformat.writes(notebook))


def build(out: Path, folder: Path = CHAPTERS, notebooks: Path | None = None, only=()) -> list[Path]:
    """Build the chapters' pages (those whose number is in `only`, or all) and `index.html` into
    `out`, and with `notebooks` the executed chapters as notebooks there, with a README.md listing
    them; returns the pages built, in order."""
    out.mkdir(parents=True, exist_ok=True)
    plots = out / "plots"
    plots.mkdir(exist_ok=True)
    os.environ["NN_WALKTHROUGH_OUTPUT"] = str(plots)  # the kernels inherit it
    # side_by_side shares this width among its columns (wrapping long lines); a page's output area holds ~110
    os.environ["COLUMNS"] = "110"
    # tqdm.auto warns in a kernel without ipywidgets; the library's progress bars are off in every chapter
    os.environ["PYTHONWARNINGS"] = "ignore:IProgress not found"
    import jupytext
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", mathjax_url="", require_js_url="", jquery_url="")
    every = chapters(folder)
    sources = [jupytext.read(chapter) for chapter in every]  # titles and summaries need no execution
    named = [(f"{chapter.stem}.html", title(source)) for chapter, source in zip(every, sources)]
    built = []
    for index, chapter in enumerate(every):
        if only and chapter.name[:2] not in only:
            continue
        start = time.perf_counter()
        notebook = execute(chapter, plots)
        print(f"built {chapter.name} in {time.perf_counter() - start:.1f} s", flush=True)
        page, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": named[index][1]}})
        nav = navigation(named, index)
        head, body = page.split("<body", 1)
        opening, rest = body.split(">", 1)
        foot = f'<p style="margin:1em 2em;color:#555">{html.escape(machine())}</p>'
        write(out / named[index][0], f"{head}<body{opening}>{nav}{rest.replace('</body>', foot + nav + '</body>')}")
        built.append(out / named[index][0])
        if notebooks:
            notebooks.mkdir(parents=True, exist_ok=True)
            save_notebook(notebook, chapter, notebooks, [(f"{c.stem}.ipynb", h) for c, (_, h) in zip(every, named)], index)
    items = [(name, heading, summary(source)) for (name, heading), source in zip(named, sources)]
    listed = "\n".join(f'<li><a href="{name}">{html.escape(heading)}</a>: {html.escape(line)}</li>'
                       for name, heading, line in items)
    write(out / "index.html", "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>nn-backends: the walkthrough"
                              "</title></head>\n<body><h1>nn-backends: the walkthrough</h1>\n"
                              f"<ol>\n{listed}\n</ol>\n</body></html>\n")
    if notebooks:
        listed = "".join(f"{number}. [{heading}]({name.replace('.html', '.ipynb')}): {line}\n"
                         for number, (name, heading, line) in enumerate(items, 1))
        write(notebooks / "README.md", "# The walkthrough, executed\n\nEach chapter as it ran, with its output and "
                                       "plots (the machine is named at the foot of each). Rebuilt by `python -m "
                                       "backends.walkthrough.pages walkthrough-pages --notebooks docs/walkthrough/"
                                       "executed`; `tests/test_walkthrough_executed.py` fails when a chapter changed "
                                       f"and its notebook here was not rebuilt.\n\n{listed}")
    print(f"pages written: {out / 'index.html'}")
    return built


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backends.walkthrough.pages", description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to write the pages into (created if missing)")
    parser.add_argument("--chapters", type=Path, default=CHAPTERS, help="folder holding the chapters")
    parser.add_argument("--notebooks", type=Path, help="also write the executed chapters as notebooks here "
                                                       "(the committed ones: docs/walkthrough/executed)")
    parser.add_argument("--only", nargs="+", default=(), metavar="NN", help="build only these chapters (01 ... 08)")
    args = parser.parse_args(argv)
    try:
        import jupytext, nbclient, nbconvert  # noqa: F401
    except ImportError as error:
        print(f"the pages need the docs extra: pip install -e '.[docs]' ({error})", file=sys.stderr)
        return 2
    build(args.out.resolve(), args.chapters, args.notebooks.resolve() if args.notebooks else None, args.only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
