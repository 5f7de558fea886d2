"""decode_chunk on the checked-in TF2/Keras/flax/clu event files, against their expected.json."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from loaders.chunk import FileChunk
from loaders.events import decode_chunk
from loaders.proto import hparams_pb2, run_metadata_pb2, tensor_pb2
from loaders.records import scan_records
from loaders.schemas import SCHEMAS
from loaders.tensors import decode_tensor

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tf2"
EXPECTED: dict[str, Any] = json.loads((FIXTURES / "expected.json").read_text())


def _decode(run: str) -> FileChunk:
    (path,) = [p for p in (FIXTURES / run).iterdir() if "tfevents" in p.name]
    chunk = decode_chunk(scan_records(str(path)))
    for kind, table in chunk.tables.items():
        assert table.schema == SCHEMAS[kind], kind
    return chunk


def _by_tag(chunk: FileChunk, kind: str) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {}
    for row in chunk.tables[kind].to_pylist():
        rows.setdefault(row["tag"], []).append(row)
    return rows


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("run", EXPECTED["runs"])
def test_events_tf2_fixture_decodes_without_problems(run):
    chunk = _decode(run)
    assert chunk.problems == [] and chunk.file_version == "brain.Event:2"
    assert not chunk.truncated and chunk.restarts == []
    assert chunk.tables
    for table in chunk.tables.values():  # rows in file order
        offsets = table.column("_offset").to_pylist()
        assert offsets == sorted(offsets)
    if run in EXPECTED["keras"]["tags"]:
        assert sorted(chunk.tags) == EXPECTED["keras"]["tags"][run]


@pytest.mark.parametrize("run", sorted(EXPECTED["scalars"]))
def test_events_tf2_fixture_scalars_exact(run):
    rows = _by_tag(_decode(run), "scalars")
    for tag, points in EXPECTED["scalars"][run].items():
        got = [(row["step"], row["value"]) for row in rows[tag]]
        assert [step for step, _ in got] == [step for step, _ in points], (run, tag)
        np.testing.assert_array_equal([value for _, value in got], [float(value) for _, value in points])


def test_events_tf2_fixture_histograms_from_k_by_3_tensors():
    rows = _by_tag(_decode("tf_summary"), "histograms")
    for tag, steps in EXPECTED["histograms"]["tf_summary"].items():
        for row, expected in zip(rows[tag], steps, strict=True):
            assert row["step"] == expected["step"]
            assert (row["min"], row["max"], row["num"]) == (expected["min"], expected["max"], expected["num"])
            assert row["bucket_limit"] == expected["bucket_limit"] and row["bucket"] == expected["bucket"]
            assert len(row["bucket"]) == expected["num_buckets"]
            assert math.isnan(row["sum"]) and math.isnan(row["sum_squares"])
    keras = _by_tag(_decode("keras/train"), "histograms")
    for tag, steps in EXPECTED["histograms"]["keras/train"].items():
        assert [(r["step"], r["num"]) for r in keras[tag]] == [(s["step"], s["num"]) for s in steps]


def test_events_tf2_fixture_images_and_audio():
    chunk = _decode("tf_summary")
    images = _by_tag(chunk, "images")["images/rgb"]
    for expected in EXPECTED["images"]["tf_summary"]["images/rgb"]:
        rows = [row for row in images if row["step"] == expected["step"]]
        assert [row["index"] for row in rows] == list(range(expected["count"]))
        assert {(r["width"], r["height"], r["content_type"]) for r in rows} == {
            (expected["width"], expected["height"], expected["content_type"])}
        assert [_sha(row["data"]) for row in rows] == expected["sha256"]
    audio = _by_tag(chunk, "audio")
    for tag, clips in EXPECTED["audio"]["tf_summary"].items():
        got = [{**{k: row[k] for k in ("step", "index", "sample_rate", "channels", "frames", "content_type", "label")},
                "sha256": _sha(row["data"])} for row in audio[tag]]
        assert got == clips, tag


def test_events_tf2_fixture_text_and_tensors():
    chunk = _decode("tf_summary")
    text = _by_tag(chunk, "text")
    for tag, steps in EXPECTED["text"]["tf_summary"].items():
        assert [{k: row[k] for k in ("step", "value", "shape", "values")} for row in text[tag]] == steps, tag
    (row,) = _by_tag(chunk, "tensors")["custom/int_matrix"]
    (expected,) = EXPECTED["tensors"]["tf_summary"]["custom/int_matrix"]
    assert (row["plugin"], row["dtype"], row["shape"]) == (expected["plugin"], expected["dtype"], expected["shape"])
    assert decode_tensor(tensor_pb2.TensorProto.FromString(row["data"])).ravel().tolist() == expected["values"]


def test_events_tf2_fixture_pr_curves():
    rows = _by_tag(_decode("tf_pr_curve"), "pr_curves")["pr/pr_curves"]
    for row, expected in zip(rows, EXPECTED["pr_curves"]["tf_pr_curve"]["pr/pr_curves"], strict=True):
        assert len(row["threshold"]) == expected["num_thresholds"]
        for column in ("threshold", "tp", "fp", "tn", "fn", "precision", "recall"):
            np.testing.assert_allclose(row[column], expected[column], rtol=1e-7, err_msg=column)


def test_events_tf2_fixture_hparams_rows():
    (experiment,) = _decode("tf_hparams").tables["hparams"].to_pylist()
    assert experiment["kind"] == "experiment"
    parsed = hparams_pb2.HParamsPluginData.FromString(experiment["data"]).experiment
    assert [info.name for info in parsed.hparam_infos] == EXPECTED["hparams"]["hparams"]
    assert [info.name.tag for info in parsed.metric_infos] == EXPECTED["hparams"]["metrics"]
    for run, session in EXPECTED["hparams"]["sessions"].items():
        (start,) = _decode(run).tables["hparams"].to_pylist()
        assert start["kind"] == "session_start"
        info = hparams_pb2.HParamsPluginData.FromString(start["data"]).session_start_info
        assert info.hparams["optimizer"].string_value == session["hparams"]["optimizer"]
        assert info.hparams["learning_rate"].number_value == session["hparams"]["learning_rate"]


def test_events_tf2_fixture_graph_rows():
    (traced,) = _decode("tf_graph").tables["graphs"].to_pylist()
    expected = EXPECTED["graphs"]["tf_graph"]
    assert (traced["tag"], traced["kind"], traced["step"]) == (expected["tag"], expected["kind"], expected["step"])
    assert len(run_metadata_pb2.RunMetadata.FromString(traced["data"]).function_graphs) == expected["function_graphs"]
    keras = {row["tag"]: row for row in _decode("keras/train").tables["graphs"].to_pylist()}
    assert (keras["keras"]["kind"], keras["batch_2"]["kind"]) == ("keras_model", "run_metadata_graph")
    assert json.loads(keras["keras"]["data"])["class_name"] == EXPECTED["graphs"]["keras/train"]["class_name"]
