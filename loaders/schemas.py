"""Table schemas, one per kind: the chunk form the decoder (loaders.events) writes and the cache stores.

The decoder and the read side both import this module, so the dependency points one way:
loaders.tables (the read-time builders) may import loaders.events, never the reverse.

Every chunk table starts with tag, step, wall_time, then the kind's own columns, then the
internal `_offset` (byte offset of the record's header in its event file). The API adds `run`
in front and drops `_offset`. Bump SCHEMA_VERSION whenever any schema or decoding rule changes:
it is part of the cache key, so old cache entries are rebuilt rather than misread.
"""

from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = 2

_KEY = [pa.field("tag", pa.string()), pa.field("step", pa.int64()), pa.field("wall_time", pa.float64())]
_OFFSET = pa.field("_offset", pa.int64())
_FLOATS = pa.list_(pa.float64())


def _schema(*own: pa.Field) -> pa.Schema:
    return pa.schema([*_KEY, *own, _OFFSET])


SCHEMAS: dict[str, pa.Schema] = {
    "scalars": _schema(pa.field("value", pa.float64())),
    "histograms": _schema(
        pa.field("min", pa.float64()),
        pa.field("max", pa.float64()),
        pa.field("num", pa.float64()),
        pa.field("sum", pa.float64()),
        pa.field("sum_squares", pa.float64()),
        pa.field("bucket_limit", _FLOATS),
        pa.field("bucket", _FLOATS),
    ),
    "images": _schema(
        pa.field("index", pa.int32()),
        pa.field("width", pa.int32()),
        pa.field("height", pa.int32()),
        pa.field("content_type", pa.string()),
        pa.field("data", pa.binary()),
    ),
    "audio": _schema(
        pa.field("index", pa.int32()),
        pa.field("sample_rate", pa.float64()),
        pa.field("channels", pa.int32()),
        pa.field("frames", pa.int64()),
        pa.field("content_type", pa.string()),
        pa.field("label", pa.string()),
        pa.field("data", pa.binary()),
    ),
    # value: the text of a 0-d tensor, or the elements of an n-d tensor joined by "\n";
    # shape and values (row-major) keep n-d string tensors exactly.
    "text": _schema(
        pa.field("value", pa.string()),
        pa.field("shape", pa.list_(pa.int64())),
        pa.field("values", pa.list_(pa.string())),
    ),
    # Anything no other table covers; data is the serialized TensorProto (lossless).
    "tensors": _schema(
        pa.field("plugin", pa.string()),
        pa.field("dtype", pa.string()),
        pa.field("shape", pa.list_(pa.int64())),
        pa.field("data", pa.binary()),
    ),
    "pr_curves": _schema(
        pa.field("threshold", _FLOATS),
        pa.field("tp", _FLOATS),
        pa.field("fp", _FLOATS),
        pa.field("tn", _FLOATS),
        pa.field("fn", _FLOATS),
        pa.field("precision", _FLOATS),
        pa.field("recall", _FLOATS),
    ),
    # kind: "experiment" | "session_start" | "session_end"; data: the HParamsPluginData bytes.
    "hparams": _schema(pa.field("kind", pa.string()), pa.field("data", pa.binary())),
    # kind: "graph_def" | "meta_graph_def" | "run_metadata" | "run_metadata_graph" | "keras_model";
    # data: the serialized GraphDef / MetaGraphDef / RunMetadata, or the Keras model JSON (utf-8).
    "graphs": _schema(pa.field("kind", pa.string()), pa.field("data", pa.binary())),
}


def empty_table(kind: str) -> pa.Table:
    """Return a table of the given kind with no rows."""
    return SCHEMAS[kind].empty_table()
