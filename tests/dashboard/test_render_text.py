"""Tests of dashboard.render.text: Markdown without raw HTML, raw text, and string-tensor tables."""

from __future__ import annotations

from pathlib import Path

import pytest
from dash import dcc, html

import loaders
from dashboard.render.text import (
    MAX_ROWS,
    drop_unsafe_urls,
    render_markdown,
    render_raw,
    render_text,
    slice_note,
    table_from_values,
)

TF2_FIXTURES = Path(__file__).parents[1] / "fixtures" / "tf2"
XSS = '<img src=x onerror="alert(1)"> and <script>alert(2)</script>'


def _cells(table: html.Table) -> list[list[object]]:
    return [[cell.children for cell in row.children] for row in table.children.children]


def test_render_markdown_escapes_raw_html() -> None:
    (markdown,) = render_markdown("# Title\n\n" + XSS)
    assert isinstance(markdown, dcc.Markdown)
    assert markdown.dangerously_allow_html is False  # react-markdown then renders HTML as text
    assert markdown.children == "# Title\n\n" + XSS  # passed through untouched: escaping is the renderer's job
    assert markdown.dedent is False  # indentation in logged text is kept


def test_render_raw_keeps_text_and_whitespace() -> None:
    (pre,) = render_raw("  a\n\tb " + XSS)
    assert isinstance(pre, html.Pre) and pre.children == "  a\n\tb " + XSS
    assert pre.style["whiteSpace"] == "pre-wrap"


def test_slice_note_names_the_slice_and_shape() -> None:
    assert slice_note([4, 3, 2]) == "showing [0, :, :] of shape [4, 3, 2]"
    assert slice_note([2, 4, 3, 2]) == "showing [0, 0, :, :] of shape [2, 4, 3, 2]"
    assert slice_note([3, 2]) is None and slice_note([5]) is None


def test_table_from_values_lays_out_1d_as_a_column_and_2d_as_a_grid() -> None:
    assert _cells(table_from_values([3], ["a", "b", "c"])) == [["a"], ["b"], ["c"]]
    assert _cells(table_from_values([2, 3], list("abcdef"))) == [["a", "b", "c"], ["d", "e", "f"]]


def test_table_from_values_takes_the_first_2d_slice_of_higher_ranks() -> None:
    values = [f"v{i}" for i in range(24)]  # shape [4, 3, 2]: slice [0, :, :] is v0..v5
    assert _cells(table_from_values([4, 3, 2], values)) == [["v0", "v1"], ["v2", "v3"], ["v4", "v5"]]


def test_table_from_values_markdown_cells_escape_html() -> None:
    (cell,) = _cells(table_from_values([1, 1], [XSS], markdown=True))[0]
    (markdown,) = cell
    assert isinstance(markdown, dcc.Markdown) and markdown.dangerously_allow_html is False


def test_table_from_values_rejects_a_shape_that_does_not_match() -> None:
    with pytest.raises(ValueError, match=r"shape \[2, 2\] needs 4 values, got 3"):
        table_from_values([2, 2], ["a", "b", "c"])
    with pytest.raises(ValueError, match="0-d"):
        table_from_values([], ["a"])


def test_render_text_tf2_fixture_scalar_and_table(tmp_path: Path) -> None:
    frame = loaders.Logdir(TF2_FIXTURES, cache_dir=tmp_path / "cache").text(runs=["tf_summary"])
    latest = frame[frame["step"] == 1].set_index("tag")
    markdown = latest.loc["text/markdown"]
    (component,) = render_text(markdown["value"], markdown["shape"], markdown["values"])
    assert isinstance(component, dcc.Markdown) and component.children.startswith("# Title")
    table = latest.loc["text/table"]  # a 2 x 2 string tensor
    (grid,) = render_text(table["value"], table["shape"], table["values"], markdown=False)
    assert _cells(grid) == [["a", "b"], ["c", "d"]]


