"""The dashboards in TensorBoard's tab order: the one registry (title, path, plugins, page module)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class Page:
    """One dashboard of the top bar.

    Attributes:
        title: the tab title.
        path: the URL path (part of the contract, see DESIGN.md).
        plugins: tags of these plugins give it data ("*" means: any run at all).
        module: the page module's name; None while the dashboard is not built (a placeholder says so).
    """

    title: str
    path: str
    plugins: tuple[str, ...]
    module: str | None = None

    def load(self) -> ModuleType | None:
        """Import and return the page module (None for a dashboard without one)."""
        return importlib.import_module(self.module) if self.module else None


REGISTRY: tuple[Page, ...] = (
    Page("Scalars", "/scalars", ("scalars",), "dashboard.pages.scalars"),
    Page("Histograms", "/histograms", ("histograms",), "dashboard.pages.histograms"),
    Page("Distributions", "/distributions", ("histograms",), "dashboard.pages.distributions"),
    Page("Images", "/images", ("images",), "dashboard.pages.images"),
    Page("Audio", "/audio", ("audio",), "dashboard.pages.audio"),
    Page("Text", "/text", ("text",), "dashboard.pages.text"),
    Page("Graphs", "/graphs", ("graphs", "graph_keras_model", "graph_run_metadata_graph"), "dashboard.pages.graphs"),
    Page("HParams", "/hparams", ("hparams",), "dashboard.pages.hparams"),
    Page("PR curves", "/pr-curves", ("pr_curves",), "dashboard.pages.pr_curves"),
    Page("Custom scalars", "/custom-scalars", ("custom_scalars",), "dashboard.pages.custom_scalars"),
    Page("Profile", "/profile", ("profile",), "dashboard.pages.profile"),
    Page("Runs", "/runs", ("*",), "dashboard.pages.runs"),
)
HOME = "/scalars"
