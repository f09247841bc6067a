"""The walkthrough's HTML pages (`python -m backends.walkthrough.pages OUT`) build in fast mode and
render in a real browser: headless Chromium (Debian's `chromium` package) opens every page, and a
probe script added to a copy of it counts the images the browser decoded, the output areas and any
traceback, into attributes that `--dump-dom` then prints."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from test_walkthrough import CHAPTERS, PLOTS, ROOT, _environment

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
PROBE = """<script>window.addEventListener("load", () => {
  const images = Array.from(document.images), body = document.body;
  body.setAttribute("data-images", images.length);
  body.setAttribute("data-rendered", images.filter(i => i.complete && i.naturalWidth > 0).length);
  body.setAttribute("data-outputs", document.querySelectorAll(".jp-OutputArea-output").length);
  body.setAttribute("data-tracebacks", (body.innerText.match(/Traceback \\(most recent call last\\)/g) || []).length);
  body.setAttribute("data-stderr", document.querySelectorAll("[data-mime-type='application/vnd.jupyter.stderr']").length);
});</script>"""
BUILD_TIMEOUT = 1800

pytestmark = [
    pytest.mark.slow,  # a full build of every page (about a minute on 2 cores): CI's slow run, not the README's
    pytest.mark.skipif(CHROMIUM is None, reason="no headless browser: apt-get install chromium"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    for module in ("jupytext", "nbclient", "nbconvert", "ipykernel"):
        pytest.importorskip(module, reason="the docs extra is not installed: pip install -e '.[docs]'")
    out = tmp_path_factory.mktemp("pages")
    run = subprocess.run([sys.executable, "-m", "backends.walkthrough.pages", str(out)], cwd=out,
                         env=_environment(out / "unused"), capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    assert run.returncode == 0, f"the pages did not build:\n{run.stdout[-3000:]}\n{run.stderr[-5000:]}"
    assert "WARNING" not in run.stderr, f"the build's kernels warned:\n{run.stderr[-3000:]}"
    return out


def rendered(page: Path) -> dict:
    """What headless Chromium made of `page`: the probe's counts."""
    probed = page.with_name(page.stem + ".probed.html")
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        run = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                              "--no-first-run", "--disable-background-networking", "--disable-component-update",
                              "--disable-sync", f"--user-data-dir={profile}", "--dump-dom", probed.as_uri()],
                             capture_output=True, text=True, timeout=120)
    probed.unlink()
    body = re.search(r"<body[^>]*>", run.stdout)
    assert body, f"Chromium printed no page for {page.name}:\n{run.stderr[-2000:]}"
    return {name: int(value) for name, value in re.findall(r'data-(images|rendered|outputs|tracebacks|stderr)="(\d+)"',
                                                             body.group(0))}


def test_there_is_a_page_per_chapter_and_an_index_linking_them(pages):
    index = (pages / "index.html").read_text()
    for chapter in CHAPTERS:
        assert (pages / f"{chapter.stem}.html").is_file()
        assert f'href="{chapter.stem}.html"' in index
    assert index.count("</a>: ") == len(CHAPTERS), "a line on each chapter"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_page_renders_its_pictures_and_output_without_an_error_cell(pages, chapter):
    seen = rendered(pages / f"{chapter.stem}.html")
    assert seen.keys() == {"images", "rendered", "outputs", "tracebacks", "stderr"}, "the probe did not run"
    assert seen["images"] == len(PLOTS.get(chapter.name[:2], [])), "every plot of the chapter is on its page"
    assert seen["rendered"] == seen["images"], "every image decodes and has a size"
    assert seen["outputs"] > 0, "the printed output is on the page"
    assert seen["tracebacks"] == 0, "no cell failed"
    assert seen["stderr"] == 0, "no stderr box (compile notices, warnings) on the page"
    text = (pages / f"{chapter.stem}.html").read_text(encoding="utf-8")
    assert "plot saved:" not in text and str(pages) not in text, "no file path on the page"
    assert 'href="index.html"' in text and "Executed on " in text
