"""The checked-in TensorFlow 2 / Keras / JAX fixtures read through loaders.Logdir match what was written."""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import loaders
from loaders.proto import tensor_pb2, xplane_pb2
from loaders.tensors import decode_tensor

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tf2"
EXPECTED: dict[str, Any] = json.loads((FIXTURES / "expected.json").read_text())


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> loaders.Logdir:
    return loaders.Logdir(FIXTURES, cache_dir=tmp_path_factory.mktemp("cache"))


def _number(value: float | str) -> float:
    """Return expected.json's number: "nan", "inf" and "-inf" become floats."""
    return float(value)


def _rows(frame: pd.DataFrame, run: str, tag: str) -> pd.DataFrame:
    """Return the rows of one run and tag, ordered by step then index (if any)."""
    keys = ["step", "index"] if "index" in frame.columns else ["step"]
    return frame[(frame["run"] == run) & (frame["tag"] == tag)].sort_values(keys).reset_index(drop=True)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(bytes(data)).hexdigest()


# ----- runs and tags ---------------------------------------------------------------------------


def test_tf_fixtures_runs_are_the_dirs_holding_event_files(logdir: loaders.Logdir) -> None:
    assert logdir.runs() == EXPECTED["runs"]


def test_tf_fixtures_tags_route_each_plugin(logdir: loaders.Logdir) -> None:
    tags = logdir.tags().set_index(["run", "tag"])
    plugins = {("tf_summary", "loss"): "scalars", ("tf_summary", "half/bfloat16"): "scalars",
               ("tf_summary", "hist/normal"): "histograms", ("tf_summary", "images/rgb"): "images",
               ("tf_summary", "audio/mono"): "audio", ("tf_summary", "text/table"): "text",
               ("tf_summary", "custom/int_matrix"): "custom_plugin", ("tf_pr_curve", "pr/pr_curves"): "pr_curves",
               ("keras/train", "epoch_loss"): "scalars", ("keras/train", "keras"): "graph_keras_model",
               ("tf_graph", "dense_relu_trace"): "graph_run_metadata_graph"}
    assert {key: tags.loc[key, "plugin"] for key in plugins} == plugins
    assert tags.loc[("tf_summary", "loss"), ["count", "first_step", "last_step"]].tolist() == [20, 0, 19]
    assert tags.loc[("tf_summary", "hist/normal"), ["count", "first_step", "last_step"]].tolist() == [3, 0, 2]


@pytest.mark.parametrize("run", ["keras/train", "keras/validation"])
def test_tf_fixtures_keras_runs_hold_the_callback_tags(logdir: loaders.Logdir, run: str) -> None:
    assert sorted(logdir.tags(run)["tag"]) == EXPECTED["keras"]["tags"][run]


# ----- scalars ---------------------------------------------------------------------------------


@pytest.mark.parametrize("run", sorted(EXPECTED["scalars"]))
def test_tf_fixtures_scalars_match_written_values(logdir: loaders.Logdir, run: str) -> None:
    frame = logdir.scalars(run)
    for tag, points in EXPECTED["scalars"][run].items():
        rows = _rows(frame, run, tag)
        assert rows["step"].tolist() == [step for step, _ in points], (run, tag)
        np.testing.assert_allclose(rows["value"].to_numpy(), [_number(v) for _, v in points], rtol=1e-6,
                                   err_msg=f"{run} {tag}")


def test_tf_fixtures_scalars_keep_nan_and_infinities(logdir: loaders.Logdir) -> None:
    rows = _rows(logdir.scalars("tf_summary", "weird"), "tf_summary", "weird").set_index("step")["value"]
    assert math.isnan(rows[5])
    assert rows[9] == math.inf and rows[13] == -math.inf
    assert rows[12] == 2.0


def test_tf_fixtures_scalars_decode_float16_and_bfloat16(logdir: loaders.Logdir) -> None:
    frame = logdir.scalars("tf_summary", ["half/float16", "half/bfloat16"])
    assert _rows(frame, "tf_summary", "half/float16")["value"].tolist() == [0.5, 1.5, -2.25, 65504.0]
    assert _rows(frame, "tf_summary", "half/bfloat16")["value"].tolist() == [0.5, 1.5, -2.25, 65536.0]


def test_tf_fixtures_keras_epoch_loss_matches_history(logdir: loaders.Logdir) -> None:
    history = EXPECTED["keras"]["history"]
    frame = logdir.scalars(["keras/train", "keras/validation"], "epoch_loss")
    np.testing.assert_allclose(_rows(frame, "keras/train", "epoch_loss")["value"], history["loss"], rtol=1e-6)
    np.testing.assert_allclose(_rows(frame, "keras/validation", "epoch_loss")["value"], history["val_loss"], rtol=1e-6)


# ----- histograms ------------------------------------------------------------------------------


