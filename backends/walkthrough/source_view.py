"""The columns `teaching.side_by_side` prints: the blocks of `followed_source` set side by side in
the terminal's width.

    from backends.walkthrough import source_view
    print(source_view.side_by_side("dense_forward", width=80))   # columns of 24-25, wrapped; the GEMM below

**Columns.** `layout` gives each column its share of the width (a column that needs less gives the
rest to the others), wraps a longer line at a space where it can (the continuation marked with
`CONTINUATION`, no character lost: `unwrap` joins the pieces back) and keeps the columns' rows in
step. Where one column runs on alone (the numba column's followed functions, after the other
two have ended), its functions from the first that would end alone are printed below the
columns, at the full width (`split_tail`). In a column too narrow for the code's deepest
indentation, every line's indentation is halved, and a line continuing a bracket moved left
(`fit_indentation`: only leading blanks change). Narrower than `MIN_COLUMN` a column, it prints
the blocks one after another instead, each wrapped to the width.
"""

from __future__ import annotations

import shutil
import tokenize

from .followed_source import HEADER_LINE, blocks, indentation

#: The narrowest column the side-by-side layout uses; narrower, the blocks go one after another.
MIN_COLUMN = 24
#: Characters of code a column keeps beside its deepest indentation: deeper, the column's
#: indentation is halved (or quartered) so that every line's code starts on its first row.
MIN_CONTENT = 10
#: Between two columns.
SEPARATOR = " | "
#: Starts the continuation of a wrapped line (after the line's indentation, up to a third of the
#: column); a line broken at a space carries that space after it ("↪ weights"), one broken in a
#: word does not ("↪type").
CONTINUATION = "↪"
#: The width when the terminal's is unknown (output to a file or a pipe), as `shutil` is told.
DEFAULT_WIDTH = 200


# ---------------------------------------------------------------- columns

def terminal_width() -> int:
    """The terminal's width (`$COLUMNS` first), DEFAULT_WIDTH when unknown, at least MIN_COLUMN."""
    return max(MIN_COLUMN, shutil.get_terminal_size((DEFAULT_WIDTH, 40)).columns)


