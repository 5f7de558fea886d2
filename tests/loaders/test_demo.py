"""The demo logdir: the runs it promises, determinism, safe replacement, and TensorBoard can read it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from tensorboard.backend.event_processing import event_accumulator as ea
from tensorboard.plugins.hparams import metadata as hparams_metadata
from tensorboard.util import tensor_util

from loaders import demo

GUIDANCE = {ea.TENSORS: 0, ea.SCALARS: 0, ea.HISTOGRAMS: 0, ea.IMAGES: 0, ea.AUDIO: 0}
EXPECTED_RUNS = ["mnist/lr_1e-2", "mnist/lr_1e-2_dropout", "mnist/lr_1e-3", "resnet/baseline"]


def _run_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*tfevents*"))}


def _reload(path: Path) -> ea.EventAccumulator:
    acc = ea.EventAccumulator(str(path), size_guidance=GUIDANCE)
    acc.Reload()
    return acc


def _values(acc: ea.EventAccumulator, tag: str) -> np.ndarray:
    return np.array([float(tensor_util.make_ndarray(e.tensor_proto)) for e in acc.Tensors(tag)])


def test_demo_writes_expected_runs_small(demo_logdir: Path) -> None:
    runs = sorted(str(p.parent.relative_to(demo_logdir)) for p in demo_logdir.rglob("*tfevents*"))
    assert runs == EXPECTED_RUNS
    assert (demo_logdir / demo.MARKER).read_text().strip() == str(demo.DEMO_VERSION)
    assert sum(len(b) for b in _run_files(demo_logdir).values()) < 3_000_000
    assert not [p for p in demo_logdir.parent.iterdir() if p.name.startswith(".")]  # no staging left behind


def test_demo_is_deterministic(demo_logdir: Path, tmp_path: Path) -> None:
    again = Path(demo.write_demo_logdir(tmp_path / "again"))
    assert _run_files(again) == _run_files(demo_logdir)


def test_demo_tensor_runs_read_by_tensorboard(demo_logdir: Path) -> None:
    acc = _reload(demo_logdir / "mnist" / "lr_1e-2")
    tags = acc.Tags()["tensors"]
    for tag in ("train/loss", "train/accuracy", "val/loss", "val/accuracy", "learning_rate", "dense1/kernel",
                "inputs/digits", "notes", "eval/per_class", "pr/class_0", "_hparams_/session_start_info"):
        assert tag in tags
    loss = _values(acc, "train/loss")
    assert len(loss) == demo.STEPS and np.isnan(loss[312]) and np.isnan(loss).sum() == 1
    assert loss[:50].mean() > 3 * np.nanmean(loss[-50:])  # a decaying curve
    assert [e.step for e in acc.Tensors("val/accuracy")][:3] == [0, 25, 50]
    assert acc.Tensors("train/loss")[10].wall_time == demo.BASE_TIME + 10 * demo.SECONDS_PER_STEP
    table = tensor_util.make_ndarray(acc.Tensors("eval/per_class")[0].tensor_proto)
    assert table.shape == (len(demo.CLASSES) + 1, 3) and table[0].tolist() == [b"class", b"precision", b"recall"]
    digits = tensor_util.make_ndarray(acc.Tensors("inputs/digits")[0].tensor_proto)
    assert digits[:2].tolist() == [b"28", b"28"] and len(digits) == 6
    assert tensor_util.make_ndarray(acc.Tensors("pr/class_0")[-1].tensor_proto).shape == (6, 201)
    assert {n.name.split("/")[0] for n in acc.Graph().node} >= {"input", "dense1", "output", "loss", "train"}


def test_demo_legacy_run_read_by_tensorboard(demo_logdir: Path) -> None:
    acc = _reload(demo_logdir / "resnet" / "baseline")
    tags = acc.Tags()
    assert {"train/loss", "learning_rate", "val/accuracy"} <= set(tags["scalars"])
    lr = [s.value for s in acc.Scalars("learning_rate")]
    assert lr[0] == pytest.approx(0.1) and lr[300] == pytest.approx(0.01) and lr[-1] == pytest.approx(0.001)
    assert "dense1/kernel" in tags["histograms"] and len(acc.Histograms("dense1/kernel")) == 20
    image = acc.Images("inputs/sample")[0]
    assert (image.width, image.height) == (32, 32) and image.encoded_image_string.startswith(b"\x89PNG")
    clips = tensor_util.make_ndarray(acc.Tensors("samples/tones")[0].tensor_proto)
    assert clips.shape == (3, 2) and clips[0, 0][:4] == b"RIFF" and clips[2, 1] == b"**440 Hz** tone"


def test_demo_hparams_differ_across_runs(demo_logdir: Path) -> None:
    seen = {}
    for run in EXPECTED_RUNS:
        content = _reload(demo_logdir / run).PluginTagToContent("hparams")
        start = hparams_metadata.parse_session_start_info_plugin_data(content["_hparams_/session_start_info"])
        experiment = hparams_metadata.parse_experiment_plugin_data(content["_hparams_/experiment"])
        assert [m.name.tag for m in experiment.metric_infos] == ["val/accuracy", "val/loss"]
        seen[run] = (start.hparams["lr"].number_value, start.hparams["dropout"].number_value,
                     start.hparams["optimizer"].string_value)
    assert seen["mnist/lr_1e-2_dropout"] == (0.01, 0.3, "adam") and seen["resnet/baseline"][2] == "sgd"
    assert len(set(seen.values())) == 4


def test_demo_custom_scalars_layout_in_first_run(demo_logdir: Path) -> None:
    from tensorboard.plugins.custom_scalar import layout_pb2

    acc = _reload(demo_logdir / "mnist" / "lr_1e-3")
    raw = tensor_util.make_ndarray(acc.Tensors("custom_scalars__config__")[0].tensor_proto).item()
    layout = layout_pb2.Layout.FromString(raw)
    assert [c.title for c in layout.category] == ["Training", "Validation"]
    assert layout.category[1].chart[0].margin.series[0].lower == "val/loss_lower"
    assert "val/loss_lower" in acc.Tags()["tensors"]


def test_demo_second_call_keeps_current_demo(demo_logdir: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in demo_logdir.rglob("*")}
    assert demo.write_demo_logdir(demo_logdir) == str(demo_logdir)
    assert {p: p.stat().st_mtime_ns for p in demo_logdir.rglob("*")} == before


def test_demo_replaces_other_version_and_refuses_user_dirs(tmp_path: Path) -> None:
    old = tmp_path / "old"
    (old / "stale").mkdir(parents=True)
    (old / demo.MARKER).write_text("0\n")
    demo.write_demo_logdir(old)
    assert not (old / "stale").exists() and (old / demo.MARKER).read_text() == f"{demo.DEMO_VERSION}\n"
    user = tmp_path / "mine"
    user.mkdir()
    (user / "keep.txt").write_text("precious")
    with pytest.raises(FileExistsError, match="not an Eventscope demo logdir"):
        demo.write_demo_logdir(user)
    assert (user / "keep.txt").read_text() == "precious"


def test_demo_concurrent_writers_agree(tmp_path: Path) -> None:
    target = tmp_path / "shared"
    with ThreadPoolExecutor(4) as pool:
        paths = list(pool.map(lambda _: demo.write_demo_logdir(target), range(4)))
    assert paths == [str(target)] * 4
    assert sorted(str(p.parent.relative_to(target)) for p in target.rglob("*tfevents*")) == EXPECTED_RUNS
    assert [p.name for p in tmp_path.iterdir()] == ["shared"]