@pytest.mark.parametrize("tag", sorted(EXPECTED["histograms"]["tf_summary"]))
def test_tf_fixtures_histograms_keep_tf2_buckets(logdir: loaders.Logdir, tag: str) -> None:
    rows = _rows(logdir.histograms("tf_summary", tag), "tf_summary", tag)
    expected = EXPECTED["histograms"]["tf_summary"][tag]
    assert rows["step"].tolist() == [entry["step"] for entry in expected]
    for row, entry in zip(rows.itertuples(), expected):
        assert list(row.bucket) == entry["bucket"], (tag, entry["step"])
        np.testing.assert_allclose(list(row.bucket_limit), entry["bucket_limit"], rtol=1e-12)
        assert len(row.bucket) == entry["num_buckets"]
        assert (row.num, row.min, row.max) == pytest.approx((entry["num"], entry["min"], entry["max"]))


def test_tf_fixtures_histograms_of_constant_and_empty_data(logdir: loaders.Logdir) -> None:
    frame = logdir.histograms("tf_summary", ["hist/constant", "hist/empty"])
    constant = _rows(frame, "tf_summary", "hist/constant").iloc[0]
    assert (constant["num"], constant["min"], constant["max"]) == (10.0, 3.0, 3.0)
    assert list(constant["bucket"]) == [0.0] * 29 + [10.0]
    empty = _rows(frame, "tf_summary", "hist/empty").iloc[0]
    assert empty["num"] == 0.0 and sum(empty["bucket"]) == 0.0


def test_tf_fixtures_keras_weight_histograms_count_every_weight(logdir: loaders.Logdir) -> None:
    frame = logdir.histograms("keras/train")
    for tag, entries in EXPECTED["histograms"]["keras/train"].items():
        rows = _rows(frame, "keras/train", tag)
        assert rows["step"].tolist() == [entry["step"] for entry in entries], tag
        assert rows["num"].tolist() == [entry["num"] for entry in entries], tag
        assert [len(bucket) for bucket in rows["bucket"]] == [30] * len(entries), tag
    assert {tag.split("/")[1] for tag in EXPECTED["histograms"]["keras/train"]} == {"hidden", "out"}


# ----- images, audio, text, tensors ------------------------------------------------------------


def test_tf_fixtures_images_keep_each_png(logdir: loaders.Logdir) -> None:
    rows = _rows(logdir.images("tf_summary", "images/rgb"), "tf_summary", "images/rgb")
    for entry in EXPECTED["images"]["tf_summary"]["images/rgb"]:
        step = rows[rows["step"] == entry["step"]]
        assert step["index"].tolist() == list(range(entry["count"]))
        assert set(step["width"]) == {entry["width"]} and set(step["height"]) == {entry["height"]}
        assert set(step["content_type"]) == {entry["content_type"]}
        assert [_sha256(data) for data in step["data"]] == entry["sha256"]


@pytest.mark.parametrize("tag", ["audio/mono", "audio/stereo"])
def test_tf_fixtures_audio_reads_the_wav_headers(logdir: loaders.Logdir, tag: str) -> None:
    rows = _rows(logdir.audio("tf_summary", tag), "tf_summary", tag)
    expected = EXPECTED["audio"]["tf_summary"][tag]
    columns = ["step", "index", "sample_rate", "channels", "frames", "content_type", "label"]
    assert rows[columns].to_dict("records") == [{key: clip[key] for key in columns} for clip in expected]
    assert [_sha256(data) for data in rows["data"]] == [clip["sha256"] for clip in expected]


@pytest.mark.parametrize("tag", sorted(EXPECTED["text"]["tf_summary"]))
def test_tf_fixtures_text_keeps_strings_and_table_shape(logdir: loaders.Logdir, tag: str) -> None:
    rows = _rows(logdir.text("tf_summary", tag), "tf_summary", tag)
    got = [{"step": r.step, "value": r.value, "shape": list(r.shape), "values": list(r.values)}
           for r in rows.itertuples()]
    assert got == EXPECTED["text"]["tf_summary"][tag]


def test_tf_fixtures_tensors_hold_only_the_custom_plugin_tensor(logdir: loaders.Logdir) -> None:
    rows = logdir.tensors("tf_summary")
    (expected,) = EXPECTED["tensors"]["tf_summary"]["custom/int_matrix"]
    assert rows["tag"].tolist() == ["custom/int_matrix"]
    row = rows.iloc[0]
    assert (row["step"], row["plugin"], list(row["shape"])) == (expected["step"], expected["plugin"], expected["shape"])
    array = decode_tensor(tensor_pb2.TensorProto.FromString(bytes(row["data"])))
    assert array.dtype == np.dtype(expected["dtype"])
    assert array.ravel().tolist() == expected["values"]


# ----- PR curves, hparams, graphs --------------------------------------------------------------


