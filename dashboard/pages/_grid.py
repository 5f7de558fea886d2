"""The tag-grid page template: sidebar, tag sections of cards, URL sync; a page supplies a GridPage spec.

A grid page (Scalars, Histograms, Distributions, Images, Audio, Text, ...) is a GridPage: the
plugin whose tags it shows, its View, its sidebar controls and a card builder. The layout and
the section callbacks are written once here and declared once, with MATCH on the page key, so
every grid page shares them; the page's own controls reach them through two stores:
  ids.view(page)     the control values the cards depend on (filled by the page's `collect` callback)
  ids.display(page)  control values that only change the URL (e.g. image brightness)
The app factory hands the specs to install() so the callbacks find a page's spec by its key.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import flask
from dash import ALL, MATCH, Input, Output, State, ctx, dcc, html, no_update
from dash.development.base_component import Component

from dashboard import data
from dashboard.callbacks import Clientside, callback, clientside
from dashboard.components import run_picker, tag_sections
from dashboard.components.empty_state import empty_state
from dashboard.components.shell import ids as shell_ids
from dashboard.pages._view import View, names
from dashboard.urlstate import compile_filter

SPECS_KEY = "EVENTSCOPE_GRID_PAGES"


class ids:  # noqa: N801 - a namespace
    """Dict ids of a grid page's parts; `page` is the spec's key."""

    @staticmethod
    def root(page: Any) -> dict[str, Any]:
        """The page's outer div (its class hides the sidebar when there is no data)."""
        return {"type": "grid-root", "page": page}

    @staticmethod
    def main(page: Any) -> dict[str, Any]:
        """The main area (a page may style it, e.g. the image filter)."""
        return {"type": "grid-main", "page": page}

    @staticmethod
    def sections(page: Any) -> dict[str, Any]:
        """The container of the tag sections."""
        return {"type": "grid-sections", "page": page}

    @staticmethod
    def summary(page: Any) -> dict[str, Any]:
        """The "n tags in m sections" line."""
        return {"type": "grid-summary", "page": page}

    @staticmethod
    def view(page: Any) -> dict[str, Any]:
        """Store of the page's control values that the cards depend on (View.controls())."""
        return {"type": "grid-view", "page": page}

    @staticmethod
    def display(page: Any) -> dict[str, Any]:
        """Store of the page's control values that only the URL depends on."""
        return {"type": "grid-display", "page": page}

    @staticmethod
    def card(page: Any, key: Any) -> dict[str, Any]:
        """Store of one card as drawn ({"tag": ..., ...}); a page that keeps unchanged cards reads them back."""
        return {"type": "grid-card", "page": page, "key": key}


@dataclass(frozen=True)
class EmptyText:
    """What a page says when no run logged its kind: title, what to do, and the line of code that would."""

    title: str
    hint: str
    code: str


@dataclass(frozen=True)
class CardRequest:
    """What a page's card builder gets for one open section's current page.

    Attributes:
        source: the app's data.
        tags: the tags of the page of the section (in order).
        view: the page's view (options from the controls).
        runs: the runs to show, in display order.
        shown: the card stores (ids.card) on screen whose "tag" is one of tags.
        data_only: the request came from new data alone (controls and selection unchanged).
    """

    source: data.DataSource
    tags: list[str]
    view: Any
    runs: list[str]
    shown: list[dict[str, Any]]
    data_only: bool


@dataclass(frozen=True)
class Context:
    """What a page's sidebar builder gets: the data, every run, the runs shown and the tags shown."""

    source: data.DataSource
    runs: list[str]
    plotted: list[str]
    tags: list[str]


