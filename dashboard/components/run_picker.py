"""The run picker shared by every page: coloured run checklist, run and tag regex filters, all/none."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from dash import MATCH, Input, Output, State, ctx, dcc, html

from dashboard.callbacks import callback
from dashboard.colors import FALLBACK, run_colors
from dashboard.components.shell import ids as shell_ids
from dashboard.urlstate import compile_filter


class ids:  # noqa: N801 - a namespace, named like the other pages' `ids`
    """Dict ids of one page's run picker; `page` tells pickers apart, MATCH binds their callbacks."""

    @staticmethod
    def runs(page: Any) -> dict[str, Any]:
        """The run checklist (value: the ticked runs)."""
        return {"type": "run-picker-runs", "page": page}

    @staticmethod
    def list_box(page: Any) -> dict[str, Any]:
        """The box around the checklist; its React key changes with the listed runs (see options_key)."""
        return {"type": "run-picker-list-box", "page": page}

    @staticmethod
    def plotted(page: Any) -> dict[str, Any]:
        """Store with the runs to plot: ticked and matching the run regex (pages listen to this)."""
        return {"type": "run-picker-plotted", "page": page}

    @staticmethod
    def known(page: Any) -> dict[str, Any]:
        """Store with every run seen so far (runs that appear later start ticked)."""
        return {"type": "run-picker-known", "page": page}

    @staticmethod
    def run_regex(page: Any) -> dict[str, Any]:
        """The run filter text box."""
        return {"type": "run-picker-run-regex", "page": page}

    @staticmethod
    def run_error(page: Any) -> dict[str, Any]:
        """Where a bad run regex is explained."""
        return {"type": "run-picker-run-error", "page": page}

    @staticmethod
    def tag_regex(page: Any) -> dict[str, Any]:
        """The tag filter text box."""
        return {"type": "run-picker-tag-regex", "page": page}

    @staticmethod
    def tag_error(page: Any) -> dict[str, Any]:
        """Where a bad tag regex is explained."""
        return {"type": "run-picker-tag-error", "page": page}

    @staticmethod
    def select_all(page: Any) -> dict[str, Any]:
        """The "all" button (ticks every run the filter shows)."""
        return {"type": "run-picker-all", "page": page}

    @staticmethod
    def select_none(page: Any) -> dict[str, Any]:
        """The "none" button (unticks every run the filter shows)."""
        return {"type": "run-picker-none", "page": page}

    @staticmethod
    def count(page: Any) -> dict[str, Any]:
        """The "n of m runs" line."""
        return {"type": "run-picker-count", "page": page}


def run_options(runs: Sequence[str], colors: Mapping[str, str]) -> list[dict[str, Any]]:
    """Return checklist options: each run labelled with its colour swatch (colors: run -> colour)."""
    return [
        {
            "label": html.Span(
                [
                    html.Span(className="swatch", style={"backgroundColor": colors.get(run, FALLBACK)}),
                    html.Span(run, className="run-name", title=run),
                ],
                className="run-label",
            ),
            "value": run,
        }
        for run in runs
    ]


def options_key(visible: Sequence[str]) -> str:
    """Return a React key naming the listed runs, so the checklist is mounted afresh when they change.

    dcc.Checklist (Dash 4) renders each option's component label out of the layout tree at a path
    named by the option's value, but keys the rows by position and registers that path only when a
    row mounts: a run that lands on a row first drawn for another run ("epsilon" appearing between
    "delta" and "gamma", or a filter clearing) made the renderer update a path it never registered
    (TypeError: Cannot read properties of undefined (reading 'props')) and kept the old list.
    A new key remounts the rows, so every label is registered under its own value.
    """
    return hashlib.sha1("\0".join(visible).encode()).hexdigest()[:12]


def plotted_runs(runs: Sequence[str], ticked: Sequence[str], run_regex: str | None) -> list[str]:
    """Return the runs to plot: ticked and matching the run regex (a bad regex filters nothing).

    Args:
        runs: every run, in display order.
        ticked: the ticked runs.
        run_regex: the run filter text.

    Returns:
        The runs, in the order of runs.
    """
    pattern, _ = compile_filter(run_regex)
    chosen = set(ticked)
    return [run for run in runs if run in chosen and (pattern is None or pattern.search(run))]


def tag_filter_input(page: str, tag_regex: str) -> html.Div:
    """Return the "Filter tags (regex)" box with its error line."""
    _, error = compile_filter(tag_regex)
    return html.Div(
        [
            dcc.Input(
                id=ids.tag_regex(page),
                type="text",
                value=tag_regex,
                placeholder="Filter tags (regex)",
                debounce=0.4,
                className="text-input",
                spellCheck=False,
                autoComplete="off",
            ),
            html.Div(error, id=ids.tag_error(page), className="field-error"),
        ],
        className="tag-filter",
    )


