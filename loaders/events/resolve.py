"""resolve_tensors: re-decode tensors whose plugin was unknown when their file was read."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pyarrow as pa

from loaders.chunk import TagInfo
from loaders.errors import Problem
from loaders.events.columns import ChunkColumns
from loaders.events.values import TENSOR_HANDLERS, add_tensor_value
from loaders.proto import tensor_pb2


def resolve_tensors(
    tensors: pa.Table, tags: Mapping[str, TagInfo], *, path: str = "", problems: list[Problem] | None = None
) -> dict[str, pa.Table]:
    """Re-decode "tensors" rows with plugin "" whose tag's plugin is now known.

    A run's files are decoded one at a time, so a tensor value whose metadata was written in
    another file of the run lands in the tensors table with plugin "". Given the run's tags,
    those rows are decoded as their plugin (as decode_chunk would have) into the proper kinds.
    Rows that stay tensors (still unknown, a plugin without its own table, or a value that does
    not fit its plugin) keep their place; the last two get their plugin name filled in.

    Args:
        tensors: a chunk-form tensors table (with `_offset`).
        tags: the run's tag metadata, tag -> TagInfo.
        path: the file the rows came from, named in problems.
        problems: if given, problems about values that do not fit their plugin are appended here.

    Returns:
        kind -> table for every kind that got rows, "tensors" included when rows remain.
    """
    plugins = tensors.column("plugin").to_pylist()
    tag_names = tensors.column("tag").to_pylist()
    todo = [
        i
        for i, (plugin, tag) in enumerate(zip(plugins, tag_names))
        if plugin == "" and tag in tags and tags[tag].plugin
    ]
    if not todo:
        return {"tensors": tensors} if tensors.num_rows else {}
    out = ChunkColumns(path)
    keep = np.ones(tensors.num_rows, dtype=bool)
    steps, walls, offsets, data = (tensors.column(name) for name in ("step", "wall_time", "_offset", "data"))
    for i in todo:
        info = tags[tag_names[i]]
        key = (tag_names[i], steps[i].as_py(), walls[i].as_py(), offsets[i].as_py())
        tensor = tensor_pb2.TensorProto.FromString(data[i].as_py())
        plugins[i] = info.plugin
        keep[i] = not add_tensor_value(out, key, tensor, info.plugin, info.content, TENSOR_HANDLERS.get(info.plugin))
    result = out.tables()
    result.pop("tensors", None)  # the originals stay, in place, with their plugin filled in
    remaining = tensors.set_column(
        tensors.schema.get_field_index("plugin"), "plugin", pa.array(plugins, type=pa.string())
    ).filter(pa.array(keep))
    if remaining.num_rows:
        result["tensors"] = remaining
    if problems is not None:
        problems.extend(out.problems)
    return result
