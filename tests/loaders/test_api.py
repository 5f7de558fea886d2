"""The public Logdir API: argument checking, filters, pivot, restarts, readers, laziness, problems."""

from __future__ import annotations

import math
import os
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from tensorboardX import SummaryWriter

import loaders
from loaders.api import Logdir
from loaders.writer import EventWriter
from tests.eventfiles import corrupt_payload_crc, records


@pytest.fixture
def abc_logdir(tmp_path):
    """Three tensorboardX runs: a/ and b/ with loss and acc, c/ with loss only."""
    for run, scale in (("a", 1.0), ("b", 2.0), ("c", 3.0)):
        with SummaryWriter(str(tmp_path / "logs" / run)) as writer:
            for step in range(5):
                writer.add_scalar("loss", scale / (step + 1), step)
                if run != "c":
                    writer.add_scalar("acc", step / 10, step)
    return tmp_path / "logs"


def _open(path, tmp_path, **kwargs) -> Logdir:
    return Logdir(path, cache_dir=tmp_path / "cache", **kwargs)


def test_logdir_missing_raises_logdir_not_found_with_path(tmp_path):
    with pytest.raises(loaders.LogdirNotFound, match="no-such-dir"):
        Logdir(tmp_path / "no-such-dir", cache_dir=tmp_path / "cache")
    with pytest.raises(loaders.LogdirNotFound, match="no-such-dir"):
        loaders.read_scalars(tmp_path / "no-such-dir", cache_dir=tmp_path / "cache")


def test_logdir_bad_restart_policy_names_the_valid_ones(abc_logdir, tmp_path):
    with pytest.raises(ValueError, match=r"restarts='drop' is not valid; use one of \['purge', 'keep'\]"):
        _open(abc_logdir, tmp_path, restarts="drop")


def test_logdir_options_are_keyword_only_and_the_error_shows_the_keyword_form(abc_logdir, tmp_path):
    cache = str(tmp_path / "cache")
    with pytest.raises(TypeError, match=re.escape(f"write Logdir(logdir, cache_dir={cache!r})")) as caught:
        Logdir(abc_logdir, cache)
    assert "options: cache_dir, restarts, progress" in str(caught.value)
    assert not os.path.exists(cache)  # refused before anything was opened
    with pytest.raises(TypeError, match=re.escape("cache_dir=None, restarts='keep'")):
        Logdir(abc_logdir, None, "keep")
    assert Logdir(abc_logdir, cache_dir=cache, restarts="keep").runs() == ["a", "b", "c"]


def test_logdir_runs_sorted_with_root_as_dot(tmp_path):
    for run in ("z", ".", "a/b"):
        with SummaryWriter(str(tmp_path / "logs" / run)) as writer:
            writer.add_scalar("x", 1.0, 0)
    assert _open(tmp_path / "logs", tmp_path).runs() == [".", "a/b", "z"]


def test_logdir_unknown_run_in_list_names_valid_choices(abc_logdir, tmp_path):
    with pytest.raises(ValueError, match=r"unknown runs \['d'\]; valid runs: 'a', 'b', 'c'"):
        _open(abc_logdir, tmp_path).scalars(runs=["a", "d"])


def test_logdir_unknown_tag_names_valid_tags_of_that_kind(abc_logdir, tmp_path):
    with pytest.raises(ValueError, match=r"unknown tags \['los'\]; valid scalars tags in the selected runs: 'acc', 'loss'"):
        _open(abc_logdir, tmp_path).scalars(tags=["los"])
    with pytest.raises(ValueError, match="there are no histograms tags in the selected runs"):
        _open(abc_logdir, tmp_path).histograms(tags=["loss"])


def test_logdir_long_choice_lists_are_shortened(tmp_path):
    for index in range(25):
        with SummaryWriter(str(tmp_path / "logs" / f"run{index:02d}")) as writer:
            writer.add_scalar("x", 1.0, 0)
    with pytest.raises(ValueError, match=r"'run19' and 5 more$"):
        _open(tmp_path / "logs", tmp_path).scalars(runs=["nope"])


