"""The dashboards, in TensorBoard's tab order; one page module per dashboard as they get built."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dashboard:
    """One dashboard of the top bar.

    Attributes:
        title: the tab title.
        path: the URL path (part of the contract, see DESIGN.md).
        plugins: tags of these plugins give it data ("*" means: any run at all).
    """

    title: str
    path: str
    plugins: tuple[str, ...]


DASHBOARDS: tuple[Dashboard, ...] = (
    Dashboard("Scalars", "/scalars", ("scalars",)),
    Dashboard("Histograms", "/histograms", ("histograms",)),
    Dashboard("Distributions", "/distributions", ("histograms",)),
    Dashboard("Images", "/images", ("images",)),
    Dashboard("Audio", "/audio", ("audio",)),
    Dashboard("Text", "/text", ("text",)),
    Dashboard("Graphs", "/graphs", ("graphs", "graph_keras_model")),
    Dashboard("HParams", "/hparams", ("hparams",)),
    Dashboard("PR curves", "/pr-curves", ("pr_curves",)),
    Dashboard("Custom scalars", "/custom-scalars", ("custom_scalars",)),
    Dashboard("Profile", "/profile", ("profile",)),
    Dashboard("Runs", "/runs", ("*",)),
)
