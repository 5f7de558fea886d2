"""Tables per kind: the chunk schemas (declared in loaders.schemas) and the read-time builders.

The decode-time normalizers live in loaders.events.plugins (one module per plugin kind); the
modules here build derived tables when a reader asks: hparams sessions (tables.hparams) and
graphs (tables.graphs). This package may import loaders.events; loaders.events never imports it.
"""

from __future__ import annotations

from loaders.schemas import SCHEMA_VERSION, SCHEMAS, empty_table

__all__ = ["SCHEMAS", "SCHEMA_VERSION", "empty_table"]