@pytest.mark.parametrize("bad", [3, ["a", 3], {"a": 1}, b"a"])
def test_logdir_bad_selector_types_name_the_valid_forms(abc_logdir, tmp_path, bad):
    with pytest.raises(TypeError, match=r"runs must be None \(all\), a name \(str\), a list of names, or a compiled regex"):
        _open(abc_logdir, tmp_path).scalars(runs=bad)
    with pytest.raises(TypeError, match="tags must be"):
        _open(abc_logdir, tmp_path).scalars(tags=bad)


def test_logdir_selectors_accept_name_list_and_regex(abc_logdir, tmp_path):
    lg = _open(abc_logdir, tmp_path)
    assert set(lg.scalars(runs="b")["run"]) == {"b"}
    assert set(lg.scalars(runs=["c", "a"])["run"]) == {"a", "c"}
    assert lg.scalars(runs=["c", "a"])["run"].unique().tolist() == ["a", "c"]  # run order, not list order
    assert set(lg.scalars(runs=re.compile("[bc]"))["run"]) == {"b", "c"}
    assert set(lg.scalars(tags=re.compile("^l"))["tag"]) == {"loss"}
    assert lg.scalars(runs=re.compile("nothing")).empty
    assert lg.scalars(runs=[]).empty


def test_logdir_scalars_values_and_column_order(abc_logdir, tmp_path):
    frame = _open(abc_logdir, tmp_path).scalars(runs="b", tags="loss")
    assert frame.columns.tolist() == ["run", "tag", "step", "wall_time", "value"]
    assert frame["step"].tolist() == [0, 1, 2, 3, 4]
    assert frame["value"].tolist() == pytest.approx([2.0, 1.0, 2 / 3, 0.5, 0.4])
    assert frame["step"].dtype == np.int64 and frame["value"].dtype == np.float64


def test_logdir_scalars_table_is_the_arrow_twin(abc_logdir, tmp_path):
    lg = _open(abc_logdir, tmp_path)
    table = lg.scalars_table(runs=["a"])
    assert isinstance(table, pa.Table)
    assert table.column_names == ["run", "tag", "step", "wall_time", "value"]
    assert table.to_pandas().equals(lg.scalars(runs=["a"]))


def test_logdir_scalars_pivot_one_column_per_tag(abc_logdir, tmp_path):
    wide = _open(abc_logdir, tmp_path).scalars(pivot=True)
    assert wide.index.names == ["run", "step"]
    assert wide.columns.tolist() == ["acc", "loss"]
    assert wide.loc[("b", 3), "loss"] == pytest.approx(0.5)
    assert wide.loc[("a", 2), "acc"] == pytest.approx(0.2)
    assert math.isnan(wide.loc[("c", 1), "acc"])
    assert len(wide) == 15


def test_logdir_pivot_keeps_the_last_value_written_at_a_step(tmp_path):
    with EventWriter(tmp_path / "logs" / "run") as writer:
        writer.add_scalar("loss", 1.0, 0)
        writer.add_scalar("loss", 2.0, 0)
        writer.add_scalar("loss", float("nan"), 1)
    wide = _open(tmp_path / "logs", tmp_path, restarts="keep").scalars(pivot=True)
    assert wide.loc[("run", 0), "loss"] == 2.0
    assert math.isnan(wide.loc[("run", 1), "loss"])


def test_logdir_restarts_purge_and_keep_with_torch_purge_step(tmp_path):
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    run = tmp_path / "logs" / "run"
    with TorchWriter(str(run), filename_suffix=".1") as writer:
        for step in range(10):
            writer.add_scalar("loss", float(step), step)
    with TorchWriter(str(run), purge_step=5, filename_suffix=".2") as writer:
        for step in range(5, 8):
            writer.add_scalar("loss", 100.0 + step, step)
    files = sorted(os.listdir(run))
    assert len(files) == 2
    purged = _open(tmp_path / "logs", tmp_path).scalars()
    assert purged["step"].tolist() == [0, 1, 2, 3, 4, 5, 6, 7]
    assert purged["value"].tolist() == [0, 1, 2, 3, 4, 105, 106, 107]
    kept = _open(tmp_path / "logs", tmp_path, restarts="keep").scalars()
    assert kept["step"].tolist() == [*range(10), 5, 6, 7]
    tags = _open(tmp_path / "logs", tmp_path).tags()
    assert tags[["count", "first_step", "last_step"]].values.tolist() == [[8, 0, 7]]


