"""The unit the cache stores: what one scan of one byte range of one event file produced.

The decoder (loaders.events) makes FileChunks from RecordScans; the cache (loaders.cache) stores
and reloads them; the API (loaders.api) concatenates a run's chunks, adds the `run` column,
applies the restart policy and drops the internal `_offset` column.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from loaders.errors import Problem

# Every table kind a chunk may hold, in a fixed order. Each chunk table has the columns
# tag, step, wall_time, <the kind's own columns>, _offset, where _offset (int64) is the byte
# offset of the record's header in its file: rows are ordered by it, and restarts use it.
KINDS = ("scalars", "histograms", "images", "audio", "text", "tensors", "pr_curves", "hparams", "graphs")


@dataclass(frozen=True)
class TagInfo:
    """The first SummaryMetadata seen for a tag: it decides the tag's plugin for good.

    Attributes:
        tag: the summary tag.
        plugin: plugin_data.plugin_name ("scalars", "histograms", ...; legacy values get the
            plugin their value kind implies).
        display_name: SummaryMetadata.display_name.
        description: SummaryMetadata.summary_description.
        data_class: SummaryMetadata.data_class as an int (0 unknown, 1 scalar, 2 tensor, 3 blob).
        content: plugin_data.content (plugin-specific serialized proto).
        offset: byte offset of the record that carried it.
    """

    tag: str
    plugin: str
    display_name: str = ""
    description: str = ""
    data_class: int = 0
    content: bytes = b""
    offset: int = -1


@dataclass
class FileChunk:
    """Everything decoded from file bytes [start, end_offset).

    Attributes:
        path: the event file.
        start: the first byte offset scanned.
        end_offset: the byte offset to resume from on the next refresh.
        tables: kind -> Arrow table (only kinds that got rows).
        tags: tag -> TagInfo first seen in this chunk.
        restarts: (record offset, step) of every SessionLog.START event, in file order.
        file_version: the file_version event's value (e.g. "brain.Event:2"), if seen here.
        problems: what was wrong, each naming the file and byte offset.
        truncated: the bytes after end_offset hold an incomplete record (not written yet).
        stopped: the scan gave up on the rest of the file (bad length header).
        num_records: complete records scanned.
        index: kind -> tag -> (rows, first step, last step) of the tables the decoder indexed itself
            (tags in order of first row, as the cache's tag_index gives them); kinds left out are
            indexed from their tables by the cache.
    """

    path: str
    start: int
    end_offset: int
    tables: dict[str, pa.Table] = field(default_factory=dict)
    tags: dict[str, TagInfo] = field(default_factory=dict)
    restarts: list[tuple[int, int]] = field(default_factory=list)
    file_version: str | None = None
    problems: list[Problem] = field(default_factory=list)
    truncated: bool = False
    stopped: bool = False
    num_records: int = 0
    index: dict[str, dict[str, tuple[int, int, int]]] = field(default_factory=dict)
