"""decode_chunk: the records of a RecordScan -> Events -> canonical rows -> one FileChunk."""

from __future__ import annotations

from collections.abc import Mapping

from google.protobuf.message import DecodeError

from loaders.chunk import FileChunk, TagInfo
from loaders.events.columns import ChunkColumns, RowKey
from loaders.events.plugins import tensors
from loaders.events.plugins.scalars import value_from_tensor
from loaders.events.values import LEGACY, TENSOR_HANDLERS, add_tensor_value
from loaders.proto import event_pb2, summary_pb2
from loaders.records import HEADER_BYTES, RecordScan

_START = event_pb2.SessionLog.START
_BLOB = summary_pb2.DATA_CLASS_BLOB_SEQUENCE
# Graph fields of an Event -> (graphs row kind, the tag TensorBoard files them under).
_GRAPH_EVENTS = {"graph_def": ("graph_def", "__run_graph__"), "meta_graph_def": ("meta_graph_def", "__meta_graph__")}


class _Decoder:
    """Per-chunk state: tag metadata seen so far, output columns, restarts, file version."""

    def __init__(self, path: str, known: Mapping[str, TagInfo] | None) -> None:
        self.path = path
        self.out = ChunkColumns(path)
        self.tags: dict[str, TagInfo] = dict(known or {})
        self.new_tags: dict[str, TagInfo] = {}
        # Tags whose plugin is "scalars": their values take the decoder's inline fast path.
        self.scalar_tags: set[str] = {tag for tag, info in self.tags.items() if info.plugin == "scalars"}
        self.mismatched: set[str] = set()
        self.restarts: list[tuple[int, int]] = []
        self.file_version: str | None = None

    def register(
        self,
        tag: str,
        plugin: str,
        data_class: int,
        offset: int,
        metadata: summary_pb2.SummaryMetadata | None,
        content: bytes = b"",
    ) -> TagInfo:
        """Record the first metadata of a tag; it decides the tag's plugin for good."""
        info = TagInfo(
            tag=tag,
            plugin=plugin,
            data_class=int(data_class),
            content=content,
            offset=offset,
            display_name=metadata.display_name if metadata else "",
            description=metadata.summary_description if metadata else "",
        )
        self.tags[tag] = self.new_tags[tag] = info
        if plugin == "scalars":
            self.scalar_tags.add(tag)
        return info

    def value(self, value: summary_pb2.Summary.Value, kind: str | None, key: RowKey) -> None:
        """Decode one summary value that missed the scalar fast path."""
        metadata = value.metadata if value.HasField("metadata") else None
        legacy = LEGACY.get(kind) if kind else None
        if legacy is not None:
            self.legacy_value(value, kind, key, metadata)  # type: ignore[arg-type]
        elif kind == "obsolete_old_style_histogram":
            self.out.add("tensors", key, tensors.from_bytes(kind, value.obsolete_old_style_histogram))
        else:
            self.tensor_value(value, kind, key, metadata)

    def legacy_value(
        self, value: summary_pb2.Summary.Value, kind: str, key: RowKey, metadata: summary_pb2.SummaryMetadata | None
    ) -> None:
        """File a self-describing legacy value (simple_value, histo, image, audio) under its implied plugin."""
        plugin, data_class, rows = LEGACY[kind]
        info = self.tags.get(key[0])
        if info is None:
            self.register(key[0], plugin, data_class, key[3], metadata)
        elif info.plugin != plugin:
            self.mismatch(info, kind, key)
        for row in rows(value):
            self.out.add(plugin, key, row)

    def tensor_value(
        self,
        value: summary_pb2.Summary.Value,
        kind: str | None,
        key: RowKey,
        metadata: summary_pb2.SummaryMetadata | None,
    ) -> None:
        """Decode a tensor value (or an empty one) as the plugin its tag's first metadata named."""
        tag = key[0]
        info = self.tags.get(tag)
        if info is None and metadata is not None:
            info = self.register(
                tag,
                metadata.plugin_data.plugin_name,
                metadata.data_class,
                key[3],
                metadata,
                metadata.plugin_data.content,
            )
        plugin = info.plugin if info else ""
        content = info.content if info else b""
        if metadata is not None and metadata.plugin_data.plugin_name == plugin:
            content = metadata.plugin_data.content  # hparams carry their content on every value
        handler = TENSOR_HANDLERS.get(plugin)
        if kind is None and handler is None:
            self.out.problem(
                key[3],
                "empty_value",
                f"value of tag {tag!r} at step {key[1]} holds no data "
                f"(the writer left it empty); kept in the tensors table",
            )
        add_tensor_value(self.out, key, value.tensor, plugin, content, handler)

    def mismatch(self, info: TagInfo, kind: str, key: RowKey) -> None:
        """Report (once per tag) a legacy value under a tag whose first metadata named another plugin."""
        if info.tag in self.mismatched:
            return
        self.mismatched.add(info.tag)
        self.out.problem(
            key[3],
            "plugin_mismatch",
            f"tag {info.tag!r} has plugin {info.plugin!r} from its first metadata (byte {info.offset}) "
            f"but step {key[1]} holds a legacy {kind} value; filed under {LEGACY[kind][0]}",
        )

    def event(self, event: event_pb2.Event, offset: int) -> None:
        """Handle a non-summary event: file version, session start, graphs and run metadata."""
        what = event.WhichOneof("what")
        if what == "file_version":
            self.file_version = event.file_version
        elif what == "session_log":
            if event.session_log.status == _START:
                self.restarts.append((offset, event.step))
        elif what in _GRAPH_EVENTS:
            kind, tag = _GRAPH_EVENTS[what]
            self.graph_row(tag, kind, getattr(event, what), event, offset)
        elif what == "tagged_run_metadata":
            run_metadata = event.tagged_run_metadata
            self.graph_row(run_metadata.tag, "run_metadata", run_metadata.run_metadata, event, offset)

    def graph_row(self, tag: str, kind: str, data: bytes, event: event_pb2.Event, offset: int) -> None:
        """Add one graphs row (and the tag's metadata, plugin "graphs", on first sight)."""
        if tag not in self.tags:
            self.register(tag, "graphs", _BLOB, offset, None)
        self.out.add("graphs", (tag, event.step, event.wall_time, offset), (kind, data))

    def bad_event(self, offset: int, err: Exception) -> None:
        """Report a payload that passed its checksum but is not an Event."""
        self.out.problem(offset, "bad_event", f"is not a valid Event ({err}); skipped 1 record")