def test_logdir_restart_inside_one_file_purges_only_earlier_rows(tmp_path):
    with EventWriter(tmp_path / "logs" / "run") as writer:
        for step in range(6):
            writer.add_scalar("loss", float(step), step)
        writer.add_session_start(3)
        for step in range(3, 5):
            writer.add_scalar("loss", 10.0 + step, step)
        writer.add_session_start(4)
        writer.add_scalar("loss", 99.0, 4)
    frame = _open(tmp_path / "logs", tmp_path).scalars()
    assert list(zip(frame["step"], frame["value"])) == [(0, 0.0), (1, 1.0), (2, 2.0), (3, 13.0), (4, 99.0)]


def test_logdir_tags_one_row_per_run_and_tag(abc_logdir, tmp_path):
    tags = _open(abc_logdir, tmp_path).tags()
    assert tags.columns.tolist() == ["run", "tag", "plugin", "count", "first_step", "last_step"]
    assert tags[["run", "tag", "plugin"]].values.tolist() == [
        ["a", "acc", "scalars"], ["a", "loss", "scalars"], ["b", "acc", "scalars"], ["b", "loss", "scalars"],
        ["c", "loss", "scalars"]]
    assert set(tags["count"]) == {5} and set(tags["first_step"]) == {0} and set(tags["last_step"]) == {4}


def test_logdir_readers_for_every_kind_from_tensorboardx(tmp_path):
    with SummaryWriter(str(tmp_path / "logs" / "run")) as writer:
        writer.add_histogram("weights", np.arange(100, dtype=np.float64), 1)
        writer.add_image("img", np.zeros((3, 4, 5), dtype=np.uint8), 2)
        writer.add_text("note", "hello", 4)
        writer.add_pr_curve("pr", np.array([0, 1, 1, 0]), np.array([0.1, 0.9, 0.8, 0.3]), 5, num_thresholds=11)
    with EventWriter(tmp_path / "logs" / "run") as writer:  # tensorboardX's add_audio needs soundfile
        writer.add_audio("sound", np.zeros(800), 8000, 3)
    lg = _open(tmp_path / "logs", tmp_path)
    hist = lg.histograms()
    assert hist.columns.tolist()[:5] == ["run", "tag", "step", "wall_time", "min"]
    assert (hist["tag"][0], hist["num"][0], hist["max"][0]) == ("weights", 100, 99)
    image = lg.images()
    assert (image["width"][0], image["height"][0], image["content_type"][0]) == (5, 4, "image/png")
    assert image["data"][0].startswith(b"\x89PNG")
    assert lg.audio()["sample_rate"].tolist() == [8000.0]
    assert lg.text()["value"].tolist() == ["hello"]
    pr = lg.pr_curves()
    assert (pr["tag"][0], pr["step"][0], len(pr["threshold"][0])) == ("pr", 5, 11)
    assert set(lg.tags()["plugin"]) == {"histograms", "images", "audio", "text", "pr_curves"}


def test_logdir_tensors_without_metadata_resolve_by_the_runs_other_file(tmp_path):
    run = tmp_path / "logs" / "run"
    with EventWriter(run) as writer:
        writer.add_scalar("acc", 0.25, 0)
    os.rename(writer.path, run / "events.out.tfevents.1.host")
    with EventWriter(run) as writer:  # values only: their metadata is in the first file
        writer.add_tensor("acc", np.float32(0.5), 1)
        writer.add_tensor("mystery", np.float32(7.0), 1)
    os.rename(writer.path, run / "events.out.tfevents.2.host")
    lg = _open(tmp_path / "logs", tmp_path)
    frame = lg.scalars()
    assert list(zip(frame["step"], frame["value"])) == [(0, 0.25), (1, 0.5)]
    tensors = lg.tensors()
    assert tensors[["tag", "plugin"]].values.tolist() == [["mystery", ""]]
    assert lg.tags().set_index("tag").loc["acc", "count"] == 2


