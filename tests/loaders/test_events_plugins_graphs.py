"""events.plugins.graphs: one-string TF2 graph tensors become (kind, bytes) rows; anything else is refused."""

from __future__ import annotations

import numpy as np
import pytest

from loaders.events.plugins.graphs import GRAPH_PLUGINS, from_tensor


def test_graphs_from_tensor_takes_the_one_string_of_any_rank():
    assert from_tensor("keras_model", np.array(b'{"a": 1}', dtype=object)) == ("keras_model", b'{"a": 1}')
    assert from_tensor("run_metadata", np.array([[b"rm"]], dtype=object)) == ("run_metadata", b"rm")


@pytest.mark.parametrize("array", [np.array([b"a", b"b"], dtype=object), np.zeros(1, dtype=np.float32)])
def test_graphs_from_tensor_refuses_anything_but_one_string(array):
    with pytest.raises(ValueError, match="keras_model summary must be one string"):
        from_tensor("keras_model", array)


def test_graphs_plugins_map_to_the_graphs_row_kinds():
    assert set(GRAPH_PLUGINS.values()) == {"keras_model", "run_metadata_graph", "run_metadata"}