def decode_chunk(scan: RecordScan, known: Mapping[str, TagInfo] | None = None) -> FileChunk:
    """Decode every record of a scan into canonical Arrow tables, one per kind.

    Args:
        scan: the records of one byte range of one event file.
        known: metadata of tags already seen in earlier chunks of the same file; the first
            metadata of a tag decides its plugin, so these win over anything in this chunk.

    Returns:
        The FileChunk: tables (each row with its record's `_offset`, in file order), the tags
        first seen here, restarts, file version, and the scan's and decoder's problems.
    """
    dec = _Decoder(scan.path, known)
    scalars = dec.out.scalars
    add_tag, add_step, add_wall = scalars.tag.append, scalars.step.append, scalars.wall_time.append
    add_value, add_offset = scalars.value.append, scalars.offset.append
    scalar_tags = dec.scalar_tags
    parse = event_pb2.Event.FromString
    view = memoryview(scan.buffer)
    base = scan.base - HEADER_BYTES
    for start, length in zip(scan.starts.tolist(), scan.lengths.tolist()):
        offset = base + start
        try:
            event = parse(view[start : start + length])
        except DecodeError as err:
            dec.bad_event(offset, err)
            continue
        if not event.HasField("summary"):
            dec.event(event, offset)
            continue
        step, wall = event.step, event.wall_time
        for value in event.summary.value:
            tag = value.tag
            kind = value.WhichOneof("value")
            if tag in scalar_tags:
                if kind == "simple_value":
                    number = value.simple_value
                elif kind == "tensor":
                    try:
                        number = value_from_tensor(value.tensor)
                    except ValueError:
                        dec.value(value, kind, (tag, step, wall, offset))
                        continue
                else:
                    dec.value(value, kind, (tag, step, wall, offset))
                    continue
                add_tag(tag)
                add_step(step)
                add_wall(wall)
                add_value(number)
                add_offset(offset)
            else:
                dec.value(value, kind, (tag, step, wall, offset))
    return _finish(scan, dec)


def _finish(scan: RecordScan, dec: _Decoder) -> FileChunk:
    problems = sorted([*scan.problems, *dec.out.problems], key=lambda problem: problem.offset)
    return FileChunk(
        path=scan.path,
        start=scan.base,
        end_offset=scan.end_offset,
        tables=dec.out.tables(),
        tags=dec.new_tags,
        restarts=dec.restarts,
        file_version=dec.file_version,
        problems=problems,
        truncated=scan.truncated,
        stopped=scan.stopped,
        num_records=len(scan),
    )
