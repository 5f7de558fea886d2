"""The event decoder: TFRecord payloads -> Events -> canonical rows -> Arrow chunk tables.

Every legacy or TF2 encoding of a summary value is normalized here, through the dispatch
table in values.py and the per-plugin normalizers in plugins/, into one row of one table kind
(schemas in loaders.schemas), so table consumers handle one form only. This package never
imports loaders.tables (the read-time builders import it, not the reverse). The first
SummaryMetadata seen for a tag decides its plugin.
"""

from __future__ import annotations

from loaders.events.decode import decode_chunk
from loaders.events.resolve import resolve_tensors
from loaders.tensors import decode_tensor

__all__ = ["decode_chunk", "decode_tensor", "resolve_tensors"]