@dataclass(frozen=True)
class GridPage:
    """A tag-grid page.

    Attributes:
        key: the page's key (part of every id, its CSS class page-<key>).
        plugin: the plugin whose tags the page shows.
        view: the View subclass that parses the page's URL and controls.
        empty: what to say when no run logged this kind.
        cards: builds the cards of one section page (may return no_update to keep the cards on screen).
        sidebar: the page's own controls, between the tag filter and the run picker.
        first_cards: when > 0, the first cards of a section come in one answer and the others in a
            second request, so the browser paints the first ones sooner.
        main: extra properties of the main area (style, className) for a view.
        extra: more components at the end of the page (hidden helpers).
        no_match: what to say when no tag is left after the filters.
        tags: (source, runs, pattern) -> the tags to show; default: the plugin's tags with data in runs.
        display: the values of the controls that only the URL depends on, for a view: the first data of
            ids.display, so a change of another control keeps them in the URL.
        settle: (view, context) -> the view a link opens with, fitted to the data (e.g. a step snapped to a
            logged one); the sidebar, the view store and the query store get it. Default: the view unchanged.
        sections: (source, tags) -> section -> its tags, in order: for a page whose sections are not tag
            prefixes (e.g. the categories of a custom scalars layout). Default: tag_sections.group_by_prefix.
    """

    key: str
    plugin: str
    view: type[View]
    empty: EmptyText
    cards: Callable[[CardRequest], Any]
    sidebar: Callable[[Any, Context], list[Component]] = lambda view, context: []
    first_cards: int = 0
    main: Callable[[Any], dict[str, Any]] = lambda view: {}
    extra: Callable[[], list[Component]] = lambda: []
    no_match: str = tag_sections.NO_MATCH_HINT
    tags: Callable[[data.DataSource, list[str], Any], list[str]] | None = field(default=None)
    display: Callable[[Any], dict[str, Any]] = lambda view: {}
    settle: Callable[[Any, Context], Any] = lambda view, context: view
    sections: Callable[[data.DataSource, list[str]], dict[str, list[str]]] | None = field(default=None)

    def tags_of(self, source: data.DataSource, runs: Sequence[str], tag_regex: Any) -> list[str]:
        """Return the tags to show: data in runs, matching the tag filter (a bad filter filters nothing)."""
        pattern = compile_filter(tag_regex if isinstance(tag_regex, str) else "")[0]
        if self.tags is not None:
            return self.tags(source, list(runs), pattern)
        return source.plugin_tags(self.plugin, runs, pattern)

    def groups_of(self, source: data.DataSource, tags: Sequence[str]) -> dict[str, list[str]]:
        """Return the page's sections for these tags: section -> its tags, in display order."""
        if self.sections is not None:
            return self.sections(source, list(tags))
        return tag_sections.group_by_prefix(tags)

    def has_data(self, source: data.DataSource) -> bool:
        """Return whether any run logged this page's kind."""
        return self.plugin in source.plugins_with_data()


def install(server: flask.Flask, pages: Sequence[GridPage]) -> None:
    """Give the grid callbacks the app's grid pages (by key)."""
    server.config[SPECS_KEY] = {page.key: page for page in pages}


def spec(key: Any) -> GridPage:
    """Return the grid page of a key (from a component id).

    Raises:
        KeyError: no grid page has this key (a forged id).
    """
    specs: Mapping[str, GridPage] = flask.current_app.config.get(SPECS_KEY, {})
    return specs[key]


def layout(page: GridPage, query: Mapping[str, Any]) -> html.Div:
    """Return a grid page for a URL query (bad values fall back to defaults).

    Args:
        page: the page's spec.
        query: the URL query.

    Returns:
        The page's root component.
    """
    source = data.current()
    runs = source.runs()
    view = page.view.from_query(query, runs)
    status = source.status()
    plotted = run_picker.plotted_runs(runs, view.ticked, view.run_regex)
    tags = page.tags_of(source, plotted, view.tag_regex)
    has_data = page.has_data(source)
    context = Context(source, runs, plotted, tags)
    view = page.settle(view, context)
    content, summary = _main_view(page, status, has_data, tags, {}, _custom_groups(page, source, tags))
    main = {"className": "main", **page.main(view)}
    return html.Div(
        [
            html.Aside(
                [
                    run_picker.tag_filter_input(page.key, view.tag_regex),
                    *page.sidebar(view, context),
                    run_picker.run_picker(page.key, runs, view.ticked, view.run_regex, source.run_colors()),
                ],
                className="sidebar",
            ),
            html.Main(
                [
                    html.Div(summary, id=ids.summary(page.key), className="summary-line"),
                    dcc.Loading(html.Div(content, id=ids.sections(page.key)), delay_show=400, type="circle"),
                ],
                id=ids.main(page.key),
                **main,
            ),
            dcc.Store(id=ids.view(page.key), data=view.controls()),
            dcc.Store(id=ids.display(page.key), data=page.display(view)),
            dcc.Store(id=shell_ids.template_query(page.key), data=view.to_query(runs)),
            *page.extra(),
        ],
        id=ids.root(page.key),
        className=page_class(page, status.state, has_data),
    )