def test_tf_fixtures_pr_curves_keep_all_thresholds(logdir: loaders.Logdir) -> None:
    rows = _rows(logdir.pr_curves("tf_pr_curve"), "tf_pr_curve", "pr/pr_curves")
    expected = EXPECTED["pr_curves"]["tf_pr_curve"]["pr/pr_curves"]
    assert rows["step"].tolist() == [entry["step"] for entry in expected]
    for row, entry in zip(rows.to_dict("records"), expected):
        assert len(row["threshold"]) == entry["num_thresholds"] == 11
        for column in ("threshold", "tp", "fp", "tn", "fn", "precision", "recall"):
            np.testing.assert_allclose(list(row[column]), entry[column], rtol=1e-6, err_msg=column)


def test_tf_fixtures_hparams_one_row_per_session(logdir: loaders.Logdir) -> None:
    frame = logdir.hparams().set_index("session")
    sessions = EXPECTED["hparams"]["sessions"]
    assert sorted(frame.index) == sorted(sessions)
    for session, info in sessions.items():
        row = frame.loc[session]
        assert row["run"] == session
        assert {name: row[name] for name in info["hparams"]} == info["hparams"], session
        assert {name: row[name] for name in info["metrics"]} == pytest.approx(info["metrics"]), session
        assert row["status"] == "unknown"


def test_tf_fixtures_graph_merges_trace_export_function_graphs(logdir: loaders.Logdir) -> None:
    graph = logdir.graph("tf_graph")
    expected = EXPECTED["graphs"]["tf_graph"]
    assert graph.graphs == [expected["tag"]]
    assert sorted(graph.nodes[["name", "op"]].values.tolist()) == expected["nodes"]
    assert sorted(graph.edges[["source", "target"]].values.tolist()) == expected["edges"]
    assert graph.problems == ()


def test_tf_fixtures_graph_of_keras_model_config(logdir: loaders.Logdir) -> None:
    graph = logdir.graph("keras/train")
    expected = EXPECTED["graphs"]["keras/train"]
    assert graph.graphs == [expected["tag"]]  # batch_2's empty RunMetadata adds no graph
    assert graph.nodes[["name", "op"]].values.tolist() == expected["nodes"]
    assert graph.edges[["source", "target"]].values.tolist() == expected["edges"]
    assert graph.problems == ()


# ----- profiles --------------------------------------------------------------------------------


def test_tf_fixtures_profiles_find_keras_and_jax_captures(logdir: loaders.Logdir) -> None:
    frame = logdir.profiles()
    got = sorted((r.run, r.session, r.host, r.format, Path(os.path.relpath(r.path, FIXTURES)).as_posix())
                 for r in frame.itertuples())
    expected = sorted((p["run"], p["session"], p["host"], p["format"], p["path"]) for p in EXPECTED["profiles"])
    assert got == expected
    assert {("keras/train", "xplane"), ("jax_profile", "xplane")} <= {(p[0], p[3]) for p in expected}


def _event_names(path: Path, plane: str) -> list[tuple[str, dict[str, int]]]:
    """Return (event name, int stats) of every event on one plane of an XSpace file."""
    space = xplane_pb2.XSpace.FromString(path.read_bytes())
    (found,) = [p for p in space.planes if p.name == plane]
    names = {key: meta.name for key, meta in found.event_metadata.items()}
    stats = {key: meta.name for key, meta in found.stat_metadata.items()}
    return [(names[event.metadata_id], {stats[s.metadata_id]: s.int64_value for s in event.stats})
            for line in found.lines for event in line.events]


def test_tf_fixtures_jax_xplane_holds_step_annotations() -> None:
    (capture,) = [p for p in EXPECTED["profiles"] if p["run"] == "jax_profile" and p["format"] == "xplane"]
    events = _event_names(FIXTURES / capture["path"], "/host:CPU")
    steps = [stats.get("step_num") for name, stats in events if name == EXPECTED["jax"]["step_annotation"]]
    assert steps == EXPECTED["jax"]["steps"]
    assert any(EXPECTED["jax"]["jit_function"] in name for name, _ in events)


def test_tf_fixtures_keras_xplane_holds_host_events() -> None:
    (capture,) = [p for p in EXPECTED["profiles"] if p["run"] == "keras/train"]
    assert len(_event_names(FIXTURES / capture["path"], "/host:CPU")) > 0


# ----- the fixtures themselves -----------------------------------------------------------------


def test_tf_fixtures_read_without_problems(logdir: loaders.Logdir) -> None:
    for kind in ("scalars", "histograms", "images", "audio", "text", "tensors", "pr_curves"):
        getattr(logdir, kind)()
    logdir.hparams()
    assert logdir.problems().empty, logdir.problems().to_dict("records")


def test_tf_fixtures_fit_the_size_budget() -> None:
    total = sum(path.stat().st_size for path in FIXTURES.rglob("*") if path.is_file())
    assert total < 400_000
    assert EXPECTED["notes"] == []  # nothing skipped or dropped when they were made
