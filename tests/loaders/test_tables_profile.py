"""Profile captures (XSpace, Chrome/PyTorch trace JSON): events, steps, breakdown, op, kernel, memory tables."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

import loaders
from loaders.proto import xplane_pb2
from loaders.tables import profile
from loaders.tables.profile import BREAKDOWN, priority_sweep, read_capture
from tests.eventfiles import shared_fixture

GPU = shared_fixture("gpu-profiles")
TORCH_GPU = GPU / "torch_mlp" / "gpuworker.1795685073928612123.pt.trace.json"
JAX_SESSION = GPU / "jax_mlp" / "plugins" / "profile" / "2026_11_26_09_24_40"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tf2"
needs_gpu_fixtures = pytest.mark.skipif(not TORCH_GPU.exists(), reason="shared GPU captures not present")


def _events(path: Path, fmt: str = "pytorch_trace"):
    capture = read_capture(str(path), fmt)
    return capture, capture.events.to_pandas()


def _check_breakdown_adds_up(events):
    steps = profile.steps(events)
    parts = profile.breakdown(events, steps)
    totals = parts.groupby("step")["dur_ns"].sum()
    assert (totals.to_numpy() == steps.set_index("step").loc[totals.index, "dur_ns"].to_numpy()).all()
    assert parts["category"].unique().tolist() == list(BREAKDOWN)
    return steps, parts


# ----- real GPU captures ----------------------------------------------------------------------


@needs_gpu_fixtures
def test_pytorch_gpu_trace_steps_and_breakdown_add_up():
    capture, events = _events(TORCH_GPU)
    assert capture.problems == ()
    assert capture.meta["deviceProperties"][0]["name"] == "NVIDIA H200"
    steps, parts = _check_breakdown_adds_up(events)
    assert steps["step"].tolist() == [2, 3, 4]
    kernel = parts[parts["category"] == "kernel"]["dur_ns"]
    assert (kernel > 0).all()
    assert set(events.loc[events["kind"] == "kernel", "device"]) == {"/device:GPU:0"}
    assert (events.loc[events["kind"] == "kernel", "step"] >= 2).all()  # device rows take their launch's step


@needs_gpu_fixtures
def test_pytorch_gpu_kernels_link_to_their_launching_op():
    _, events = _events(TORCH_GPU)
    launched = profile.launch_op(events)
    kernels = np.flatnonzero(events["kind"].to_numpy() == "kernel")
    assert (launched[kernels] >= 0).all()
    for row in kernels:  # the launching op holds the runtime call with the kernel's correlation id
        op = launched[row]
        runtime = events[(events["kind"] == "runtime") & (events["correlation"] == events.at[row, "correlation"])]
        assert runtime["parent"].tolist() == [op]
    table = profile.kernels(events)
    gemm = table[table["name"].str.contains("gemm")]
    assert set(gemm["op"]) <= {"aten::addmm", "aten::mm"} and not gemm.empty
    assert table["occupancy"].notna().all() and (table["grid"] != "").all()
    ops = profile.ops(events).set_index("name")
    by_addmm = events["name"].to_numpy()[np.clip(launched, 0, None)] == "aten::addmm"
    device_time = events["dur_ns"].to_numpy()[(launched >= 0) & by_addmm].sum()  # kernels and memsets
    assert (
        ops.at["aten::addmm", "device_self_ns"] == device_time > table[table["op"] == "aten::addmm"]["total_ns"].sum()
    )
    assert ops.at["aten::linear", "device_total_ns"] >= ops.at["aten::addmm", "device_total_ns"]
    assert (ops["host_self_ns"] <= ops["host_total_ns"]).all()


@needs_gpu_fixtures
def test_pytorch_gpu_memory_timeline_and_ops_by_shape():
    _, events = _events(TORCH_GPU)
    memory = profile.memory(events)
    assert {"CPU", "GPU:0"} <= set(memory["device"])
    gpu = memory[memory["device"] == "GPU:0"]
    assert gpu["allocated"].notna().all() and (gpu["reserved"] >= gpu["allocated"]).all()
    assert (memory["op"] != "").mean() > 0.9
    shaped = profile.ops(events, by_shape=True)
    assert "[[256,1024],[1024,4096]]" in set(shaped[shaped["name"] == "aten::mm"]["shape"])


@needs_gpu_fixtures
def test_jax_xspace_gpu_plane_steps_and_kernels():
    capture, events = _events(JAX_SESSION / "vm.xplane.pb", "xplane")
    assert capture.meta["devices"]["/device:GPU:0"]["gpu_device_name"] == "NVIDIA H200"
    assert (events["kind"] == "kernel").sum() == 70 and (events["kind"] == "memcpy").sum() == 10
    steps, parts = _check_breakdown_adds_up(events)
    assert steps["step"].tolist() == [0, 1, 2, 3, 4]
    table = profile.kernels(events)
    assert table["registers"].notna().all() and table["tensor_cores"].any()
    assert (profile.launch_op(events)[(events["kind"] == "kernel").to_numpy()] >= 0).mean() > 0.5


@needs_gpu_fixtures
def test_jax_legacy_trace_json_maps_device_processes():
    _, events = _events(JAX_SESSION / "vm.trace.json.gz", "trace_json")
    assert (events.loc[events["device"] == "/device:GPU:0", "kind"].isin(["kernel", "memcpy"])).all()
    assert profile.steps(events)["step"].tolist() == [0, 1, 2, 3, 4]


@needs_gpu_fixtures
def test_logdir_reads_gpu_captures_and_serves_them_from_the_cache(tmp_path, monkeypatch):
    lg = loaders.Logdir(GPU, cache_dir=tmp_path / "cache")
    assert set(lg.profiles()["run"]) == {"jax_mlp", "torch_mlp"}
    first = lg.profile_table("torch_mlp", "breakdown")
    assert lg.trace("jax_mlp").attrs["capture"].endswith("vm.xplane.pb")  # xplane preferred over trace.json.gz
    monkeypatch.setattr(profile, "read_capture", _must_not_parse)
    again = loaders.Logdir(GPU, cache_dir=tmp_path / "cache").profile_table("torch_mlp", "breakdown")
    assert again.equals(first)
    with pytest.raises(ValueError, match="use one of"):
        lg.profile_table("torch_mlp", "flames")
    with pytest.raises(ValueError, match="runs with captures"):
        lg.trace("nope")
    with pytest.raises(ValueError, match="sessions"):
        lg.trace("jax_mlp", session="nope")


def _must_not_parse(path: str, fmt: str):
    raise AssertionError(f"parsed {path} although the cache holds it")


# ----- CPU traces written by torch.profiler here ---------------------------------------------


@pytest.fixture(scope="module")
def torch_cpu_logdir(tmp_path_factory):
    torch = pytest.importorskip("torch")
    from torch.profiler import ProfilerActivity, record_function, schedule, tensorboard_trace_handler
    from torch.profiler import profile as torch_profile

    logdir = tmp_path_factory.mktemp("torch_cpu")
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 8))
    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(64, 64)), batch_size=16)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with torch_profile(
        activities=[ProfilerActivity.CPU],
        schedule=schedule(wait=0, warmup=1, active=3, repeat=1),
        on_trace_ready=tensorboard_trace_handler(str(logdir / "cpu_run"), worker_name="w0", use_gzip=True),
        record_shapes=True,
        profile_memory=True,
    ) as prof:
        for (batch,) in data:
            with record_function("forward"):
                loss = model(batch).square().mean()
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            prof.step()
    return logdir


def test_torch_profiler_cpu_trace_is_read_with_steps_and_ops(torch_cpu_logdir, tmp_path):
    lg = loaders.Logdir(torch_cpu_logdir, cache_dir=tmp_path / "cache")
    (found,) = lg.profiles().itertuples()
    assert found.format == "pytorch_trace" and found.path.endswith(".pt.trace.json.gz")
    events = lg.trace("cpu_run")
    assert events.attrs["problems"] == []
    steps, parts = _check_breakdown_adds_up(events)
    assert len(steps) == 3
    by = parts.groupby("category")["dur_ns"].sum()
    assert by["cpu_exec"] > 0 and by["kernel"] == 0
    assert by["dataloader"] > 0  # enumerate(DataLoader)#... annotations
    ops = lg.profile_table("cpu_run", "ops")
    assert "aten::linear" in set(ops["name"])
    nested = events[events["name"] == "aten::addmm"]
    assert (events.loc[nested["parent"], "name"].isin(["aten::linear"])).all()
    assert not lg.profile_table("cpu_run", "memory").empty


# ----- damaged input -------------------------------------------------------------------------


def _write_trace(path: Path, events: list[dict], **top) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"schemaVersion": 1, **top, "traceEvents": events}, indent=1))
    return path


def _small_events(n: int = 50) -> list[dict]:
    out = [{"ph": "X", "cat": "user_annotation", "name": "ProfilerStep#1", "pid": 1, "tid": 1, "ts": 0, "dur": 1000}]
    out += [
        {"ph": "X", "cat": "cpu_op", "name": f"aten::op{i}", "pid": 1, "tid": 1, "ts": 10 + 10 * i, "dur": 5}
        for i in range(n)
    ]
    return out


def test_trace_cut_mid_array_keeps_the_events_before_the_cut(tmp_path):
    path = _write_trace(tmp_path / "w.1.pt.trace.json", _small_events())
    text = path.read_text()
    path.write_text(text[: text.index("aten::op30") - 40])
    capture, events = _events(path)
    assert 25 <= len(events) <= 31
    assert any("cut short" in message and str(path) in message for message in capture.problems)


def test_truncated_gzip_keeps_what_decompressed_and_says_so(tmp_path):
    raw = json.dumps({"traceEvents": _small_events(3000)}).encode()
    path = tmp_path / "w.1.pt.trace.json.gz"
    path.write_bytes(gzip.compress(raw)[: len(gzip.compress(raw)) // 2])
    capture, events = _events(path)
    assert 100 < len(events) < 3001
    assert any("cut short" in message for message in capture.problems)


def test_pytorch_bad_tokens_and_far_future_record_window_end_are_survived(tmp_path):
    path = tmp_path / "w.1.pt.trace.json"
    events = _small_events(5) + [{"ph": "i", "s": "g", "name": "Record Window End", "pid": "", "tid": "", "ts": 9e13}]
    events[1]["args"] = {"flops": 1}
    text = json.dumps({"traceEvents": events}, indent=1).replace('"flops": 1', '"flops": N/A', 1)
    path.write_text(text)
    capture, frame = _events(path)
    assert len(frame) == 6 and "Record Window End" not in set(frame["name"])
    assert json.loads(frame.loc[frame["name"] == "aten::op0", "args"].iloc[0]) == {"flops": "N/A"}
    assert any("24 h" in message for message in capture.problems)


def test_begin_end_pairs_string_pids_and_overlapping_siblings(tmp_path):
    events = [
        {"ph": "B", "name": "outer", "pid": "proc", "tid": "main", "ts": 0},
        {"ph": "X", "name": "inner", "pid": "proc", "tid": "main", "ts": 1, "dur": 2},
        {"ph": "X", "name": "sticks_out", "pid": "proc", "tid": "main", "ts": 5, "dur": 10},
        {"ph": "E", "pid": "proc", "tid": "main", "ts": 8, "args": {"note": "from E"}},
    ]
    capture, frame = _events(_write_trace(tmp_path / "t.json", events))
    frame = frame.set_index("name")
    assert frame.at["outer", "dur_ns"] == 8000 and json.loads(frame.at["outer", "args"]) == {"note": "from E"}
    assert frame.at["inner", "depth"] == 1 and frame.at["sticks_out", "depth"] == 0
    assert frame.at["inner", "track"] == "process proc / thread main"
    assert any("overlap" in message for message in capture.problems)


def test_not_a_trace_and_bad_xplane_give_a_problem_not_an_error(tmp_path):
    text = tmp_path / "x.pt.trace.json"
    text.write_text("hello")
    capture, frame = _events(text)
    assert frame.empty and "not a Chrome trace" in capture.problems[0]
    bad = tmp_path / "h.xplane.pb"
    bad.write_bytes(b"\x0a\xff\xff\xff\xff\x0f garbage")
    capture, frame = _events(bad, "xplane")
    assert frame.empty and str(bad) in capture.problems[0] and "XSpace" in capture.problems[0]


def test_logdir_with_a_broken_capture_still_reads_the_rest(tmp_path):
    logdir = tmp_path / "logs"
    shutil.copytree(FIXTURES / "keras", logdir / "keras")
    broken = logdir / "broken" / "plugins" / "profile" / "s1" / "h.xplane.pb"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"\x0a\xff\xff\xff\xff\x0f")
    lg = loaders.Logdir(logdir, cache_dir=tmp_path / "cache")
    assert lg.trace("broken").empty
    assert "bad_profile" in set(lg.problems()["kind"])
    keras = lg.trace("keras/train")  # a CPU-only capture: events, and a note that no device plane exists
    assert not keras.empty and any("no device plane" in message for message in keras.attrs["problems"])
    assert not lg.scalars().empty


# ----- unit arithmetic -----------------------------------------------------------------------


def _space() -> xplane_pb2.XSpace:
    space = xplane_pb2.XSpace()
    plane = space.planes.add(id=1, name="/device:GPU:3")
    plane.event_metadata[7].id, plane.event_metadata[7].name = 7, "my_kernel"
    for stat_id, name in ((1, "correlation_id"), (2, "kind"), (3, "fp32"), (4, "kernel_details")):
        plane.stat_metadata[stat_id].id, plane.stat_metadata[stat_id].name = stat_id, name
    plane.stat_metadata[5].id, plane.stat_metadata[5].name = 5, "regs:32 grid:4,2,1 block:64,1,1"
    line = plane.lines.add(id=9, name="Stream #9(Compute)", timestamp_ns=1_000)
    event = line.events.add(metadata_id=7, offset_ps=2_500, duration_ps=1_500_000)
    event.stats.add(metadata_id=1, int64_value=42)
    event.stats.add(metadata_id=2, ref_value=3)
    event.stats.add(metadata_id=4, ref_value=5)
    late = plane.lines.add(id=10, name="Stream #10(Compute)", timestamp_ns=3_000)
    late.events.add(metadata_id=7, offset_ps=1_000_000, duration_ps=999)
    host = space.planes.add(id=2, name="/host:CPU")  # ids are per plane: 7 means something else here
    host.event_metadata[7].id, host.event_metadata[7].name = 7, "cuLaunchKernel"
    host.stat_metadata[1].id, host.stat_metadata[1].name = 1, "correlation_id"
    launch = host.lines.add(id=1, name="python", timestamp_ns=1_000).events.add(metadata_id=7, offset_ps=0)
    launch.duration_ps = 2_000
    launch.stats.add(metadata_id=1, int64_value=42)
    return space


def test_xspace_time_arithmetic_metadata_per_plane_and_ref_values(tmp_path):
    path = tmp_path / "h.xplane.pb"
    path.write_bytes(_space().SerializeToString())
    capture, events = _events(path, "xplane")
    gpu = events[events["device"] == "/device:GPU:3"].sort_values("start_ns")
    # absolute ps = timestamp_ns * 1000 + offset_ps; stored in ns from the first event (the host launch at 1000 ns)
    assert gpu["start_ns"].tolist() == [2, 3_000 + 1_000 - 1_000]
    assert gpu["dur_ns"].tolist() == [1_500, 0]
    first = gpu.iloc[0]
    assert first["name"] == "my_kernel" and first["correlation"] == 42 and first["kind"] == "kernel"
    assert json.loads(first["args"]) == {
        "kind": "fp32",
        "registers per thread": 32,
        "grid": [4, 2, 1],
        "block": [64, 1, 1],
    }
    host = events[events["device"] == "/host:CPU"]
    assert host["name"].tolist() == ["cuLaunchKernel"] and host["kind"].tolist() == ["runtime"]
    assert profile.launch_op(events)[first.name] == host.index[0]


def test_priority_sweep_gives_overlaps_to_the_higher_category_and_sums_to_the_window():
    starts = np.array([0, 5, 20, 40])
    ends = np.array([10, 30, 25, 60])
    codes = np.array([1, 0, 2, 2])  # 0 beats 1 beats 2
    parts = priority_sweep(starts, ends, codes, 0, 50, 3)
    assert parts == [25, 5, 10, 10]  # code0 [5,30); code1 [0,5); code2 [40,50); rest [30,40)
    assert sum(parts) == 50
    assert priority_sweep(starts, ends, codes, 10, 10, 3) == [0, 0, 0, 0]


def test_breakdown_without_step_markers_is_one_step_of_the_whole_capture(tmp_path):
    events = [{"ph": "X", "cat": "cpu_op", "name": "a", "pid": 1, "tid": 1, "ts": 0, "dur": 4}]
    events.append(
        {"ph": "X", "cat": "kernel", "name": "k", "pid": 0, "tid": 7, "ts": 6, "dur": 4, "args": {"stream": 7}}
    )
    _, frame = _events(_write_trace(tmp_path / "t.json", events))
    steps, parts = _check_breakdown_adds_up(frame)
    assert steps["name"].tolist() == ["(whole capture)"]
    assert dict(zip(parts["category"], parts["dur_ns"])) == {
        **dict.fromkeys(BREAKDOWN, 0),
        "cpu_exec": 4000,
        "kernel": 4000,
        "other": 2000,
    }


def test_keras_cpu_xplane_fixture_reads_host_threads():
    (path,) = (FIXTURES / "keras" / "train" / "plugins" / "profile").glob("*/vm.xplane.pb")
    capture, events = _events(path, "xplane")
    assert set(events["device"]) == {"/host:CPU"}
    assert len(events) > 400 and os.fspath(path) in capture.problems[0]
