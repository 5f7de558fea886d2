"""Text summaries as Dash components: Markdown without raw HTML, raw text, and tables for 1-D / 2-D string tensors."""

from __future__ import annotations

import html as html_entities
import math
import re
from collections.abc import Sequence

import numpy as np
from dash import dcc, html
from dash.development.base_component import Component

__all__ = [
    "MAX_COLUMNS",
    "MAX_ROWS",
    "UNSAFE_SCHEMES",
    "drop_unsafe_urls",
    "render_markdown",
    "render_raw",
    "render_text",
    "slice_note",
    "table_from_values",
]

MAX_ROWS = 100
MAX_COLUMNS = 50
# URL schemes dropped from Markdown links and images: script (javascript:, vbscript:) and inline
# documents (data:) have no business in logged text.
UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:")
# Where a link or image destination can start: after "](" (inline), "]:" (reference definition)
# or "<" (autolink, or an angle-bracket destination); whitespace and one line break may follow.
_DESTINATION_START = re.compile(r"\][ \t]*(?:\(|:)[ \t]*\n?[ \t]*|<")
_ESCAPABLE = re.compile(r"\\([!-/:-@\[-`{-~])")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7};?|#[xX][0-9A-Fa-f]{1,6};?|[A-Za-z][A-Za-z0-9]{0,31};?)")
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f]")  # browsers strip these around a URL and tabs/newlines in it


def render_markdown(text: str) -> list[Component]:
    """Render Markdown with raw HTML escaped, so `<script>` or `<img onerror=...>` shows as text.

    dcc.Markdown draws React elements (no innerHTML) and, with dangerously_allow_html off,
    turns HTML in the source into plain text; link URLs other than http(s), mailto and
    relative ones (e.g. `javascript:`) are neutralised by its URI filter.

    dcc.Markdown keeps image sources as written, so link and image URLs with an UNSAFE_SCHEMES
    scheme are dropped from the source first (see drop_unsafe_urls).

    Args:
        text: the Markdown source, as logged.

    Returns:
        One dcc.Markdown component.
    """
    return [
        dcc.Markdown(
            drop_unsafe_urls(text),
            dangerously_allow_html=False,
            dedent=False,
            link_target="_blank",
            className="es-text-markdown",
        )
    ]


def drop_unsafe_urls(text: str) -> str:
    """Return Markdown with every link, image or autolink URL whose scheme is in UNSAFE_SCHEMES removed.

    A URL is judged the way a browser would read it after Markdown decoding: character references
    (`&#106;`) and backslash escapes decoded, spaces and control characters ignored, any case. The
    destination is emptied (`![x](javascript:...)` becomes `![x]()`) and an autolink
    (`<javascript:...>`) removed. Anything that is not a destination is left as written. Time is
    linear in the text.

    Args:
        text: the Markdown source.

    Returns:
        The source, unchanged when it holds no such URL.
    """
    if ":" not in text and "&" not in text:  # a scheme needs a colon, written or as a reference
        return text
    pieces: list[str] = []
    position = 0
    for start in _DESTINATION_START.finditer(text):
        if start.start() < position:  # inside a destination already dropped
            continue
        autolink = start.group() == "<"
        angle = autolink or text.startswith("<", start.end())
        first = start.end() + (angle and not autolink)
        if not _starts_unsafe(text, first, angle):
            continue
        end = _destination_end(text, first, angle)
        if autolink:  # drop "<javascript:...>" whole
            first, end = first - 1, end + text.startswith(">", end)
        pieces.append(text[position:first])
        position = end
    return "".join(pieces) + text[position:] if pieces else text


def _starts_unsafe(text: str, index: int, angle: bool) -> bool:
    """Return whether the destination at index, decoded, starts with an UNSAFE_SCHEMES scheme.

    Decodes only as far as needed to tell (about a scheme's length), so scanning stays linear.
    """
    stops = ">\n<" if angle else " \t\n)"
    seen = ""
    while index < len(text) and text[index] not in stops:
        entity = _ENTITY.match(text, index) if text[index] == "&" else None
        escaped = _ESCAPABLE.match(text, index) if text[index] == "\\" else None
        found = entity or escaped
        piece = html_entities.unescape(entity.group()) if entity else escaped.group(1) if escaped else text[index]
        index = found.end() if found else index + 1
        seen += _IGNORED_IN_URLS.sub("", piece).lower()
        if seen.startswith(UNSAFE_SCHEMES):
            return True
        if not any(scheme.startswith(seen) for scheme in UNSAFE_SCHEMES):
            return False
    return False


def _destination_end(text: str, begin: int, angle: bool) -> int:
    """Return where a destination starting at begin ends (CommonMark: <...> or balanced parentheses)."""
    depth, index = 0, begin
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if angle and char in ">\n<" or not angle and (char in " \t\n" or char == ")" and depth == 0):
            break
        if not angle:
            depth += {"(": 1, ")": -1}.get(char, 0)
        index += 1
    return min(index, len(text))


