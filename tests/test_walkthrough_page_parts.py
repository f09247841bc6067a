"""The parts of a walkthrough page that need no build (`backends.walkthrough.pages`): compile notices
dropped from stderr, previous/next links, the index's line on each chapter. The built pages
themselves are checked in a browser by test_walkthrough_pages.py."""

import pytest

from backends.walkthrough import pages

nbformat = pytest.importorskip("nbformat", reason="the docs extra is not installed: pip install -e '.[docs]'")


def stream(name, text):
    return nbformat.v4.new_output("stream", name=name, text=text)


def test_compile_notices_leave_the_page_and_other_stderr_stays():
    notice = f"{pages.COMPILE_NOTICE} gemm.product for float64 (first use only; cached on disk after)...\n"
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [stream("stderr", notice), stream("stdout", "4.8\n"), stream("stderr", notice + "a real warning\n")]
    notebook = nbformat.v4.new_notebook(cells=[cell])
    pages.without_notices(notebook)
    assert [(o["name"], o["text"]) for o in cell.outputs] == [("stdout", "4.8\n"), ("stderr", "a real warning\n")]


def test_each_page_links_its_neighbours_and_the_index():
    named = [("01_a.html", "1. A"), ("02_b.html", "2. B"), ("03_c.html", "3. C")]
    first, middle, last = (pages.navigation(named, index) for index in range(3))
    assert '<a href="02_b.html">2. B →</a>' in first and "←" not in first
    assert '<a href="01_a.html">← 1. A</a>' in middle and '<a href="03_c.html">3. C →</a>' in middle
    assert "→" not in last and all('href="index.html"' in nav for nav in (first, middle, last))


def test_the_index_line_is_the_chapters_first_sentence():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "# 3. A layer\n\nA layer is several neurons reading the same inputs. A batch is several samples.")])
    assert pages.summary(notebook) == "A layer is several neurons reading the same inputs."
    assert pages.title(notebook) == "3. A layer"