def run_picker(
    page: str,
    runs: Sequence[str],
    ticked: Sequence[str],
    run_regex: str = "",
    colors: Mapping[str, str] | None = None,
) -> html.Section:
    """Return the run picker of one page.

    Args:
        page: the page's key (part of every id).
        runs: every run, in display order.
        ticked: the runs ticked at first (from the URL).
        run_regex: the run filter at first (from the URL).
        colors: run -> colour (the data's stable map, as the charts use); None colours runs by name.

    Returns:
        The component.
    """
    pattern, error = compile_filter(run_regex)
    visible = [run for run in runs if pattern is None or pattern.search(run)]
    plotted = plotted_runs(runs, ticked, run_regex)
    return html.Section(
        [
            html.Div(
                [
                    html.H4("Runs", className="sidebar-heading"),
                    html.Span(_count_text(plotted, runs), id=ids.count(page), className="muted"),
                ],
                className="sidebar-heading-row",
            ),
            dcc.Input(
                id=ids.run_regex(page),
                type="text",
                value=run_regex,
                placeholder="Filter runs (regex)",
                debounce=0.4,
                className="text-input",
                spellCheck=False,
                autoComplete="off",
            ),
            html.Div(error, id=ids.run_error(page), className="field-error"),
            html.Div(
                [
                    html.Button("All", id=ids.select_all(page), className="small-button", n_clicks=0),
                    html.Button("None", id=ids.select_none(page), className="small-button", n_clicks=0),
                ],
                className="button-row",
            ),
            html.Div(
                dcc.Checklist(
                    id=ids.runs(page),
                    options=run_options(visible, run_colors(runs) if colors is None else colors),
                    value=list(ticked),
                    className="run-list",
                    inputClassName="run-checkbox",
                    labelClassName="run-option",
                ),
                id=ids.list_box(page),
                key=options_key(visible),
            ),
            dcc.Store(id=ids.plotted(page), data=plotted),
            dcc.Store(id=ids.known(page), data=list(runs)),
        ],
        className="run-picker",
    )


def _count_text(plotted: Sequence[str], runs: Sequence[str]) -> str:
    return f"{len(plotted)} of {len(runs)} shown"


@callback(
    Output(ids.runs(MATCH), "options"),
    Output(ids.runs(MATCH), "value"),
    Output(ids.run_error(MATCH), "children"),
    Output(ids.count(MATCH), "children"),
    Output(ids.plotted(MATCH), "data"),
    Output(ids.known(MATCH), "data"),
    Output(ids.list_box(MATCH), "key"),
    Input(ids.run_regex(MATCH), "value"),
    Input(ids.runs(MATCH), "value"),
    Input(ids.select_all(MATCH), "n_clicks"),
    Input(ids.select_none(MATCH), "n_clicks"),
    Input(shell_ids.runs, "data"),
    State(ids.known(MATCH), "data"),
    State(shell_ids.run_colors, "data"),
    prevent_initial_call=True,
)
def update_runs(
    run_regex: str | None,
    ticked: list[str] | None,
    _all: int,
    _none: int,
    every_run: list[str] | None,
    known: list[str] | None,
    colors: Any = None,
) -> tuple[Any, ...]:
    """Filter the checklist, apply all/none, tick runs that appeared since, and publish the runs to plot."""
    runs = _names(every_run)
    ticked = _names(ticked)
    pattern, error = compile_filter(run_regex)
    visible = [run for run in runs if pattern is None or pattern.search(run)]
    chosen = set(ticked) | (set(runs) - set(_names(known) if known is not None else runs))
    trigger = _trigger_type(ctx.triggered_id)
    if trigger == "run-picker-all":
        chosen |= set(visible)
    elif trigger == "run-picker-none":
        chosen -= set(visible)
    value = [run for run in runs if run in chosen]
    plotted = plotted_runs(runs, value, run_regex)
    given = {run: color for run, color in colors.items() if isinstance(color, str)} if isinstance(colors, dict) else {}
    options = run_options(visible, {**run_colors(runs), **given})
    return options, value, error, _count_text(plotted, runs), plotted, runs, options_key(visible)


@callback(Output(ids.tag_error(MATCH), "children"), Input(ids.tag_regex(MATCH), "value"), prevent_initial_call=True)
def check_tag_regex(tag_regex: str | None) -> str:
    """Explain a bad tag regex under the box (an empty string clears the message)."""
    return compile_filter(tag_regex)[1]


def _names(value: Any) -> list[str]:
    """Return the strings of a list a callback received (anything else sent by a client gives [])."""
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _trigger_type(triggered: Any) -> str | None:
    return triggered.get("type") if isinstance(triggered, dict) else None
