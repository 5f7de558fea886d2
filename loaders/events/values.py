"""The dispatch table: each summary value encoding -> one canonical row of one table kind.

The normalizers live in loaders.events.plugins, one module per plugin kind; the handlers here
decode a value's tensor and append the rows a normalizer returns to the chunk's columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from loaders.events.columns import ChunkColumns, RowKey
from loaders.events.plugins import audio, graphs, histograms, hparams, images, pr_curves, scalars, tensors, text
from loaders.proto import summary_pb2, tensor_pb2
from loaders.tensors import decode_tensor

TensorHandler = Callable[[ChunkColumns, RowKey, tensor_pb2.TensorProto, bytes], None]
LegacyHandler = Callable[[summary_pb2.Summary.Value], Sequence[Sequence[object]]]


def _scalar(out: ChunkColumns, key: RowKey, tensor: tensor_pb2.TensorProto, content: bytes) -> None:
    out.add("scalars", key, (scalars.value_from_tensor(tensor),))


def _histogram(out: ChunkColumns, key: RowKey, tensor: tensor_pb2.TensorProto, content: bytes) -> None:
    out.add("histograms", key, histograms.from_tensor(decode_tensor(tensor)))


def _images(out: ChunkColumns, key: RowKey, tensor: tensor_pb2.TensorProto, content: bytes) -> None:
    for row in images.from_tensor(decode_tensor(tensor)):
        out.add("images", key, row)


def _audio(out: ChunkColumns, key: RowKey, tensor: tensor_pb2.TensorProto, content: bytes) -> None:
    for row in audio.from_tensor(decode_tensor(tensor)):
        out.add("audio", key, row)


def _text(out: ChunkColumns, key: RowKey, tensor: tensor_pb2.TensorProto, content: bytes) -> None:
    out.add("text", key, text.from_tensor(decode_tensor(tensor)))


def _pr_curve(out: ChunkColumns, key: RowKey, tensor: tensor_pb2.TensorProto, content: bytes) -> None:
    array = decode_tensor(tensor)
    row = pr_curves.from_tensor(array)
    why = pr_curves.threshold_mismatch(array, content)
    out.add("pr_curves", key, row)
    if why:
        out.problem(key[3], "pr_curve_thresholds", f"PR curve {key[0]!r} at step {key[1]}: {why}")


def _hparams(out: ChunkColumns, key: RowKey, tensor: tensor_pb2.TensorProto, content: bytes) -> None:
    out.add("hparams", key, hparams.from_content(content))


def _graph(kind: str) -> TensorHandler:
    """Return a handler that files a 0-d or one-element string tensor as a graphs row of kind."""

    def handle(out: ChunkColumns, key: RowKey, tensor: tensor_pb2.TensorProto, content: bytes) -> None:
        out.add("graphs", key, graphs.from_tensor(kind, decode_tensor(tensor)))

    return handle


# plugin_data.plugin_name -> handler; plugins not listed go to the tensors table.
TENSOR_HANDLERS: dict[str, TensorHandler] = {
    "scalars": _scalar,
    "histograms": _histogram,
    "images": _images,
    "audio": _audio,
    "text": _text,
    "pr_curves": _pr_curve,
    "hparams": _hparams,
    **{plugin: _graph(kind) for plugin, kind in graphs.GRAPH_PLUGINS.items()},
}

# Legacy value field -> (table kind = implied plugin, implied DataClass, rows). simple_value is
# handled inline by the decoder's hot path; it is listed for its plugin and data class.
LEGACY: dict[str, tuple[str, int, LegacyHandler]] = {
    "simple_value": ("scalars", summary_pb2.DATA_CLASS_SCALAR, lambda value: [(value.simple_value,)]),
    "histo": ("histograms", summary_pb2.DATA_CLASS_TENSOR, lambda value: [histograms.from_proto(value.histo)]),
    "image": ("images", summary_pb2.DATA_CLASS_BLOB_SEQUENCE, lambda value: images.from_legacy(value.image)),
    "audio": ("audio", summary_pb2.DATA_CLASS_BLOB_SEQUENCE, lambda value: audio.from_legacy(value.audio)),
}


def add_tensor_value(
    out: ChunkColumns,
    key: RowKey,
    tensor: tensor_pb2.TensorProto,
    plugin: str,
    content: bytes,
    handler: TensorHandler | None,
) -> bool:
    """Decode a tensor value as its plugin; what cannot be decoded goes to tensors with a Problem.

    Args:
        out: the chunk's columns.
        key: tag, step, wall_time, record offset.
        tensor: the value's TensorProto.
        plugin: the tag's plugin ("" when unknown).
        content: the plugin_data.content that applies to this value.
        handler: TENSOR_HANDLERS[plugin], or None for plugins kept in the tensors table.

    Returns:
        True when the value was decoded as its plugin, False when it went to the tensors table.
    """
    if handler is not None:
        try:
            handler(out, key, tensor, content)
            return True
        except ValueError as err:
            out.problem(
                key[3],
                "bad_value",
                f"value of tag {key[0]!r} at step {key[1]} could not be read as plugin {plugin!r} "
                f"({err}); kept in the tensors table",
            )
    out.add("tensors", key, tensors.from_tensor(plugin, tensor))
    return False