def test_render_text_tensorboardx_single_element_is_text_not_a_table(tbx_writer, logdir: Path,
                                                                     tmp_path: Path) -> None:
    writer = tbx_writer()
    writer.add_text("notes", "**bold** " + XSS, 0)
    writer.close()
    row = loaders.Logdir(logdir, cache_dir=tmp_path / "cache").text().iloc[0]
    assert list(row["shape"]) == [1]  # tensorboardX logs text as a 1-element vector
    (markdown,) = render_text(row["value"], row["shape"], row["values"])
    assert isinstance(markdown, dcc.Markdown) and markdown.children == "**bold** " + XSS
    (raw,) = render_text(row["value"], row["shape"], row["values"], markdown=False)
    assert isinstance(raw, html.Pre) and raw.children == "**bold** " + XSS


def test_render_text_notes_slices_and_cut_tables() -> None:
    note, table = render_text("", [4, 3, 2], [str(i) for i in range(24)], markdown=False)
    assert note.children == "showing [0, :, :] of shape [4, 3, 2]" and len(_cells(table)) == 3
    rows = MAX_ROWS + 50
    note, table = render_text("", [rows], [str(i) for i in range(rows)], markdown=False)
    assert note.children == f"showing the first {MAX_ROWS} of {rows} rows and 1 of 1 columns"
    assert len(_cells(table)) == MAX_ROWS


def test_render_text_falls_back_to_raw_text_on_a_bad_shape() -> None:
    note, raw = render_text("a\nb\nc", [2, 2], ["a", "b", "c"])
    assert "needs 4 values, got 3" in note.children
    assert isinstance(raw, html.Pre) and raw.children == "a\nb\nc"


@pytest.mark.parametrize(("source", "kept"), [
    ("![x](javascript:alert(1))", "![x]()"),
    ('![x](JaVaScRiPt:alert(1) "title") after', '![x]( "title") after'),
    ("[a](&#106;avascript:alert(1))", "[a]()"),
    ("[a](&#x6A;avascript:alert(1)) [b](&#106avascript:x)", "[a]() [b]()"),
    ("[a](javascript&colon;alert(1))", "[a]()"),
    ("[a](javascript\\:alert(1))", "[a]()"),
    ("![x](<java\tscript:alert(1)>)", "![x](<>)"),
    ("![x](<&#32;&Tab;javascript:alert(1)>)", "![x](<>)"),
    ("![x](  \n javascript:alert(1))", "![x](  \n )"),
    ("[x](\x01javascript:alert(1))", "[x]()"),
    ("[r]: javascript:alert(1)\n\n![x][r]", "[r]: \n\n![x][r]"),
    ("> [r]: <vbscript:msgbox(1)>", "> [r]: <>"),
    ("see <javascript:alert(1)> now", "see  now"),
    ("![i](data:image/svg+xml;base64,PHN2Zz4=)", "![i]()"),
    ("[a](javascript:a(b(c)d)e) tail)", "[a]() tail)"),
    ("![a](javascript:x)![b](data:y) [c](https://ok.example/)", "![a]()![b]() [c](https://ok.example/)"),
])
def test_render_markdown_drops_script_and_data_urls_from_links_and_images(source: str, kept: str) -> None:
    (markdown,) = render_markdown(source)
    assert markdown.children == kept
    assert drop_unsafe_urls(source) == kept


@pytest.mark.parametrize("source", [
    "![plot](https://example.com/a.png) [docs](http://x.example/(y)) <https://z.example> [m](mailto:a@b.c)",
    "![rel](images/a.png) [anchor](#top) [q](?x=javascript:1) [j](./javascript:1)",
    "plain javascript: and data: in prose, a < b > c, [x]: not a url", "[a](java\\script:x)", "",
])
def test_render_markdown_keeps_safe_urls_and_prose_as_written(source: str) -> None:
    assert render_markdown(source)[0].children == source


def test_drop_unsafe_urls_is_linear_on_adversarial_text() -> None:
    for text in ("](" * 100_000 + ":", "<" * 200_000 + ":", "](javascript:" * 50_000, "[a](&#32;" * 50_000):
        assert len(drop_unsafe_urls(text)) <= len(text)  # finishes: quadratic scans would take minutes here
