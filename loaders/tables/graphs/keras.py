"""Keras model config JSON (Keras 2 and 3; Sequential, Functional, nested) → layer nodes and edges."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd

from loaders.tables.graphs.graphdef import GraphRows

KERAS_GRAPH = "keras"
_MODEL_CLASSES = {"Sequential", "Functional", "Model"}


@dataclass(frozen=True)
class _Source:
    """One tensor feeding a layer: the producing node, its output index and the shape if known."""

    node: str
    index: int = 0
    shape: str = ""


def parse_keras_model(config_json: str | bytes, *, graph: str = KERAS_GRAPH) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Turn a Keras model config (model.to_json()) into node and edge tables.

    Layers become nodes (op = class_name, attrs = the layer config as JSON, scope = ""); the
    layers of a nested model are named "<model>/<layer>" with scope "<model>". Edges come from
    inbound_nodes, in the Keras 2 form [[["input_1", 0, 0, {}]]] or the Keras 3 form of
    {"args": [...], "kwargs": {...}} holding "__keras_tensor__" dicts with a keras_history
    (searched through nested lists and dicts; their shape goes on the edge). Layers without
    inbound nodes (Sequential) are chained in order. An edge into a nested model goes to its
    input layers (or first layer); an edge out of it leaves from its output layers (or last).

    Args:
        config_json: the JSON text (utf-8 bytes accepted).
        graph: the graph source name (the `graph` column, and named in errors).

    Returns:
        (nodes, edges) with the same columns as parse_graph_def's.

    Raises:
        ValueError: the text is not JSON or not a Keras model config.
    """
    try:
        text = config_json.decode("utf-8") if isinstance(config_json, bytes) else config_json
        model = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"graph {graph!r}: the Keras model config is not valid JSON ({exc})") from exc
    if not isinstance(model, dict) or not isinstance(model.get("config"), (dict, list)):
        raise ValueError(
            f"graph {graph!r}: the Keras model config has no 'config' object; expected the JSON of model.to_json()"
        )
    rows = GraphRows(graph)
    try:
        _add_model(rows, model, scope="", feeds=[])
    except (AttributeError, TypeError, KeyError, IndexError, ValueError) as exc:
        raise ValueError(
            f"graph {graph!r}: unexpected Keras model config layout ({type(exc).__name__}: {exc})"
        ) from exc
    return rows.frames()


def _layers(model: dict[str, Any]) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
    """Return (name, layers, config) of a model; very old Sequential configs are a bare list."""
    config = model["config"]
    if isinstance(config, list):
        return model.get("name") or "sequential", config, {}
    return config.get("name") or model.get("name") or "model", list(config.get("layers") or []), config


def _is_model(layer: dict[str, Any]) -> bool:
    config = layer.get("config")
    return (
        layer.get("class_name") in _MODEL_CLASSES
        or (isinstance(config, dict) and "layers" in config)
        or (isinstance(config, list))
    )


def _layer_name(layer: dict[str, Any]) -> str:
    config = layer.get("config")
    name = layer.get("name") or (config.get("name") if isinstance(config, dict) else None)
    return str(name or layer.get("class_name") or "layer")


def _add_model(rows: GraphRows, model: dict[str, Any], scope: str, feeds: list[_Source]) -> list[str]:
    """Add a model's layers under scope; feeds are the tensors entering it. Returns its output nodes."""
    _, layers, config = _layers(model)
    produced: dict[str, list[str]] = {}  # layer name -> nodes producing its outputs
    models: set[str] = set()  # names of the nested models among the layers
    input_names = [ref[0] for ref in _refs(config.get("input_layers"))]
    previous: list[_Source] = feeds
    for layer in layers:
        name = _layer_name(layer)
        sources = _resolve(_inbound(layer), produced, models, scope)
        if name in input_names and input_names.index(name) < len(feeds):
            sources = [feeds[input_names.index(name)]]
        elif not sources and not _has_inbound(layer) and not input_names:
            sources = previous  # Sequential: chain consecutive layers
        node = f"{scope}/{name}" if scope else name
        if _is_model(layer):
            produced[name] = _add_model(rows, layer, node, sources)
            models.add(name)
        else:
            _add_layer(rows, layer, node, scope, sources)
            produced[name] = [node]
        previous = [_Source(out) for out in produced[name]]
    outputs = [ref[0] for ref in _refs(config.get("output_layers"))]
    if outputs:
        return [out for name in outputs for out in produced.get(name, [f"{scope}/{name}" if scope else name])]
    return [source.node for source in previous]


