"""Every relative link in the docs resolves: README.md, ARCHITECTURE.md, CHANGELOG.md and every
Markdown file under docs/. A link's file must exist (relative to the page that links it), and its
`#anchor` must be a heading of the page it points to, spelled as GitHub spells anchors. Every path
a page names in backticks as a file or folder of the repository (`backends/validation/`,
`tests/conformance/test_training.py`) must exist too, so a moved file cannot leave a stale pointer.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([ROOT / "README.md", ROOT / "ARCHITECTURE.md", ROOT / "CHANGELOG.md", *(ROOT / "docs").rglob("*.md")])

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
#: `path` in backticks, starting at a top-level folder of the repository
NAMED_PATH = re.compile(r"`((?:backends|tests|docs|tools|examples|bench|\.ci)/[\w./-]*)`")
#: paths that exist only after a run (Numba's cache)
MADE_BY_A_RUN = ("backends/__pycache__",)


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`|\*\*|\*|_(?=\W|$)", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text())
    return {anchor(line.lstrip("#")) for line in text.splitlines() if re.match(r"#{1,6} ", line)}


def _id(page):
    return str(page.relative_to(ROOT))


@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_every_relative_link_and_anchor_resolves(page):
    broken = []
    for target in LINK.findall(FENCE.sub("", page.read_text())):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        path, _, fragment = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif fragment and linked.suffix == ".md" and fragment not in anchors(linked):
            broken.append(f"{target}: no heading #{fragment} in {_id(linked)}")
    assert not broken, f"{_id(page)}: " + "; ".join(broken)


@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_every_path_named_in_backticks_exists(page):
    missing = [path for path in NAMED_PATH.findall(page.read_text())
               if not path.startswith(MADE_BY_A_RUN) and not (ROOT / path).exists()]
    assert not missing, f"{_id(page)} names paths that do not exist: {', '.join(missing)}"


def test_anchors_are_spelled_as_github_spells_them():
    assert anchor("4. Run the conformance suite") == "4-run-the-conformance-suite"
    assert anchor("The interface in ten lines") == "the-interface-in-ten-lines"
    assert anchor("`nn-backends bench`: the flags") == "nn-backends-bench-the-flags"
