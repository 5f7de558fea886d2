"""`python -m loaders inspect` and `export` (every kind, every format) on real writers' logdirs.

Two logdirs: one written here by PyTorch and tensorboardX (every table kind, with NaN/inf,
unicode, commas, quotes and newlines in the values), and the checked-in TF2/Keras/JAX fixtures.
Exports are read back with pyarrow/pandas and compared with what the Python API returns.
"""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
import tensorboardX
import torch
import torch.utils.tensorboard

from loaders import Logdir
from loaders.cli import EXPORT_KINDS, FORMATS
from loaders.cli import main as cli_main

FIXTURES = Path(__file__).parent.parent / "fixtures" / "tf2"
TEXT = 'ünï, "quoted"\nsecond line'
KEYS = ["run", "tag", "step"]


def _write(run_dir: Path, writer_class: type, name: str) -> None:
    """Write one value of every table kind (audio with PyTorch only: tensorboardX needs soundfile)."""
    with writer_class(str(run_dir)) as writer:
        for step, value in enumerate((0.5, math.nan, math.inf)):
            writer.add_scalar("loss", value, step)
        writer.add_histogram("hist", np.array([1.0, 2.0, 2.0, 4.0]), 1, bins=3)
        writer.add_image("img", np.zeros((3, 2, 2), dtype=np.uint8), 1)
        writer.add_text("text", TEXT, 1)
        writer.add_pr_curve("pr", np.array([1, 0, 1]), np.array([0.9, 0.2, 0.6]), 1, num_thresholds=4)
        writer.add_mesh("mesh", vertices=torch.ones(1, 3, 3), global_step=1)
        if name == "torch":
            writer.add_audio("audio", torch.zeros(1, 16), 1, sample_rate=8000)
        writer.add_hparams({"lr": 0.1, "opt": "adam"}, {"hp/acc": 0.5})


@pytest.fixture(scope="module")
def writers_logdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sweep_cli") / "logs"
    _write(root / "torch", torch.utils.tensorboard.SummaryWriter, "torch")
    _write(root / "tbx", tensorboardX.SummaryWriter, "tbx")
    return root


def _inspect(logdir: Path, cache: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = cli_main(["inspect", str(logdir), "--cache-dir", str(cache)])
    return code, capsys.readouterr().out


@pytest.mark.parametrize("which", ["writers", "fixtures"])
def test_writers_sweep_cli_inspect_lists_every_run_and_no_problem(writers_logdir, tmp_path, capsys, which):
    logdir = writers_logdir if which == "writers" else FIXTURES
    runs = Logdir(logdir, cache_dir=tmp_path / "cache").runs()
    code, out = _inspect(logdir, tmp_path / "cache", capsys)
    assert code == 0
    assert out.splitlines()[0].startswith(f"{logdir}: {len(runs)} runs")
    assert all(f"run {run!r}:" in out for run in runs)
    assert "  ! " not in out  # no problem lines


def _read_back(path: Path, fmt: str) -> pd.DataFrame:
    if fmt == "csv":
        return pd.read_csv(path, keep_default_na=False, na_values=["NaN", "nan", ""])
    if fmt == "json":
        return pd.DataFrame(json.loads(path.read_text(encoding="utf-8")))
    return (pq.read_table(path) if fmt == "parquet" else feather.read_table(path)).to_pandas()


def _expected(logdir: Path, cache: Path, kind: str) -> pd.DataFrame:
    lg = Logdir(logdir, cache_dir=cache)
    return lg.hparams() if kind == "hparams" else getattr(lg, kind)()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", EXPORT_KINDS)
def test_writers_sweep_cli_export_every_kind_and_format_reads_back(writers_logdir, tmp_path, kind, fmt):
    out = tmp_path / f"out.{fmt}"
    assert cli_main(["export", str(writers_logdir), "--kind", kind, "--format", fmt, "-o", str(out),
                     "--cache-dir", str(tmp_path / "cache")]) == 0
    expected, got = _expected(writers_logdir, tmp_path / "cache", kind), _read_back(out, fmt)
    assert list(got.columns) == list(expected.columns) and len(got) == len(expected) > 0
    keys = ["run", "session"] if kind == "hparams" else KEYS
    assert got[keys].astype(str).values.tolist() == expected[keys].astype(str).values.tolist()
    if fmt in ("parquet", "feather"):
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    elif "data" in expected.columns:  # binary columns are base64 text
        assert [base64.b64decode(value) for value in got["data"]] == list(expected["data"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_writers_sweep_cli_export_keeps_non_finite_scalars_and_odd_text(writers_logdir, tmp_path, fmt):
    cache = tmp_path / "cache"
    for kind in ("scalars", "text"):
        assert cli_main(["export", str(writers_logdir), "--kind", kind, "--format", fmt, "-o",
                         str(tmp_path / f"{kind}.{fmt}"), "--cache-dir", str(cache)]) == 0
    scalars = _read_back(tmp_path / f"scalars.{fmt}", fmt)
    values = scalars[scalars["run"] == "torch"]["value"].astype(float).tolist()
    assert values[0] == 0.5 and math.isnan(values[1]) and values[2] == math.inf
    assert set(_read_back(tmp_path / f"text.{fmt}", fmt)["value"]) == {TEXT}


@pytest.mark.parametrize("kind", EXPORT_KINDS)
def test_writers_sweep_cli_export_of_the_tf2_fixtures_equals_the_api(tmp_path, kind):
    out = tmp_path / "out.parquet"
    assert cli_main(["export", str(FIXTURES), "--kind", kind, "--format", "parquet", "-o", str(out),
                     "--cache-dir", str(tmp_path / "cache")]) == 0
    pd.testing.assert_frame_equal(pq.read_table(out).to_pandas(), _expected(FIXTURES, tmp_path / "cache", kind),
                                  check_dtype=False)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("where", ["missing_folder", "a_directory"])
def test_writers_sweep_cli_export_to_a_path_it_cannot_write_exits_2_naming_it(writers_logdir, tmp_path, capsys, fmt,
                                                                             where):
    out = tmp_path / "missing" / f"out.{fmt}" if where == "missing_folder" else tmp_path
    assert cli_main(["export", str(writers_logdir), "--kind", "scalars", "--format", fmt, "-o", str(out),
                     "--cache-dir", str(tmp_path / "cache")]) == 2
    assert capsys.readouterr().err.startswith(f"error: cannot write {str(out)!r}: ")
