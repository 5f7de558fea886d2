"""Measure cache file formats (Arrow IPC vs Parquet) on a realistic scalars chunk: size and load time.

Usage: python tools/measure_cache_format.py [--tags 50] [--steps 5000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from loaders.tables import SCHEMAS


def scalars_chunk(num_tags: int, num_steps: int, seed: int = 0) -> pa.Table:
    """Return a scalars chunk table laid out as a writer interleaves tags (step-major)."""
    rng = np.random.default_rng(seed)
    names = np.array([f"{split}/metric_{i:02d}" for i, split in zip(range(num_tags), ["train", "val"] * num_tags)])
    steps = np.repeat(np.arange(num_steps, dtype=np.int64), num_tags)
    tags = np.tile(names, num_steps)
    wall = 1.7e9 + steps * 0.05 + rng.random(steps.size) * 1e-3
    values = np.exp(-steps / 2000.0) + rng.normal(0, 0.05, steps.size)
    offsets = np.arange(steps.size, dtype=np.int64) * 70
    arrays = [pa.array(tags), pa.array(steps), pa.array(wall), pa.array(values), pa.array(offsets)]
    return pa.Table.from_arrays(arrays, schema=SCHEMAS["scalars"])


def write_ipc(table: pa.Table, path: str, compression: str | None) -> None:
    """Write table as an Arrow IPC file."""
    options = pa.ipc.IpcWriteOptions(compression=compression)
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, table.schema, options=options) as writer:
        writer.write_table(table)


def read_ipc(path: str) -> pa.Table:
    """Read an Arrow IPC file memory-mapped."""
    return pa.ipc.open_file(pa.memory_map(path)).read_all()


def write_parquet(compression: str) -> Callable[[pa.Table, str], None]:
    """Return a writer of Parquet files with the given compression."""
    return lambda table, path: pq.write_table(table, path, compression=compression)


def read_parquet(path: str) -> pa.Table:
    """Read a Parquet file memory-mapped."""
    return pq.read_table(path, memory_map=True)


def decode_tags(table: pa.Table) -> pa.Table:
    """Cast a dictionary-encoded tag column back to plain strings (what a reader would do)."""
    return table.cast(SCHEMAS["scalars"])


def measure(table: pa.Table, repeat: int) -> list[tuple[str, int, float, float]]:
    """Return (format, bytes, best load ms, load+to_pandas ms) for every candidate format."""
    tagged = table.set_column(0, "tag", pa.compute.dictionary_encode(table["tag"]))
    candidates = [
        ("ipc uncompressed", lambda t, p: write_ipc(t, p, None), read_ipc),
        ("ipc lz4", lambda t, p: write_ipc(t, p, "lz4"), read_ipc),
        ("ipc zstd", lambda t, p: write_ipc(t, p, "zstd"), read_ipc),
        ("parquet snappy", write_parquet("snappy"), read_parquet),
        ("parquet zstd", write_parquet("zstd"), read_parquet),
    ]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, writer, reader in candidates:
            for dictionary, source in ((False, table), (True, tagged)):
                path = os.path.join(tmp, f"chunk-{len(rows)}")
                writer(source, path)
                post = decode_tags if dictionary else (lambda t: t)
                load = _best(lambda: post(reader(path)), repeat)
                frame = _best(lambda: post(reader(path)).to_pandas(), repeat)
                name = label + (" +dict tag" if dictionary else "")
                rows.append((name, os.path.getsize(path), load * 1e3, frame * 1e3))
    return rows


def _best(action: Callable[[], object], repeat: int) -> float:
    """Return the best wall time of action over repeat runs (seconds)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Print the measurement table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tags", type=int, default=50)
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    table = scalars_chunk(args.tags, args.steps)
    print(f"scalars chunk: {args.tags} tags x {args.steps} steps = {table.num_rows} rows, "
          f"{table.nbytes / 1e6:.1f} MB in memory")
    print(f"{'format':32} {'size MB':>8} {'load ms':>8} {'+pandas ms':>11}")
    for name, size, load_ms, frame_ms in measure(table, args.repeat):
        print(f"{name:32} {size / 1e6:8.2f} {load_ms:8.2f} {frame_ms:11.2f}")


if __name__ == "__main__":
    main()
