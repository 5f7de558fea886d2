"""The HParams page's ids and URL-borne view (filters, colour metric, log axes, hidden columns, session, tab)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from dash import ALL

from dashboard import urlstate
from dashboard.data.hparams import STATUSES, Column, Filters
from dashboard.pages._view import View, names, number

PAGE = "hparams"
TABS = {"table": "Table", "matrix": "Scatter plot matrix", "importance": "Parameter importance"}
EMPTY_TITLE = "No hparams sessions were found"
EMPTY_HINT = (
    "Log hyperparameters with TensorFlow's hparams API (hp.hparams(...) in each run, optionally hp.hparams_config "
    "in the logdir) or PyTorch / tensorboardX SummaryWriter.add_hparams; their metrics are scalars."
)
EMPTY_CODE = "writer.add_hparams({'lr': 0.01, 'optimizer': 'adam'}, {'hparam/accuracy': 0.91})"


class ids:  # noqa: N801 - a namespace
    """Ids of the HParams page's components (singletons as strings; the filter controls as dict ids)."""

    count = "hparams-count"
    color = "hparams-color"
    log = "hparams-log"
    hidden = "hparams-hidden"
    status = "hparams-status"
    filters = "hparams-filters"
    parcoords = "hparams-parcoords"
    table = "hparams-table"
    matrix = "hparams-matrix"
    importance = "hparams-importance"
    tabs = "hparams-tabs"
    session = "hparams-session"
    details = "hparams-details"
    export_csv = "hparams-export-csv"
    export_json = "hparams-export-json"
    export_latex = "hparams-export-latex"
    download = "hparams-download"
    tab_prefix = "hparams-tab-"

    @staticmethod
    def control(kind: str, column: str) -> dict[str, str]:
        """A filter control: kind is "values", "min", "max" or "regex"."""
        return {"type": f"hparams-filter-{kind}", "column": column}

    @staticmethod
    def controls(kind: str) -> dict[str, Any]:
        """Every filter control of one kind (for ALL callbacks)."""
        return {"type": f"hparams-filter-{kind}", "column": ALL}

    @staticmethod
    def curve(tag: str) -> dict[str, str]:
        """A session curve's graph."""
        return {"type": "hparams-curve", "tag": tag}


@dataclass(frozen=True)
class HParamsView(View):
    """Everything an HParams link reproduces.

    Attributes:
        filters: which sessions are shown.
        color: the metric colouring the plots ("" = the first metric).
        log: the axes drawn on a log scale.
        hidden: the columns hidden in the table.
        session: the session whose curves are shown ("" = none).
        tab: the tab shown below the plot (a key of TABS).
    """

    filters: Filters = field(default_factory=Filters)
    color: str = ""
    log: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    session: str = ""
    tab: str = "table"

    @classmethod
    def options_from_query(cls, query: Mapping[str, urlstate.QueryValue]) -> dict[str, Any]:
        """Return the page's fields from a URL query (in.<col>, min.<col>, max.<col>, re.<col>, status, ...)."""
        values: dict[str, tuple[str, ...]] = {}
        ranges: dict[str, tuple[float | None, float | None]] = {}
        regex: dict[str, str] = {}
        for key in query:
            prefix, _, column = key.partition(".")
            if not column:
                continue
            if prefix == "in":
                values[column] = tuple(v for v in urlstate.as_list(query[key]) if v)
            elif prefix in ("min", "max"):
                low, high = ranges.get(column, (None, None))
                found = urlstate.as_optional_float(urlstate.first(query[key]))
                ranges[column] = (found, high) if prefix == "min" else (low, found)
            elif prefix == "re":
                regex[column] = urlstate.as_text(query[key], limit=200)
        status = tuple(s for s in urlstate.as_list(query.get("status")) if s in STATUSES)
        return {
            "filters": Filters(values, {k: r for k, r in ranges.items() if r != (None, None)}, regex, status),
            "color": urlstate.as_text(query.get("color"), limit=300),
            "log": tuple(urlstate.as_list(query.get("log"))),
            "hidden": tuple(urlstate.as_list(query.get("off"))),
            "session": urlstate.as_text(query.get("session"), limit=1000),
            "tab": urlstate.as_choice(query.get("tab"), list(TABS), "table"),
        }

    @classmethod
    def options_from_controls(cls, values: Mapping[str, Any]) -> dict[str, Any]:
        """Return the page's fields from its controls (filters must already be a Filters; see filters_from_controls)."""
        filters = values.get("filters")
        color, session, tab = (values.get(key) for key in ("color", "session", "tab"))
        return {
            "filters": filters if isinstance(filters, Filters) else Filters(),
            "color": color if isinstance(color, str) else "",
            "log": tuple(names(values.get("log"))),
            "hidden": tuple(names(values.get("hidden"))),
            "session": session if isinstance(session, str) else "",
            "tab": tab if isinstance(tab, str) and tab in TABS else "table",
        }

    def options_query(self) -> dict[str, object]:
        """Return the filters and the non-default options."""
        params: dict[str, object] = {}
        for column, kept in self.filters.values.items():
            params[f"in.{column}"] = list(kept) or [""]
        for column, (low, high) in self.filters.ranges.items():
            params[f"min.{column}"] = None if low is None else f"{low:.10g}"
            params[f"max.{column}"] = None if high is None else f"{high:.10g}"
        for column, pattern in self.filters.regex.items():
            params[f"re.{column}"] = pattern
        return {
            **params,
            "status": list(self.filters.status),
            "color": self.color,
            "log": list(self.log),
            "off": list(self.hidden),
            "session": self.session,
            "tab": None if self.tab == "table" else self.tab,
        }


def filters_from_controls(
    columns: Sequence[Column],
    values: Mapping[str, Any],
    mins: Mapping[str, Any],
    maxs: Mapping[str, Any],
    regexes: Mapping[str, Any],
    status: Any,
) -> Filters:
    """Return the filters the panel's controls hold; a column whose controls filter nothing is left out.

    Args:
        columns: the sessions' columns (discrete ones with every value ticked filter nothing).
        values: column -> the ticked labels.
        mins: column -> the min box.
        maxs: column -> the max box.
        regexes: column -> the regex box.
        status: the ticked statuses (all or none ticked filters nothing).

    Returns:
        The filters.
    """
    offered = {c.name: c.values for c in columns if c.kind == "discrete"}
    kept_values = {
        name: tuple(v for v in offered[name] if v in set(names(ticked)))
        for name, ticked in values.items()
        if name in offered and set(offered[name]) - set(names(ticked))
    }
    ranges = {}
    for name in dict.fromkeys([*mins, *maxs]):
        low, high = number(mins.get(name)), number(maxs.get(name))
        if low is not None or high is not None:
            ranges[name] = (low, high)
    regex = {name: text for name, text in regexes.items() if isinstance(text, str) and text}
    ticked = tuple(s for s in STATUSES if s in set(names(status)))
    return Filters(kept_values, ranges, regex, ticked if 0 < len(ticked) < len(STATUSES) else ())


def parse_query(text: Any) -> dict[str, urlstate.QueryValue]:
    """Return a "?k=v&..." string (a page query store's data) as a query dict; anything else gives {}."""
    if not isinstance(text, str):
        return {}
    parsed = parse_qs(text.removeprefix("?"), keep_blank_values=True)
    return {key: values[0] if len(values) == 1 else values for key, values in parsed.items()}
