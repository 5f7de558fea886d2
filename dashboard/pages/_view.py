"""The view every page shares: run and tag filters and ticked runs, parsed from a URL or the controls and encoded back.

A page's view subclasses View and adds its own options through four small hooks
(options_from_query, options_from_controls, controls, options_query); the selection part and
the URL encoding live here once. Parsing never raises: a link or a client may send anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from dashboard import urlstate

V = TypeVar("V", bound="View")


@dataclass(frozen=True)
class View:
    """What every page's link reproduces.

    Attributes:
        run_regex: run filter (query "runs").
        tag_regex: tag filter (query "tags").
        ticked: ticked runs (query "run" lists them, or "hide" lists the unticked ones).
    """

    run_regex: str = ""
    tag_regex: str = ""
    ticked: tuple[str, ...] = ()

    @classmethod
    def from_query(cls: type[V], query: Mapping[str, urlstate.QueryValue], runs: Sequence[str]) -> V:
        """Parse a URL query; anything unusable falls back to its default.

        Args:
            query: the parsed query (values are strings or lists of strings).
            runs: every run (for the run selection).

        Returns:
            The view.
        """
        return cls(
            run_regex=urlstate.as_text(query.get("runs")),
            tag_regex=urlstate.as_text(query.get("tags")),
            ticked=tuple(urlstate.decode_runs(query, runs)),
            **cls.options_from_query(query),
        )

    @classmethod
    def from_controls(
        cls: type[V], options: Any = None, run_regex: Any = "", tag_regex: Any = "", ticked: Any = ()
    ) -> V:
        """Build the view from what the controls sent (the page's options dict and the run picker's values).

        Args:
            options: the page's control values by name (see controls); anything but a dict counts as {}.
            run_regex: the run filter box.
            tag_regex: the tag filter box.
            ticked: the run checklist's value.

        Returns:
            The view.
        """
        return cls(
            run_regex=_text(run_regex),
            tag_regex=_text(tag_regex),
            ticked=tuple(names(ticked)),
            **cls.options_from_controls(options if isinstance(options, dict) else {}),
        )

    @classmethod
    def options_from_query(cls, query: Mapping[str, urlstate.QueryValue]) -> dict[str, Any]:
        """Return the page's own fields from a URL query (override; never raises)."""
        return {}

    @classmethod
    def options_from_controls(cls, values: Mapping[str, Any]) -> dict[str, Any]:
        """Return the page's own fields from its control values by name (override; never raises)."""
        return {}

    def controls(self) -> dict[str, Any]:
        """Return the page's control values by name, as the controls hold them (options_from_controls' inverse)."""
        return {}

    def options_query(self) -> dict[str, object]:
        """Return the page's own query parameters; None or "" leaves one out (override)."""
        return {}

    def to_query(self, runs: Sequence[str]) -> str:
        """Return the shortest query string that reproduces this view ("" for all defaults)."""
        return urlstate.encode(
            {
                "runs": self.run_regex,
                "tags": self.tag_regex,
                **self.options_query(),
                **urlstate.encode_runs(self.ticked, runs),
            }
        )


def _text(value: Any) -> str:
    return urlstate.as_text(value) if isinstance(value, str) else ""


def names(value: Any) -> list[str]:
    """Return the strings of a list a control sent (anything else a client may send gives [])."""
    return [item for item in value if isinstance(item, str)] if isinstance(value, (list, tuple)) else []


def number(value: Any) -> float | None:
    """Return a control's value (a number or a numeric string) as a finite float, or None (anything else)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    return urlstate.as_optional_float(str(value))


def switched(value: Any) -> set[str]:
    """Return the keys that are on in a checklist's value (anything else sent by a client gives none)."""
    return set(names(value))
