"""The dashboard's only door to the loaders: the DataSource and page-shaped queries, one module per kind.

Pages, components and figures import `dashboard.data`, never `loaders`. source.py owns the
loaders.Logdir; the per-kind modules (histograms.py, media.py, text.py, ...) are plain functions
of a DataSource that return DataFrames shaped for their page.
"""

from __future__ import annotations

from dashboard.data.source import (
    CONFIG_KEY,
    DEMO_DIRNAME,
    SCALAR_COLUMNS,
    TAG_COLUMNS,
    DataSource,
    Status,
    current,
    demo_logdir,
    install,
)

__all__ = [
    "CONFIG_KEY",
    "DEMO_DIRNAME",
    "SCALAR_COLUMNS",
    "TAG_COLUMNS",
    "DataSource",
    "Status",
    "current",
    "demo_logdir",
    "install",
]