def test_logdir_reads_lazily_only_the_runs_asked_for(abc_logdir, tmp_path):
    lg = _open(abc_logdir, tmp_path)
    assert lg._cache.decoded_bytes == 0
    lg.scalars(runs=["a"])
    (path,) = lg._discovery.runs["a"]
    assert lg._cache.decoded_bytes == os.path.getsize(path)


def test_logdir_memoizes_tables_until_refresh_sees_a_change(abc_logdir, tmp_path, monkeypatch):
    lg = _open(abc_logdir, tmp_path)
    assembled = []
    real = lg._assemble
    monkeypatch.setattr(lg, "_assemble", lambda *args: assembled.append(args[:2]) or real(*args))
    lg.scalars_table(runs=["a"])
    lg.scalars_table(runs=["a"])
    lg.refresh().scalars_table(runs=["a"])
    assert assembled == [("a", "scalars")]
    with EventWriter(abc_logdir / "a") as writer:
        writer.add_scalar("loss", 9.0, 9)
    assert lg.scalars(runs=["a"], tags="loss")["step"].tolist() == [0, 1, 2, 3, 4]  # not refreshed yet
    assert lg.refresh().scalars(runs=["a"], tags="loss")["step"].tolist() == [0, 1, 2, 3, 4, 9]
    assert assembled == [("a", "scalars")] * 2


def test_logdir_refresh_discovers_new_runs(abc_logdir, tmp_path):
    lg = _open(abc_logdir, tmp_path)
    with SummaryWriter(str(abc_logdir / "d")) as writer:
        writer.add_scalar("loss", 1.0, 0)
    assert "d" not in lg.runs()
    assert "d" in lg.refresh().runs()
    assert lg.scalars(runs="d")["value"].tolist() == [1.0]


def test_logdir_problems_name_corrupt_record_offset(abc_logdir, tmp_path):
    path = os.path.join(abc_logdir, "a", os.listdir(abc_logdir / "a")[0])
    offset = corrupt_payload_crc(path, 3)
    lg = _open(abc_logdir, tmp_path)
    assert len(lg.scalars(runs="a")) == 9  # the other values are still read
    problems = lg.problems()
    assert problems.columns.tolist() == ["path", "offset", "kind", "message"]
    assert problems[["path", "offset", "kind"]].values.tolist() == [[path, offset, "payload_crc"]]
    assert str(offset) in problems["message"][0]
    assert offset == records(path)[3][0]


def test_logdir_unreadable_event_file_becomes_a_problem(abc_logdir, tmp_path, monkeypatch):
    lg = _open(abc_logdir, tmp_path)
    (path,) = lg._discovery.runs["b"]
    os.remove(path)
    assert lg.scalars(runs="b").empty
    assert lg.problems()["kind"].tolist() == ["unreadable_file"]


def test_logdir_profiles_and_trace_of_an_empty_capture(tmp_path):
    session = tmp_path / "logs" / "train" / "plugins" / "profile" / "s1"
    session.mkdir(parents=True)
    (session / "host.xplane.pb").write_bytes(b"")
    lg = _open(tmp_path / "logs", tmp_path)
    profiles = lg.profiles()
    assert profiles.values.tolist() == [["train", "s1", "host", "xplane", str(session / "host.xplane.pb")]]
    assert lg.runs() == []
    events = lg.trace("train")  # an empty file is an empty XSpace: no events, a problem saying so
    assert events.empty
    assert "no device plane" in events.attrs["problems"][0]
    with pytest.raises(TypeError, match=re.escape("write Logdir.trace(run, session='s1')")):
        lg.trace("train", "s1")


def test_logdir_graph_checks_the_run_name(abc_logdir, tmp_path):
    with pytest.raises(ValueError, match="unknown runs \\['zz'\\]"):
        _open(abc_logdir, tmp_path).graph("zz")
    with pytest.raises(TypeError, match="one run name"):
        _open(abc_logdir, tmp_path).graph(["a"])