def _add_layer(rows: GraphRows, layer: dict[str, Any], node: str, scope: str, sources: list[_Source]) -> None:
    attrs = json.dumps(layer.get("config") if isinstance(layer.get("config"), dict) else {}, ensure_ascii=False)
    rows.nodes.append((node, str(layer.get("class_name") or ""), "", [s.node for s in sources], attrs, scope, ""))
    for source in sources:
        rows.edges.append((source.node, node, False, source.index, ""))
        if source.shape:
            shapes = rows.shapes.setdefault(source.node, [])
            shapes.extend([""] * (source.index + 1 - len(shapes)))
            shapes[source.index] = shapes[source.index] or source.shape


def _resolve(
    inbound: list[tuple[str, int, int, str]], produced: dict[str, list[str]], models: set[str], scope: str
) -> list[_Source]:
    """Map (layer, node_index, tensor_index, shape) references to the nodes that produce them."""
    sources = []
    for name, _, tensor_index, shape in inbound:
        outs = produced.get(name)
        if outs is None:  # unknown layer: keep the edge, GraphRows adds the node with op ""
            sources.append(_Source(f"{scope}/{name}" if scope else name, tensor_index, shape))
        elif name in models:  # a nested model: its tensor_index-th output layer
            sources.append(
                _Source(outs[min(tensor_index, len(outs) - 1)], 0, shape)
                if outs
                else _Source(f"{scope}/{name}" if scope else name, tensor_index, shape)
            )
        else:
            sources.append(_Source(outs[0], tensor_index, shape))
    return sources


def _has_inbound(layer: dict[str, Any]) -> bool:
    return bool(layer.get("inbound_nodes"))


def _inbound(layer: dict[str, Any]) -> list[tuple[str, int, int, str]]:
    """Return every (layer, node_index, tensor_index, shape) feeding a layer, Keras 2 or 3 form."""
    found: list[tuple[str, int, int, str]] = []
    for call in layer.get("inbound_nodes") or []:
        if isinstance(call, dict):  # Keras 3
            _walk_keras_tensors([call.get("args", []), call.get("kwargs", {})], found)
        else:  # Keras 2: a list of [name, node_index, tensor_index, kwargs]
            found.extend((name, node, tensor, "") for name, node, tensor in _refs(call))
    return found


def _walk_keras_tensors(value: object, found: list[tuple[str, int, int, str]]) -> None:
    if isinstance(value, dict):
        config = value.get("config")
        if value.get("class_name") == "__keras_tensor__" and isinstance(config, dict):
            history = config.get("keras_history") or []
            if len(history) >= 3:
                found.append((str(history[0]), int(history[1]), int(history[2]), _shape(config.get("shape"))))
            return
        for item in value.values():
            _walk_keras_tensors(item, found)
    elif isinstance(value, list):
        for item in value:
            _walk_keras_tensors(item, found)


def _refs(value: object) -> list[tuple[str, int, int]]:
    """Normalize ["name", 0, 0(, {})] or [["name", 0, 0], ...] to a list of (name, node, tensor)."""
    if not isinstance(value, list) or not value:
        return []
    if isinstance(value[0], str):
        node = int(value[1]) if len(value) > 1 and isinstance(value[1], int) else 0
        tensor = int(value[2]) if len(value) > 2 and isinstance(value[2], int) else 0
        return [(value[0], node, tensor)]
    return [ref for item in value for ref in _refs(item)]


def _shape(shape: object) -> str:
    if not isinstance(shape, list):
        return ""
    return "[" + ",".join("-1" if dim is None else str(dim) for dim in shape) + "]"
