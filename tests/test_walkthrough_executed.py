"""The executed chapters committed in `docs/walkthrough/executed/` (notebooks GitHub shows with their
output and plots, for a learner who has not installed anything) are those of the chapters as they
are now: each records the hash of the source it ran, and a chapter changed without its notebook
rebuilt fails here, with the command that rebuilds it."""

import json

import pytest

from backends.walkthrough import pages
from test_walkthrough import CHAPTERS, ROOT

EXECUTED = ROOT / "docs" / "walkthrough" / "executed"
REBUILD = "python -m backends.walkthrough.pages walkthrough-pages --notebooks docs/walkthrough/executed --only"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_each_chapter_has_its_executed_notebook_of_its_current_source(chapter):
    path = EXECUTED / f"{chapter.stem}.ipynb"
    assert path.is_file(), f"no executed notebook of {chapter.name}: run {REBUILD} {chapter.name[:2]}"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    recorded = notebook["metadata"]["nn_backends"]
    assert recorded["chapter_sha256"] == pages.fingerprint(chapter), \
        f"{chapter.name} changed since its notebook was executed: run {REBUILD} {chapter.name[:2]}"
    outputs = [output for cell in notebook["cells"] for output in cell.get("outputs", [])]
    assert any(output.get("name") == "stdout" for output in outputs), "the notebook holds its printed output"
    assert not any(output.get("name") == "stderr" for output in outputs), "no stderr on a committed page"
    assert "Executed on " in "".join(notebook["cells"][-1]["source"]), "the machine is named at its foot"


def test_the_executed_chapters_are_listed_with_a_line_each():
    listed = (EXECUTED / "README.md").read_text(encoding="utf-8")
    for chapter in CHAPTERS:
        assert f"]({chapter.stem}.ipynb): " in listed