def test_logdir_files_and_tag_metadata(abc_logdir, tmp_path):
    lg = _open(abc_logdir, tmp_path)
    files = lg.files(runs="a")
    assert files[["run", "records", "truncated", "file_version"]].values.tolist() == [["a", 11, False, "brain.Event:2"]]
    meta = lg.tag_metadata(runs="a")
    assert sorted(meta["tag"]) == ["acc", "loss"] and set(meta["plugin"]) == {"scalars"}


def test_logdir_progress_callback_reports_files_and_bytes(abc_logdir, tmp_path):
    calls = []
    lg = Logdir(abc_logdir, cache_dir=tmp_path / "cache", progress=lambda *args: calls.append(args))
    lg.scalars()
    sizes = [os.path.getsize(p) for run in lg.runs() for p in lg._discovery.runs[run]]
    assert [call[:2] for call in calls] == [(1, 3), (2, 3), (3, 3)]
    assert calls[-1][2:] == (sum(sizes), sum(sizes))


def test_read_scalars_one_shot_with_filters(abc_logdir, tmp_path):
    frame = loaders.read_scalars(abc_logdir, runs=re.compile("a|c"), tags=["loss"], cache_dir=tmp_path / "cache")
    assert isinstance(frame, pd.DataFrame)
    assert sorted(set(frame["run"])) == ["a", "c"] and set(frame["tag"]) == {"loss"}
    assert loaders.read_histograms(abc_logdir, cache_dir=tmp_path / "cache").empty


def test_logdir_hparams_joins_tensorboardx_sub_runs_to_their_parent(tmp_path):
    with SummaryWriter(str(tmp_path / "logs" / "exp")) as writer:
        writer.add_hparams({"lr": 0.1, "opt": "adam"}, {"hparam/acc": 0.75}, name="one")
        writer.add_hparams({"lr": 0.01, "opt": "sgd"}, {"hparam/acc": 0.5}, name="two")
    frame = _open(tmp_path / "logs", tmp_path).hparams()
    assert frame["run"].tolist() == ["exp", "exp"]
    assert frame["session"].tolist() == ["exp/one", "exp/two"]
    assert frame["lr"].tolist() == [0.1, 0.01] and frame["opt"].tolist() == ["adam", "sgd"]
    assert frame["hparam/acc"].tolist() == [0.75, 0.5]
    assert frame.attrs["hparams"] == ["lr", "opt"] and frame.attrs["metrics"] == ["hparam/acc"]


def test_logdir_graph_builds_nodes_and_edges(tmp_path):
    from loaders.proto.graph_pb2 import GraphDef

    graph_def = GraphDef()
    graph_def.node.add(name="x", op="Placeholder")
    graph_def.node.add(name="layer/relu", op="Relu", input=["x"])
    with EventWriter(tmp_path / "logs" / "run") as writer:
        writer.add_graph(graph_def)
    graph = _open(tmp_path / "logs", tmp_path).graph("run")
    assert graph.nodes[["name", "op", "scope"]].values.tolist() == [["x", "Placeholder", ""],
                                                                     ["layer/relu", "Relu", "layer"]]
    assert graph.edges[["source", "target"]].values.tolist() == [["x", "layer/relu"]]


def test_logdir_unreadable_graph_is_an_empty_graph_and_a_problem(tmp_path):
    with EventWriter(tmp_path / "logs" / "run") as writer:
        writer.add_graph(b"\xff\xff not a graph")
    lg = _open(tmp_path / "logs", tmp_path)
    graph = lg.graph("run")
    assert graph.nodes.empty and graph.edges.empty
    (problem,) = lg.problems().itertuples()
    assert problem.kind == "bad_graph" and problem.path == str(tmp_path / "logs" / "run")


def test_logdir_reads_every_kind_of_the_demo_logdir(demo_logdir, tmp_path):
    lg = _open(demo_logdir, tmp_path)
    for kind in ("scalars", "histograms", "images", "audio", "text", "tensors", "pr_curves"):
        frame = getattr(lg, kind)()
        assert len(frame) > 0, kind
        assert frame.columns.tolist()[:4] == ["run", "tag", "step", "wall_time"]
    assert len(lg.hparams()) == len(lg.runs())
    assert len(lg.graph(lg.runs()[0]).nodes) > 0
    assert lg.problems().empty
