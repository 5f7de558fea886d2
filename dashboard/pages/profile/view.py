"""The Profile page's ids and URL-borne view (capture, tab, operator grouping, trace search)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dashboard import urlstate
from dashboard.pages._view import View

PAGE = "profile"
TABS = {
    "overview": "Overview",
    "trace": "Trace viewer",
    "operators": "Operators",
    "kernels": "Kernels",
    "memory": "Memory",
}
GROUPINGS = {"name": "By name", "shape": "By name + input shape"}
EMPTY_TITLE = "No profiler captures were found"
EMPTY_HINT = (
    "Point Eventscope at a logdir holding a PyTorch trace (torch.profiler with tensorboard_trace_handler writes "
    "<worker>.<time>.pt.trace.json) or a TensorFlow / JAX capture (<run>/plugins/profile/<session>/<host>.xplane.pb)."
)
EMPTY_CODE = (
    "with torch.profiler.profile(schedule=torch.profiler.schedule(wait=1, warmup=1, active=3),\n"
    "        on_trace_ready=torch.profiler.tensorboard_trace_handler('runs/profile')) as prof:\n"
    "    for batch in loader: train_step(batch); prof.step()"
)


class ids:  # noqa: N801 - a namespace
    """Ids of the Profile page's components (one of each, so plain strings)."""

    capture = "profile-capture"
    tabs = "profile-tabs"
    panel_prefix = "profile-panel-"
    overview = "profile-panel-overview"
    trace = "profile-panel-trace"
    operators = "profile-panel-operators"
    kernels = "profile-panel-kernels"
    memory = "profile-panel-memory"
    trace_graph = "profile-trace-graph"
    trace_search = "profile-trace-search"
    trace_details = "profile-trace-details"
    trace_info = "profile-trace-info"
    grouping = "profile-op-grouping"
    operators_body = "profile-operators-body"
    memory_graph = "profile-memory-graph"
    memory_table = "profile-memory-table"
    ops_table = "profile-ops-table"
    kernels_table = "profile-kernels-table"


@dataclass(frozen=True)
class ProfileView(View):
    """Everything a Profile link reproduces.

    Attributes:
        capture: the capture key (run, session, host joined by tabs; "" = the first capture).
        tab: the tab shown (a key of TABS).
        grouping: operators grouped by "name" or "shape".
        search: the trace viewer's name filter.
    """

    capture: str = ""
    tab: str = "overview"
    grouping: str = "name"
    search: str = ""

    @classmethod
    def options_from_query(cls, query: Mapping[str, urlstate.QueryValue]) -> dict[str, Any]:
        """Return the page's fields from a URL query (run, session, host, tab, group, search)."""
        parts = [urlstate.as_text(query.get(key)) for key in ("run", "session", "host")]
        return {
            "capture": "\t".join(parts) if all(parts) else "",
            "tab": urlstate.as_choice(query.get("tab"), list(TABS), "overview"),
            "grouping": urlstate.as_choice(query.get("group"), list(GROUPINGS), "name"),
            "search": urlstate.as_text(query.get("search"), limit=200),
        }

    @classmethod
    def options_from_controls(cls, values: Mapping[str, Any]) -> dict[str, Any]:
        """Return the page's fields from its controls' values."""
        capture, tab, grouping, search = (values.get(key) for key in ("capture", "tab", "grouping", "search"))
        return {
            "capture": capture if isinstance(capture, str) else "",
            "tab": tab if isinstance(tab, str) and tab in TABS else "overview",
            "grouping": grouping if isinstance(grouping, str) and grouping in GROUPINGS else "name",
            "search": search[:200] if isinstance(search, str) else "",
        }

    def options_query(self) -> dict[str, object]:
        """Return run, session, host, and the non-default tab, grouping and search."""
        parts = self.capture.split("\t") if self.capture.count("\t") == 2 else ["", "", ""]
        return {
            **dict(zip(("run", "session", "host"), parts)),
            "tab": None if self.tab == "overview" else self.tab,
            "group": None if self.grouping == "name" else self.grouping,
            "search": self.search,
        }
