"""Graphs: TF2 graph summaries (Keras model JSON, RunMetadata, its graph) as one-string tensors."""

from __future__ import annotations

import numpy as np

# Own columns, in schema order: kind, data.
GraphRow = tuple[str, bytes]

# plugin_data.plugin_name -> the graphs row kind its tensor holds.
GRAPH_PLUGINS = {
    "graph_keras_model": "keras_model",
    "graph_run_metadata_graph": "run_metadata_graph",
    "graph_run_metadata": "run_metadata",
}


def from_tensor(kind: str, array: np.ndarray) -> GraphRow:
    """Return the graphs row of a 0-d or one-element string tensor.

    Args:
        kind: the row kind ("keras_model", "run_metadata_graph", "run_metadata").
        array: the decoded tensor.

    Returns:
        kind and the serialized graph (or the model JSON as utf-8 bytes).

    Raises:
        ValueError: when the tensor is not exactly one string.
    """
    if array.dtype != object or array.size != 1:
        raise ValueError(f"a {kind} summary must be one string, got {array.dtype} of shape {list(array.shape)}")
    return kind, array.reshape(-1)[0]