def page_class(page: GridPage, state: str, has_data: bool) -> str:
    """Return the page's CSS class: without data there is nothing to filter, so the sidebar hides."""
    return f"page page-grid page-{page.key}" + ("" if state == "ok" and has_data else " page-empty")


def _custom_groups(page: GridPage, source: data.DataSource, tags: Sequence[str]) -> dict[str, list[str]] | None:
    """Return the page's own sections (None for tag-prefix sections, which main_view makes)."""
    return page.groups_of(source, tags) if page.sections is not None else None


def _main_view(
    page: GridPage,
    status: data.Status,
    has_data: bool,
    tags: Sequence[str],
    previous: Mapping[str, bool],
    groups: Mapping[str, list[str]] | None = None,
) -> tuple[list[Component], str]:
    empty = page.empty
    return tag_sections.main_view(
        page.key,
        status.state,
        status.message,
        has_data,
        lambda: empty_state(empty.title, hint=empty.hint, code=empty.code),
        tags,
        previous,
        page.no_match,
        split=page.first_cards > 0,
        groups=groups,
    )


def collect(page: str, **controls: Input | State) -> Clientside:
    """Declare the clientside callback that gathers a page's controls into its view store, by name.

    Args:
        page: the page key.
        **controls: name -> the Input (or State) of one control, as View.options_from_controls reads them.

    Returns:
        The declaration (assign it to a module-level name of the page).
    """
    return _collect(ids.view(page), controls)


def collect_display(page: str, **controls: Input | State) -> Clientside:
    """Like collect, for the controls that only the URL depends on (ids.display)."""
    return _collect(ids.display(page), controls)


def _collect(store: dict[str, Any], controls: Mapping[str, Input | State]) -> Clientside:
    names = json.dumps(list(controls))
    function = f"""
    function() {{
        var names = {names}, values = {{}};
        for (var i = 0; i < names.length; i++) {{ values[names[i]] = arguments[i]; }}
        return values;
    }}
    """
    return clientside(function, Output(store, "data"), *controls.values(), prevent_initial_call=True)


# ----- the callbacks every grid page shares ------------------------------------------------------


@callback(
    Output(ids.sections(MATCH), "children"),
    Output(ids.summary(MATCH), "children"),
    Output(ids.root(MATCH), "className"),
    Input(run_picker.ids.plotted(MATCH), "data"),
    Input(run_picker.ids.tag_regex(MATCH), "value"),
    Input(shell_ids.version, "data"),
    State(tag_sections.ids.state(MATCH, ALL), "data"),
    State(tag_sections.ids.summary(MATCH, ALL), "n_clicks"),
    State(ids.root(MATCH), "id"),
    prevent_initial_call=True,
)
def render_sections(
    plotted: Any, tag_regex: Any, _version: Any, states: Any, clicks: Any, root: dict[str, Any]
) -> tuple[Any, Any, Any]:
    """Rebuild the sections when the runs, the tag filter or the data change (kept if the tags did not)."""
    page = spec(root["page"])
    source = data.current()
    status = source.status()
    tags = page.tags_of(source, names(plotted), tag_regex)
    states = [state for state in states or [] if isinstance(state, dict)]
    if (
        status.state == "ok"
        and tags
        and [(s.get("group"), s.get("tags")) for s in states] == list(page.groups_of(source, tags).items())
    ):
        return no_update, no_update, no_update
    has_data = page.has_data(source)
    previous = tag_sections.open_groups(states, clicks or [])
    content, summary = _main_view(page, status, has_data, tags, previous, _custom_groups(page, source, tags))
    return content, summary, page_class(page, status.state, has_data)


