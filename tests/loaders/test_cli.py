"""`python -m loaders export|inspect`: every format round-trips, filters, exit codes, inspect findings."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow.feather as feather
import pytest
from tensorboardX import SummaryWriter

from loaders.api import Logdir
from loaders.cli import main
from loaders.writer import EventWriter
from tests.eventfiles import corrupt_payload_crc


@pytest.fixture
def two_runs(tmp_path):
    """train/ with loss (incl. NaN and inf), a histogram and an image; val/ with loss."""
    with SummaryWriter(str(tmp_path / "logs" / "train")) as writer:
        for step, value in enumerate([1.0, 0.5, float("nan"), float("inf"), 0.125]):
            writer.add_scalar("loss", value, step)
        writer.add_histogram("weights", np.arange(10, dtype=np.float64), 0)
        writer.add_image("digit", np.full((1, 2, 3), 0.5), 0)
    with SummaryWriter(str(tmp_path / "logs" / "val")) as writer:
        writer.add_scalar("loss", 2.0, 0)
    return tmp_path / "logs"


def _export(logdir, tmp_path, kind: str, fmt: str, *extra: str) -> tuple[int, str]:
    out = str(tmp_path / f"out.{fmt}")
    code = main(["export", str(logdir), "--kind", kind, "--format", fmt, "-o", out,
                 "--cache-dir", str(tmp_path / "cache"), *extra])
    return code, out


def _expected(logdir, tmp_path, kind: str = "scalars") -> pd.DataFrame:
    return getattr(Logdir(logdir, cache_dir=tmp_path / "cache"), kind)()


@pytest.mark.parametrize("fmt", ["parquet", "feather"])
def test_cli_export_scalars_binary_formats_round_trip_exactly(two_runs, tmp_path, fmt):
    code, out = _export(two_runs, tmp_path, "scalars", fmt)
    assert code == 0
    back = pd.read_parquet(out) if fmt == "parquet" else feather.read_feather(out)
    pd.testing.assert_frame_equal(back, _expected(two_runs, tmp_path))


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_cli_export_scalars_text_formats_round_trip(two_runs, tmp_path, fmt):
    code, out = _export(two_runs, tmp_path, "scalars", fmt)
    assert code == 0
    back = pd.read_csv(out) if fmt == "csv" else pd.DataFrame(json.load(open(out)))
    expected = _expected(two_runs, tmp_path)
    assert back["run"].tolist() == expected["run"].tolist()
    assert back["tag"].tolist() == expected["tag"].tolist()
    assert back["step"].tolist() == expected["step"].tolist()
    np.testing.assert_array_equal(back["value"].to_numpy(), expected["value"].to_numpy())  # NaN, inf kept
    np.testing.assert_allclose(back["wall_time"].to_numpy(), expected["wall_time"].to_numpy(), rtol=0, atol=1e-6)


def test_cli_export_csv_lists_as_json_and_binary_as_base64(two_runs, tmp_path):
    expected = _expected(two_runs, tmp_path, "histograms")
    code, out = _export(two_runs, tmp_path, "histograms", "csv")
    back = pd.read_csv(out)
    assert code == 0 and json.loads(back["bucket"][0]) == expected["bucket"][0].tolist()
    assert json.loads(back["bucket_limit"][0]) == expected["bucket_limit"][0].tolist()
    images = _expected(two_runs, tmp_path, "images")
    code, out = _export(two_runs, tmp_path, "images", "csv")
    assert base64.b64decode(pd.read_csv(out)["data"][0]) == images["data"][0]


def test_cli_export_json_keeps_lists_and_base64_data(two_runs, tmp_path):
    images = _expected(two_runs, tmp_path, "images")
    code, out = _export(two_runs, tmp_path, "images", "json")
    (record,) = json.load(open(out))
    assert code == 0 and base64.b64decode(record["data"]) == images["data"][0]
    assert (record["width"], record["height"], record["run"]) == (3, 2, "train")  # CHW (1, 2, 3)


def test_cli_export_filters_runs_and_tags_by_regex(two_runs, tmp_path):
    code, out = _export(two_runs, tmp_path, "scalars", "parquet", "--runs", "^va", "--tags", "oss$")
    back = pd.read_parquet(out)
    assert code == 0 and back[["run", "tag", "value"]].values.tolist() == [["val", "loss", 2.0]]


def test_cli_export_hparams(tmp_path):
    with SummaryWriter(str(tmp_path / "logs" / "exp")) as writer:
        writer.add_hparams({"lr": 0.1}, {"hparam/acc": 0.75}, name="one")
    code, out = _export(tmp_path / "logs", tmp_path, "hparams", "parquet")
    back = pd.read_parquet(out)
    assert code == 0 and back[["run", "session", "lr", "hparam/acc"]].values.tolist() == [["exp", "exp/one", 0.1, 0.75]]


def test_cli_export_nothing_found_exits_1_without_a_file(two_runs, tmp_path, capsys):
    code, out = _export(two_runs, tmp_path, "audio", "csv")
    assert code == 1 and not os.path.exists(out)
    assert "no audio found" in capsys.readouterr().err


def test_cli_export_tags_filter_matching_nothing_says_so_and_lists_close_tags(two_runs, tmp_path, capsys):
    with SummaryWriter(str(two_runs / "train")) as writer:
        writer.add_scalar("train/accuracy", 0.5, 0)
    code, out = _export(two_runs, tmp_path, "scalars", "csv", "--tags", "acuracy")
    err = capsys.readouterr().err
    assert code == 1 and not os.path.exists(out)
    assert "no scalars found" not in err
    assert "--tags 'acuracy' matches none of the 2 scalars tags in " in err
    assert "close scalars tags: train/accuracy; nothing written" in err


def test_cli_export_tags_filter_with_no_close_tag_lists_the_tags_there(two_runs, tmp_path, capsys):
    code, _ = _export(two_runs, tmp_path, "scalars", "csv", "--tags", "nomatch")
    assert code == 1
    assert "--tags 'nomatch' matches none of the 1 scalars tag in " in capsys.readouterr().err
    code, _ = _export(two_runs, tmp_path, "histograms", "csv", "--tags", "wieghts")
    assert code == 1 and "close histograms tags: weights" in capsys.readouterr().err


def test_cli_export_runs_filter_matching_nothing_lists_close_runs(two_runs, tmp_path, capsys):
    code, _ = _export(two_runs, tmp_path, "scalars", "csv", "--runs", "trian")
    assert code == 1
    assert "--runs 'trian' matches none of the 2 runs in " in (err := capsys.readouterr().err)
    assert "close runs: train" in err


def test_cli_bad_regex_exits_2_with_the_reason(two_runs, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        _export(two_runs, tmp_path, "scalars", "csv", "--runs", "(")
    assert exit_info.value.code == 2
    assert "bad --runs regex '(': missing ), unterminated subpattern" in capsys.readouterr().err


def test_cli_missing_logdir_exits_2(tmp_path, capsys):
    code, _ = _export(tmp_path / "absent", tmp_path, "scalars", "csv")
    assert code == 2 and "absent' does not exist" in capsys.readouterr().err


def test_cli_inspect_lists_tags_and_a_corrupt_record_offset(two_runs, tmp_path, capsys):
    path = os.path.join(two_runs, "val", os.listdir(two_runs / "val")[0])
    offset = corrupt_payload_crc(path, 1)
    code = main(["inspect", str(two_runs), "--cache-dir", str(tmp_path / "cache")])
    out = capsys.readouterr().out
    assert code == 0
    assert "run 'train': 1 files, 8 records" in out
    assert "scalars: loss (5 x, steps 0..4)" in out
    assert "histograms: weights (1 x, step 0)" in out
    assert f"bad payload checksum at byte {offset}" in out


def test_cli_inspect_reports_backward_steps_and_plugin_conflicts(tmp_path, capsys):
    run = tmp_path / "logs" / "run"
    with EventWriter(run) as writer:
        for step in (0, 1, 2, 1, 2):
            writer.add_scalar("loss", 1.0, step)
    os.rename(writer.path, run / "events.out.tfevents.1.host")
    with EventWriter(run) as writer:
        writer.add_text("loss", "now text", 3)
    os.rename(writer.path, run / "events.out.tfevents.2.host")
    code = main(["inspect", str(tmp_path / "logs"), "--cache-dir", str(tmp_path / "cache")])
    out = capsys.readouterr().out
    assert code == 0
    assert "scalars tag 'loss': steps go backwards 1 times (first from step 2 to 1)" in out
    assert "tag 'loss' has different plugins in different files (scalars in" in out
    assert "the first file's plugin (scalars) is used" in out


def test_cli_inspect_empty_logdir_exits_1(tmp_path, capsys):
    (tmp_path / "logs").mkdir()
    assert main(["inspect", str(tmp_path / "logs"), "--cache-dir", str(tmp_path / "cache")]) == 1
    assert "no runs found" in capsys.readouterr().out


def test_cli_runs_as_python_dash_m_loaders(two_runs, tmp_path):
    env = dict(os.environ, EVENTSCOPE_CACHE=str(tmp_path / "cache"))
    out = str(tmp_path / "out.feather")
    done = subprocess.run([sys.executable, "-m", "loaders", "export", str(two_runs), "--kind", "scalars",
                           "--format", "feather", "-o", out], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert len(feather.read_feather(out)) == 6
    assert done.stderr.strip() == f"wrote 6 scalars rows to {out}"  # no progress bar: stderr is not a TTY
    helped = subprocess.run([sys.executable, "-m", "loaders", "export", "--help"], capture_output=True, text=True,
                            timeout=60)
    assert "are base64 strings" in helped.stdout and "JSON arrays" in helped.stdout
