"""Tests of dashboard.components.media_views: URL view state, view style and the sections view."""

from __future__ import annotations


from dashboard.components import media_views
from dashboard.components.media_views import MediaView
from tests.dashboard.dashtest import find_all

RUNS = ["alpha", "beta", "gamma"]


def test_media_view_parses_the_query_tolerantly_and_round_trips() -> None:
    view = MediaView.from_query({"runs": "a", "tags": "x", "brightness": "2.5", "contrast": "9", "actual": "1",
                                 "hide": "beta"}, RUNS)
    assert view == MediaView("a", "x", ("alpha", "gamma"), 2.5, 5.0, True)
    assert view.to_query(RUNS) == "?runs=a&tags=x&brightness=2.5&contrast=5&actual=1&hide=beta"
    assert MediaView.from_query({"brightness": "NaN", "contrast": "x", "actual": "maybe"}, RUNS) == \
        MediaView(ticked=tuple(RUNS))
    assert MediaView(ticked=tuple(RUNS)).to_query(RUNS) == ""


def test_media_view_from_controls_clamps_multipliers() -> None:
    view = MediaView.from_controls(None, None, ["beta"], -1, "0.25", ["actual"])
    assert (view.brightness, view.contrast, view.actual_size, view.ticked) == (0.0, 0.25, True, ("beta",))
    assert MediaView.from_controls("", "", [], None, None, None).brightness == 1.0


def test_view_style_sets_the_filter_variable_and_actual_size_class() -> None:
    assert media_views.view_style(MediaView()) == ({"--media-filter": "none"}, "main media-main")
    style, cls = media_views.view_style(MediaView(brightness=1.5, contrast=0.8, actual_size=True))
    assert style == {"--media-filter": "brightness(1.5) contrast(0.8)"} and cls == "main media-main media-actual"


def test_sections_view_says_what_to_log_when_there_is_nothing() -> None:
    content, summary = media_views.sections_view("audio", "ok", "", False, [], {})
    texts = [c.children for c in find_all(content, lambda c: isinstance(getattr(c, "children", None), str))]
    assert "No audio data was found" in texts and summary == ""
    assert any("writer.add_audio(" in text for text in texts)
    content, summary = media_views.sections_view("images", "ok", "", True, ["a/x", "a/y", "b"], {})
    assert summary == "3 tags in 2 sections" and [s.open for s in content] == [True, True]
    assert media_views.page_class("images", "ok", False) == "page page-media page-images page-empty"