def render_raw(text: str) -> list[Component]:
    """Render text exactly as logged: no Markdown, whitespace and line breaks kept.

    Args:
        text: the text.

    Returns:
        One html.Pre that wraps long lines.
    """
    return [html.Pre(text, className="es-text-raw", style={"whiteSpace": "pre-wrap", "margin": 0})]


def slice_note(shape: Sequence[int]) -> str | None:
    """Say which 2-D slice of a higher-rank tensor is shown.

    Args:
        shape: the tensor's shape.

    Returns:
        e.g. "showing [0, :, :] of shape [4, 3, 2]"; None for rank 2 or less.
    """
    if len(shape) <= 2:
        return None
    index = ", ".join(["0"] * (len(shape) - 2) + [":", ":"])
    return f"showing [{index}] of shape [{', '.join(str(int(d)) for d in shape)}]"


def table_from_values(
    shape: Sequence[int],
    values: Sequence[str],
    *,
    markdown: bool = False,
    max_rows: int = MAX_ROWS,
    max_columns: int = MAX_COLUMNS,
) -> html.Table:
    """Lay out a string tensor as a table: 1-D as one column, 2-D as rows and columns.

    A tensor of rank above 2 is cut to its first 2-D slice [0, ..., 0, :, :] (see slice_note),
    and at most max_rows x max_columns cells are drawn (see render_text for the notes).

    Args:
        shape: the tensor's shape (rank 1 or more).
        values: its elements in row-major order.
        markdown: render each cell as Markdown (without raw HTML) instead of plain text.
        max_rows: the most rows drawn.
        max_columns: the most columns drawn.

    Returns:
        An html.Table with class "es-text-table".

    Raises:
        ValueError: when shape is 0-d or does not match the number of values.
    """
    grid = _grid(shape, values)[:max_rows, :max_columns]
    cell = (lambda v: render_markdown(v)) if markdown else (lambda v: v)
    rows = [html.Tr([html.Td(cell(str(value))) for value in row]) for row in grid]
    return html.Table(html.Tbody(rows), className="es-text-table")


def _grid(shape: Sequence[int], values: Sequence[str]) -> np.ndarray:
    dims = [int(d) for d in shape]
    if not dims:
        raise ValueError("a 0-d text tensor has no table; render its value as text")
    if math.prod(dims) != len(values):
        raise ValueError(f"text tensor of shape {dims} needs {math.prod(dims)} values, got {len(values)}")
    array = np.asarray(list(values), dtype=object).reshape(dims)
    while array.ndim > 2:
        array = array[0]
    return array.reshape(-1, 1) if array.ndim == 1 else array


def render_text(
    value: str, shape: Sequence[int] | None = None, values: Sequence[str] | None = None, *, markdown: bool = True
) -> list[Component]:
    """Render one text summary the way TensorBoard's text dashboard does.

    A 0-d tensor, or one with a single element (tensorboardX and PyTorch log text as
    shape [1]), is rendered as text; rank 1 and 2 become a table; higher ranks show their
    first 2-D slice under a note. Tables over MAX_ROWS x MAX_COLUMNS are cut, with a note.
    Empty or whitespace-only text shows a note saying so.

    Args:
        value: the text column (all elements joined by newlines).
        shape: the tensor's shape (None or [] for a 0-d tensor).
        values: the elements in row-major order.
        markdown: Markdown rendering (without raw HTML); False shows raw text.

    Returns:
        The components: optional notes (html.P, class "es-text-note"), then the text or table.
    """
    dims = [int(d) for d in (shape if shape is not None else [])]
    items = list(values) if values is not None else []
    if not dims or (math.prod(dims) == 1 and len(items) == 1):
        text = items[0] if dims else value
        if not text.strip():  # a blank body reads as a rendering failure; say what was logged
            return [_note("empty text" if not text else f"only whitespace ({len(text)} characters)")]
        return render_markdown(text) if markdown else render_raw(text)
    try:
        table = table_from_values(dims, items, markdown=markdown)
    except ValueError as error:
        return [_note(f"{error}; showing the text instead"), *(render_raw(value))]
    notes = [note for note in (slice_note(dims), _cut_note(_grid(dims, items).shape)) if note]
    return [*(_note(note) for note in notes), table]


def _cut_note(grid_shape: tuple[int, ...]) -> str | None:
    rows, columns = grid_shape
    if rows <= MAX_ROWS and columns <= MAX_COLUMNS:
        return None
    return (
        f"showing the first {min(rows, MAX_ROWS)} of {rows} rows and {min(columns, MAX_COLUMNS)} of {columns} columns"
    )


def _note(text: str) -> html.P:
    return html.P(text, className="es-text-note")