# What a section's cards depend on (render_body and render_rest take the same arguments).
_SECTION = [
    Input(tag_sections.ids.summary(MATCH, MATCH), "n_clicks"),
    Input(tag_sections.ids.pager(MATCH, MATCH), "value"),
    Input(ids.view(MATCH), "data"),
    Input(run_picker.ids.plotted(MATCH), "data"),
    Input(shell_ids.version, "data"),
    State(tag_sections.ids.state(MATCH, MATCH), "data"),
    State(ids.card(MATCH, ALL), "data"),
]


@callback(
    Output(tag_sections.ids.body(MATCH, MATCH), "children"), *_SECTION, State(tag_sections.ids.body(MATCH, MATCH), "id")
)
def render_body(
    clicks: Any, pager: Any, view: Any, plotted: Any, _version: Any, state: Any, shown: Any, section: dict[str, Any]
) -> Any:
    """Build the cards of one open section's current page (the first ones, for a page that splits them)."""
    page = spec(section["page"])
    part = slice(0, page.first_cards) if page.first_cards > 0 else slice(None)
    return section_cards(page, clicks, pager, view, plotted, state, shown, part)


@callback(
    Output(tag_sections.ids.rest(MATCH, MATCH), "children"), *_SECTION, State(tag_sections.ids.rest(MATCH, MATCH), "id")
)
def render_rest(
    clicks: Any, pager: Any, view: Any, plotted: Any, _version: Any, state: Any, shown: Any, section: dict[str, Any]
) -> Any:
    """Build the other cards of that page, in a request of its own: the browser paints the first cards
    while the server still builds these (only pages with first_cards have this part)."""
    page = spec(section["page"])
    return section_cards(page, clicks, pager, view, plotted, state, shown, slice(page.first_cards, None))


def section_cards(
    page: GridPage, clicks: Any, pager: Any, view: Any, plotted: Any, state: Any, shown: Any, part: slice
) -> Any:
    """Return the cards of one part of an open section's current page ([] for a closed section).

    Args:
        page: the page's spec.
        clicks: the section title's click count.
        pager: the section's page index.
        view: the page's view store.
        plotted: the runs to show.
        state: the section's stored state ({"group", "tags", "open"}).
        shown: every card store of the page (ALL-pattern State).
        part: which of the page's tags this answer builds.

    Returns:
        The cards, [] for a closed section, or no_update (the page kept its cards).
    """
    if not isinstance(state, dict) or not tag_sections.is_open(state, clicks if isinstance(clicks, int) else 0):
        return []
    tags = tag_sections.page_slice(names(state.get("tags")), pager if isinstance(pager, int) else 0)[part]
    if not tags:
        return []
    wanted = set(tags)
    on_screen = [card for card in shown or [] if isinstance(card, dict) and card.get("tag") in wanted]
    request = CardRequest(
        data.current(),
        tags,
        page.view.from_controls(view),
        names(plotted),
        on_screen,
        ctx.triggered_id == shell_ids.version,
    )
    return page.cards(request)


@callback(
    Output(shell_ids.template_query(MATCH), "data"),
    Input(ids.view(MATCH), "data"),
    Input(ids.display(MATCH), "data"),
    Input(run_picker.ids.run_regex(MATCH), "value"),
    Input(run_picker.ids.tag_regex(MATCH), "value"),
    Input(run_picker.ids.runs(MATCH), "value"),
    State(run_picker.ids.known(MATCH), "data"),
    State(ids.root(MATCH), "id"),
    prevent_initial_call=True,
)
def sync_query(
    view: Any, display: Any, run_regex: Any, tag_regex: Any, ticked: Any, known: Any, root: dict[str, Any]
) -> str:
    """Put the view in the page's query store (the shell writes it into the address bar)."""
    page = spec(root["page"])
    options = {**(display if isinstance(display, dict) else {}), **(view if isinstance(view, dict) else {})}
    return page.view.from_controls(options, run_regex, tag_regex, ticked).to_query(names(known))
