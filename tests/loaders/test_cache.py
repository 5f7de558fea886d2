"""The on-disk cache: freshness, incremental reads, compaction, damage recovery, memory fallback, sharing."""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from tensorboardX import SummaryWriter  # type: ignore[import-untyped]  # tensorboardX ships no type hints

from loaders.api import Logdir
from loaders.cache import MAX_CHUNKS, Cache, FileEntry, default_cache_dir
from loaders.cache.files import merge_plan
from loaders.chunk import FileChunk, TagInfo
from loaders.errors import Problem
from loaders.tables import SCHEMA_VERSION, SCHEMAS
from tests.eventfiles import records

RECORD = 16  # the fake decoder's record size: one scalar row per 16 bytes


class FakeDecoder:
    """Decodes every whole 16-byte block of a file as one scalar row, recording each call."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def __call__(self, path: str, start: int, known: Mapping[str, TagInfo]) -> FileChunk:
        size = os.path.getsize(path)
        end = start + (size - start) // RECORD * RECORD
        steps = np.arange(start // RECORD, end // RECORD, dtype=np.int64)
        table = pa.table({"tag": ["loss"] * steps.size, "step": steps, "wall_time": steps * 1.0,
                          "value": steps * 0.5, "_offset": steps * RECORD}, schema=SCHEMAS["scalars"])
        tags = {} if "loss" in known else {"loss": TagInfo("loss", "scalars", content=b"\xff\x00", offset=start)}
        truncated = end < size
        problems = [Problem(path, end, "truncated", f"{path}: incomplete record at byte {end}")] if truncated else []
        self.calls.append((start, end))
        return FileChunk(path, start, end, tables={"scalars": table} if steps.size else {}, tags=tags,
                         restarts=[(0, 0)] if start == 0 else [], file_version="brain.Event:2",
                         problems=problems, truncated=truncated, num_records=steps.size)


def _file(tmp_path: Path, nbytes: int, fill: bytes = b"a") -> str:
    path = tmp_path / "events.out.tfevents.1.host"
    path.write_bytes(fill * nbytes)
    return str(path)


def _append(path: str, nbytes: int) -> None:
    with open(path, "ab") as handle:
        handle.write(b"b" * nbytes)


def _entry_dir(cache: Cache, path: str) -> str:
    folder = cache.entry_dir(path)
    assert folder is not None, "the cache lives in memory"
    return folder


def _meta(cache: Cache, path: str) -> dict:
    with open(os.path.join(_entry_dir(cache, path), "meta.json"), encoding="utf-8") as handle:
        return json.load(handle)


def _steps(cache: Cache, path: str) -> list[int]:
    return cache.table(path, "scalars")["step"].to_pylist()


def test_cache_second_cache_reuses_entry_without_decoding(tmp_path: Path) -> None:
    path = _file(tmp_path, 64)
    first = Cache(tmp_path / "cache", decoder=FakeDecoder())
    assert _steps(first, first.entry(path).path) == [0, 1, 2, 3]
    decoder = FakeDecoder()
    second = Cache(tmp_path / "cache", decoder=decoder)
    entry = second.entry(path)
    assert decoder.calls == []
    assert _steps(second, path) == [0, 1, 2, 3]
    assert entry.tags["loss"].content == b"\xff\x00"
    assert entry.restarts == ((0, 0),)


def test_cache_meta_json_records_file_state_and_chunk_files(tmp_path: Path) -> None:
    path = _file(tmp_path, 70)
    cache = Cache(tmp_path / "cache", decoder=FakeDecoder())
    cache.entry(path)
    meta = _meta(cache, path)
    info = os.stat(path)
    assert (meta["path"], meta["size"], meta["mtime_ns"], meta["end_offset"]) == (path, 70, info.st_mtime_ns, 64)
    assert meta["schema_version"] == SCHEMA_VERSION and meta["truncated"] is True
    assert meta["chunks"] == {"scalars": [["scalars.0-64.arrow", 4]]}
    assert meta["tags"][0]["content"] == "/wA="  # base64 of b"\xff\x00"
    assert _entry_dir(cache, path).startswith(os.path.join(str(tmp_path / "cache"), f"v{SCHEMA_VERSION}"))


def test_cache_grown_file_decodes_only_the_new_bytes(tmp_path: Path) -> None:
    path = _file(tmp_path, 64)
    decoder = FakeDecoder()
    cache = Cache(tmp_path / "cache", decoder=decoder)
    cache.entry(path)
    _append(path, 32)
    entry = cache.entry(path)
    assert decoder.calls == [(0, 64), (64, 96)]
    assert [name for name, _ in entry.chunks["scalars"]] == ["scalars.0-64.arrow", "scalars.64-96.arrow"]
    assert _steps(cache, path) == [0, 1, 2, 3, 4, 5]
    assert cache.decoded_bytes == 96


def test_cache_truncated_tail_is_read_once_completed(tmp_path: Path) -> None:
    path = _file(tmp_path, 40)
    cache = Cache(tmp_path / "cache", decoder=FakeDecoder())
    entry = cache.entry(path)
    assert entry.truncated and [p.kind for p in entry.problems] == ["truncated"]
    _append(path, 8)
    entry = cache.entry(path)
    assert not entry.truncated and entry.problems == ()
    assert _steps(cache, path) == [0, 1, 2]


def test_cache_compacts_more_than_max_chunks_into_one_file(tmp_path: Path) -> None:
    path = _file(tmp_path, 16)
    cache = Cache(tmp_path / "cache", decoder=FakeDecoder())
    cache.entry(path)
    for _ in range(MAX_CHUNKS):
        _append(path, 16)
        entry = cache.entry(path)
    assert entry.chunks["scalars"] == ((f"scalars.0-{16 * (MAX_CHUNKS + 1)}.arrow", MAX_CHUNKS + 1),)
    arrow_files = [name for name in os.listdir(cache.entry_dir(path)) if name.endswith(".arrow")]
    assert arrow_files == [f"scalars.0-{16 * (MAX_CHUNKS + 1)}.arrow"]
    assert _steps(Cache(tmp_path / "cache", decoder=FakeDecoder()), path) == list(range(MAX_CHUNKS + 1))


def test_cache_compaction_leaves_the_big_first_chunk_alone(tmp_path: Path) -> None:
    path = _file(tmp_path, 16 * 64)
    cache = Cache(tmp_path / "cache", decoder=FakeDecoder())
    cache.entry(path)
    first = os.path.join(_entry_dir(cache, path), "scalars.0-1024.arrow")
    inode = os.stat(first).st_ino
    for count in range(1, 31):
        _append(path, 16)
        entry = cache.entry(path)
        assert len(entry.chunks["scalars"]) <= MAX_CHUNKS
        assert entry.chunks["scalars"][0] == ("scalars.0-1024.arrow", 64)  # never rewritten while the tail is small
        assert sum(rows for _, rows in entry.chunks["scalars"]) == 64 + count
    assert os.stat(first).st_ino == inode
    assert [rows for _, rows in entry.chunks["scalars"]] == [64, 28, 1, 1]  # merged only when over MAX_CHUNKS
    assert _steps(Cache(tmp_path / "cache", decoder=FakeDecoder()), path) == list(range(64 + 30))


@pytest.mark.parametrize(("base", "appends", "most_rewritten"), [(100, 300, 4), (4096, 1000, 6), (4096, 20000, 13)])
def test_cache_merge_plan_rewrites_rows_in_proportion_to_the_appends(base: int, appends: int,
                                                                     most_rewritten: int) -> None:
    rows, most, rewritten = [base], 0, 0
    for _ in range(appends):  # compact()'s policy: follow merge_plan() once over MAX_CHUNKS
        rows.append(1)
        if len(rows) > MAX_CHUNKS:
            plan = merge_plan(rows)
            assert plan[0][0] == 0 and plan[-1][1] == len(rows)
            assert all(high == low for (_, high), (low, _) in zip(plan, plan[1:]))  # consecutive ranges
            rewritten += sum(sum(rows[low:high]) for low, high in plan if high - low > 1)
            rows = [sum(rows[low:high]) for low, high in plan]
        most = max(most, len(rows))
    assert most == MAX_CHUNKS and sum(rows) == base + appends
    assert rewritten < most_rewritten * appends  # merging all every MAX_CHUNKS appends: ~base / MAX_CHUNKS each


def test_cache_merge_plan_merges_the_small_tail_first() -> None:
    assert merge_plan([100] + [1] * 9) == [(0, 1), (1, 10)]  # 1 < 2, 1 < 4, ...: the 1s merge, 100 stays
    assert merge_plan([40, 30, 8, 4, 2, 1, 1, 1, 1]) == [(0, 9)]  # each absorbed chunk doubles the tail: all merge
    assert merge_plan([9]) == [(0, 1)] and merge_plan([1, 1]) == [(0, 2)]
    ladder = [(i, i + 1) for i in range(7)]
    assert merge_plan([512, 256, 128, 64, 32, 16, 8, 4, 2]) == [*ladder, (7, 9)]  # too many: the last similar pair
    assert merge_plan([512, 300, 128, 64, 32, 16, 8, 4, 2]) == [(0, 2), *[(i, i + 1) for i in range(2, 9)]]


@pytest.mark.parametrize("change", ["replaced", "shrunk"])
def test_cache_replaced_or_shrunk_file_is_rebuilt(tmp_path: Path, change: str) -> None:
    path = _file(tmp_path, 64)
    decoder = FakeDecoder()
    cache = Cache(tmp_path / "cache", decoder=decoder)
    cache.entry(path)
    _file(tmp_path, 80 if change == "replaced" else 32, fill=b"z")
    cache.entry(path)
    assert decoder.calls[-1][0] == 0
    expected = 5 if change == "replaced" else 2
    assert _steps(cache, path) == list(range(expected))
    names = [n for n in os.listdir(_entry_dir(cache, path)) if n.endswith(".arrow")]
    assert names == [f"scalars.0-{expected * 16}.arrow"]


def test_cache_damaged_meta_json_is_rebuilt_with_problem(tmp_path: Path) -> None:
    path = _file(tmp_path, 48)
    Cache(tmp_path / "cache", decoder=FakeDecoder()).entry(path)
    cache = Cache(tmp_path / "cache", decoder=(decoder := FakeDecoder()))
    with open(os.path.join(_entry_dir(cache, path), "meta.json"), "w") as handle:
        handle.write('{"path": ')
    cache.entry(path)
    assert decoder.calls == [(0, 48)]
    assert [p.kind for p in cache.problems] == ["cache_rebuilt"]
    assert "meta.json" in cache.problems[0].message
    assert _steps(cache, path) == [0, 1, 2]


@pytest.mark.parametrize("damage", ["garbage", "truncated", "missing"])
def test_cache_damaged_chunk_file_is_rebuilt_with_problem(tmp_path: Path, damage: str) -> None:
    path = _file(tmp_path, 48)
    Cache(tmp_path / "cache", decoder=FakeDecoder()).entry(path)
    cache = Cache(tmp_path / "cache", decoder=(decoder := FakeDecoder()))
    chunk = os.path.join(_entry_dir(cache, path), "scalars.0-48.arrow")
    if damage == "missing":
        os.remove(chunk)
    else:
        data = open(chunk, "rb").read()
        open(chunk, "wb").write(b"\x00" * len(data) if damage == "garbage" else data[: len(data) // 2])
    assert _steps(cache, path) == [0, 1, 2]
    assert decoder.calls == [(0, 48)]
    assert [p.kind for p in cache.problems] == ["cache_rebuilt"]
    assert _steps(Cache(tmp_path / "cache", decoder=FakeDecoder()), path) == [0, 1, 2]


def test_cache_meta_of_another_schema_version_is_rebuilt(tmp_path: Path) -> None:
    path = _file(tmp_path, 32)
    cache = Cache(tmp_path / "cache", decoder=FakeDecoder())
    cache.entry(path)
    meta_path = os.path.join(_entry_dir(cache, path), "meta.json")
    meta = _meta(cache, path)
    meta["schema_version"] = SCHEMA_VERSION - 1
    open(meta_path, "w").write(json.dumps(meta))
    again = Cache(tmp_path / "cache", decoder=(decoder := FakeDecoder()))
    again.entry(path)
    assert decoder.calls == [(0, 32)] and again.problems[0].kind == "cache_rebuilt"


def test_cache_unwritable_dir_falls_back_to_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache dir should be")
    path = _file(tmp_path, 32)
    decoder = FakeDecoder()
    cache = Cache(blocker / "cache", decoder=decoder)
    assert cache.root is None
    assert [p.kind for p in cache.problems] == ["cache_unwritable"]
    assert "in memory" in cache.problems[0].message
    cache.entry(path)
    _append(path, 16)
    entry = cache.entry(path)
    assert decoder.calls == [(0, 32), (32, 48)]
    assert entry.memory is not None and cache.entry_dir(path) is None
    assert _steps(cache, path) == [0, 1, 2]


def test_cache_default_dir_comes_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENTSCOPE_CACHE", str(tmp_path / "env-cache"))
    assert default_cache_dir() == str(tmp_path / "env-cache")
    assert Cache().root == str(tmp_path / "env-cache" / f"v{SCHEMA_VERSION}")
    monkeypatch.delenv("EVENTSCOPE_CACHE")
    assert default_cache_dir() == os.path.join(os.path.expanduser("~"), ".cache", "eventscope")


# ----- with real event files ---------------------------------------------------------------------


def _tbx_run(logdir: Path, name: str = "run", steps: range = range(10)) -> SummaryWriter:
    writer = SummaryWriter(str(logdir / name))
    for step in steps:
        writer.add_scalar("loss", 1.0 / (step + 1), step)
    return writer


def _event_file(logdir: Path, name: str = "run") -> str:
    (file,) = [f for f in os.listdir(logdir / name) if "tfevents" in f]
    return str(logdir / name / file)


def test_cache_second_logdir_reads_no_event_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _tbx_run(tmp_path / "logs").close()
    expected = Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache").scalars()
    opened = []
    real_open = open

    def recording_open(file: str, *args: Any, **kwargs: Any) -> Any:
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", recording_open)
    lg = Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")
    again = lg.scalars()
    assert [name for name in opened if "tfevents" in name] == []
    assert again.equals(expected) and len(again) == 10
    assert lg._cache.decoded_bytes == 0


def test_cache_rewrite_keeping_size_inode_and_mtime_is_read_again(tmp_path: Path) -> None:
    _tbx_run(tmp_path / "logs").close()
    assert len(Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache").scalars()) == 10
    path = _event_file(tmp_path / "logs")
    info = os.stat(path)
    with open(path, "r+b") as handle:  # same size, inode and mtime (touch -r), but nothing readable left
        handle.write(b"\x00" * info.st_size)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert (os.stat(path).st_size, os.stat(path).st_mtime_ns, os.stat(path).st_ino) == (
        info.st_size, info.st_mtime_ns, info.st_ino)
    lg = Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")
    assert lg.scalars().empty and lg._cache.decoded_bytes == 0  # the zeros stop the scan at byte 0
    assert lg.problems()[["path", "offset", "kind"]].values.tolist() == [[path, 0, "length_crc"]]


def test_cache_ctime_change_alone_is_checked_not_decoded(tmp_path: Path) -> None:
    path = _file(tmp_path, 64)
    decoder = FakeDecoder()
    cache = Cache(tmp_path / "cache", decoder=decoder)
    first = cache.entry(path)
    os.chmod(path, 0o600)  # moves the ctime only
    second = Cache(tmp_path / "cache", decoder=decoder).entry(path)
    assert decoder.calls == [(0, 64)] and second.ctime_ns == os.stat(path).st_ctime_ns != first.ctime_ns
    assert second.signature == first.signature and _meta(cache, path)["ctime_ns"] == second.ctime_ns


def test_cache_rewritten_prefix_of_a_grown_file_is_rebuilt(tmp_path: Path) -> None:
    path = _file(tmp_path, 160)
    decoder = FakeDecoder()
    cache = Cache(tmp_path / "cache", decoder=decoder)
    cache.entry(path)
    with open(path, "r+b") as handle:  # bytes before end_offset change, past the first 64 (the head hash)
        handle.seek(100)
        handle.write(b"zzzz")
    _append(path, 16)
    cache.entry(path)
    assert decoder.calls == [(0, 160), (0, 176)]


def test_cache_meta_without_content_check_fields_is_read_and_completed(tmp_path: Path) -> None:
    path = _file(tmp_path, 64)
    cache = Cache(tmp_path / "cache", decoder=FakeDecoder())
    cache.entry(path)
    meta_path = os.path.join(_entry_dir(cache, path), "meta.json")
    meta = _meta(cache, path)
    del meta["ctime_ns"], meta["tail_sha1"]  # as meta.json files written before they existed
    with open(meta_path, "w") as handle:
        json.dump(meta, handle)
    again = Cache(tmp_path / "cache", decoder=(decoder := FakeDecoder()))
    entry = again.entry(path)
    assert decoder.calls == [] and again.problems == [] and _steps(again, path) == [0, 1, 2, 3]
    assert entry.tail_sha1 and _meta(again, path)["ctime_ns"] == os.stat(path).st_ctime_ns


def test_cache_appended_events_are_decoded_incrementally(tmp_path: Path) -> None:
    _tbx_run(tmp_path / "logs", steps=range(8)).close()
    path = _event_file(tmp_path / "logs")
    data = open(path, "rb").read()
    offset, length = records(path)[-3]  # keep the file_version event and steps 0..4: a writer mid-run
    first_end = offset
    open(path, "wb").write(data[:first_end])
    lg = Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")
    assert lg.scalars()["step"].tolist() == [0, 1, 2, 3, 4]
    with open(path, "ab") as handle:
        handle.write(data[first_end:])
    before = lg._cache.decoded_bytes
    assert lg.refresh().scalars()["step"].tolist() == list(range(8))
    assert lg._cache.decoded_bytes - before == len(data) - first_end
    names = [name for name, _ in lg._cache.entry(path).chunks["scalars"]]
    assert names == [f"scalars.0-{first_end}.arrow", f"scalars.{first_end}-{len(data)}.arrow"]


def test_cache_truncated_last_record_is_completed_on_refresh(tmp_path: Path) -> None:
    _tbx_run(tmp_path / "logs", steps=range(6)).close()
    path = _event_file(tmp_path / "logs")
    data = open(path, "rb").read()
    open(path, "wb").write(data[:-7])
    lg = Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")
    assert lg.scalars()["step"].tolist() == [0, 1, 2, 3, 4]
    ((kind, offset),) = lg.problems()[["kind", "offset"]].values.tolist()
    assert kind == "truncated" and offset < len(data)
    with open(path, "ab") as handle:
        handle.write(data[-7:])
    assert lg.refresh().scalars()["step"].tolist() == [0, 1, 2, 3, 4, 5]
    assert lg.problems().empty


def test_cache_damaged_real_entry_is_rebuilt_and_reported_by_logdir(tmp_path: Path) -> None:
    _tbx_run(tmp_path / "logs").close()
    # plain values: the frame's columns are memory-mapped from the chunk file damaged below
    expected = Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache").scalars().to_dict("list")
    lg = Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")
    folder = _entry_dir(lg._cache, _event_file(tmp_path / "logs"))
    (chunk,) = [name for name in os.listdir(folder) if name.endswith(".arrow")]
    open(os.path.join(folder, chunk), "wb").write(b"not arrow")
    assert lg.scalars().to_dict("list") == expected
    assert expected["tag"] == ["loss"] * 10
    assert lg.problems()["kind"].tolist() == ["cache_rebuilt"]


def _read_in_child(logdir: str, cache: str, queue: multiprocessing.Queue) -> None:
    frame = Logdir(logdir, cache_dir=cache).scalars()
    queue.put((len(frame), float(frame["value"].sum())))


def test_cache_two_processes_share_one_cache_dir(tmp_path: Path) -> None:
    for index in range(4):
        _tbx_run(tmp_path / "logs", f"run{index}", steps=range(200)).close()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    children = [context.Process(target=_read_in_child, args=(str(tmp_path / "logs"), str(tmp_path / "cache"), queue))
                for _ in range(4)]
    for child in children:
        child.start()
    results = [queue.get(timeout=60) for _ in children]
    for child in children:
        child.join(timeout=60)
        assert child.exitcode == 0
    expected = (800, 4 * sum(np.float32(1.0 / (s + 1)).item() for s in range(200)))
    assert all(rows == expected[0] and total == pytest.approx(expected[1]) for rows, total in results)
    lg = Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")
    assert len(lg.scalars()) == 800 and lg.problems().empty and lg._cache.decoded_bytes == 0


def test_cache_meta_json_is_parsed_again_only_when_its_bytes_change(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from loaders.cache import store

    path = _file(tmp_path, 32)
    first = Cache(tmp_path / "cache", decoder=FakeDecoder())
    first.entry(path)
    parsed = []
    real = store.FileEntry.from_meta

    def recording_from_meta(meta: Mapping[str, Any]) -> FileEntry:
        parsed.append(meta["end_offset"])
        return real(meta)

    monkeypatch.setattr(store.FileEntry, "from_meta", recording_from_meta)
    _append(path, 16)
    assert first.entry(path).end_offset == 48 and parsed == []  # the meta.json it wrote itself: not parsed again
    _append(path, 16)
    other = Cache(tmp_path / "cache", decoder=FakeDecoder())
    assert other.entry(path).end_offset == 64  # reads the meta.json first wrote, then extends it
    assert parsed == [48]
    _append(path, 16)
    assert first.entry(path).end_offset == 80 and parsed == [48, 64]  # another writer's bytes: parsed
    assert _steps(first, path) == list(range(5))


def test_cache_tag_index_from_the_kernel_matches_the_stored_tables(tmp_path: Path) -> None:
    from loaders.cache.entry import tag_index

    writer = SummaryWriter(str(tmp_path / "logs" / "run"))
    rng = np.random.default_rng(3)
    for step in range(30):
        writer.add_scalar("loss", float(step % 7), 29 - step)  # steps that go down: min/max, not first/last
        writer.add_scalar("acc", 0.5, step)
        if step % 5 == 0:
            writer.add_histogram("w", rng.normal(size=20), step)
        if step == 24:
            writer.flush()
            lg = Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")
            lg.scalars()
    writer.close()
    lg.refresh()
    path = _event_file(tmp_path / "logs")
    entry = lg._cache.entry(path)
    assert len(entry.chunks["scalars"]) == len(entry.chunks["histograms"]) == 2  # indexes merged over two chunks
    tables = {kind: lg._cache.table(path, kind) for kind in entry.kinds()}
    assert entry.index == tag_index(tables)
    assert entry.index["scalars"] == {"loss": (30, 0, 29), "acc": (30, 0, 29)}
    assert entry.index["histograms"] == {"w": (6, 0, 25)}