def _continuation(line: str, width: int) -> str:
    return " " * min(len(indentation(line)), width // 3) + CONTINUATION


def _break(text: str, room: int) -> int:
    """Where to cut `text` so its first piece has at most `room` characters: the last place in the
    second half of it before a space or a dot, or after an opening bracket, a comma or a keyword
    argument's `=`, else at `room` (a piece never ends in a blank where it can help it: a printed
    column would not show it)."""
    for cut in range(room, max(len(indentation(text)), room // 2), -1):
        before, after = text[cut - 1], text[cut]
        keyword = before == "=" and after not in "= " and text[cut - 2] not in "=<>!+-*/ "
        if before != " " and (after in " ." or before in "([{," or keyword):
            return cut
    return room


def wrap(line: str, width: int) -> list[str]:
    """`line` in pieces of at most `width` characters (`_break` says where); every piece after the
    first starts with the line's indentation (up to a third of `width`) and CONTINUATION. No
    character is lost: `unwrap` joins the pieces back into `line`."""
    if len(line) <= width:
        return [line]
    prefix = _continuation(line, width)
    pieces, rest, room = [], line, width
    while len(rest) > room:
        cut = _break(rest, room)
        pieces.append(rest[:cut])
        rest, room = rest[cut:], max(1, width - len(prefix))
    pieces.append(rest)
    return pieces[:1] + [prefix + piece for piece in pieces[1:]]


def unwrap(pieces: list[str], width: int) -> str:
    """The line `wrap(line, width)` cut into `pieces`."""
    if len(pieces) == 1:
        return pieces[0]
    prefix = _continuation(pieces[0], width)
    return pieces[0] + "".join(piece[len(prefix):] for piece in pieces[1:])


def _statement_lines(lines: list[str]) -> list[int]:
    """The indices of the lines that start a statement (not those inside brackets), by Python's
    tokenizer; every non-blank line when the lines do not tokenize."""
    starts, fresh = [], True
    try:
        for token in tokenize.generate_tokens(iter([line + "\n" for line in lines]).__next__):
            if token.type in (tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT):
                fresh = fresh or token.type == tokenize.NEWLINE
                continue
            if fresh and token.type != tokenize.ENDMARKER:
                starts.append(token.start[0] - 1)
            fresh = False
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return [index for index, line in enumerate(lines) if line.strip()]
    return starts


def fit_indentation(lines: list[str], width: int) -> list[str]:
    """`lines` for a column of `width`: as they are, or with every line's indentation halved (or
    quartered) when the deepest statement leaves fewer than MIN_CONTENT characters for code; a
    line continuing a bracket (whose indentation Python ignores) is moved left until it fits, but
    not past one level inside its statement unless that leaves fewer than MIN_CONTENT characters.
    Only leading blanks change; the code reads the same."""
    statements = set(_statement_lines(lines))
    deepest = max((len(indentation(lines[number])) for number in statements), default=0)
    scale = 1
    while deepest // scale > width - MIN_CONTENT and scale < 4:
        scale *= 2
    room, statement = max(0, width - MIN_CONTENT), 0
    fitted = []
    for number, line in enumerate(lines):
        indent, code = len(indentation(line)) // scale, line.lstrip()
        if number in statements:
            statement = indent
        elif code:  # as far left as it fits, down to one level inside its statement (or to `room`)
            indent = min(indent, max(width - len(code), min(statement + 4, room)))
        fitted.append(" " * indent + code if code else line)
    return fitted


def column_widths(needs: list[int], width: int) -> list[int] | None:
    """Each column's width, given the widest line each needs: a fair share of `width` (less the
    separators), a column needing less than its share leaving the rest to the others. None when a
    column would get less than MIN_COLUMN (or less than it needs, if it needs less)."""
    left = width - len(SEPARATOR) * (len(needs) - 1)
    given = [0] * len(needs)
    for done, index in enumerate(sorted(range(len(needs)), key=needs.__getitem__)):
        given[index] = min(needs[index], left // (len(needs) - done))
        left -= given[index]
    if any(got < min(need, MIN_COLUMN) for got, need in zip(given, needs)):
        return None
    return given


def split_tail(blocks: list[tuple[str, list[str]]]):
    """(the blocks to set side by side, (name, lines) of the tail or None): where one block runs on
    after every other has ended (the numba column's followed functions), its tail, from the first
    function that would end alone in its column, is printed at the full width below the columns.
    The cut falls at a function's header (`header`), so no function is split between the two."""
    lengths = [len(lines) for _, lines in blocks]
    if len(blocks) < 2:
        return blocks, None
    longest = max(range(len(blocks)), key=lengths.__getitem__)
    others_end = max(length for index, length in enumerate(lengths) if index != longest)
    name, lines = blocks[longest]
    starts = [index for index in range(1, len(lines)) if lines[index - 1] == "" and HEADER_LINE.fullmatch(lines[index])]
    for start, end in zip(starts, starts[1:] + [len(lines) + 1]):
        if end - 1 > others_end:
            side = list(blocks)
            side[longest] = (name, lines[:start - 1])
            return side, (name, lines[start:])
    return blocks, None


def continued(name: str) -> str:
    """The line that starts a block's tail."""
    return f"# {name}_backend.py, continued at the full width"


def layout(blocks: list[tuple[str, list[str]]], width: int) -> list[str]:
    """The printed lines: the blocks side by side in columns that fit `width`, long lines wrapped and
    rows kept in step (indentation scaled down in a column too narrow for it, `fit_indentation`),
    and the tail of one that runs on alone (`split_tail`) below them at the full width; one block
    after another (each wrapped to `width`) when the columns would be narrower than MIN_COLUMN."""
    side, tail = split_tail(blocks)
    texts = [lines for _, lines in side]
    widths = column_widths([max(map(len, lines)) for lines in texts], width)
    if widths is None:
        out = []
        for index, (_, lines) in enumerate(blocks):
            out += ([""] if index else []) + [piece for line in lines for piece in wrap(line, width)]
        return out
    texts = [fit_indentation(lines, column) for lines, column in zip(texts, widths)]
    out = []
    for row in range(max(map(len, texts))):
        cells = [wrap(lines[row] if row < len(lines) else "", column) for lines, column in zip(texts, widths)]
        for step in range(max(map(len, cells))):
            parts = [(cell[step] if step < len(cell) else "").ljust(column) for cell, column in zip(cells, widths)]
            out.append(SEPARATOR.join(parts).rstrip())
    if tail:
        name, lines = tail
        out += ["", continued(name)] + [piece for line in fit_indentation(lines, width) for piece in wrap(line, width)]
    return out


def side_by_side(operation: str, backends=("python", "numpy", "numba"), width: int | None = None,
                 into_gemm: bool = True) -> str:
    """One operation's code in every backend, laid out for `width` (the terminal's by default); the
    numba column stops at the GEMM's entry unless `into_gemm`."""
    return "\n".join(layout(blocks(operation, backends, into_gemm), terminal_width() if width is None else width))
