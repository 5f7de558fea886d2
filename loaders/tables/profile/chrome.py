"""Chrome trace JSON (PyTorch Kineto, legacy TF, JAX perfetto) read as a stream of events into Rows."""

from __future__ import annotations

import codecs
import json
import re
import zlib
from collections.abc import Iterator
from typing import IO, Any

from loaders.tables.profile.events import Rows, step_number

CHUNK = 1 << 20
_DECODER = json.JSONDecoder(strict=False)
_BAD_TOKEN = re.compile(r"(?<=[:\[,])\s*(N/A|nan|-nan|inf|-inf)\s*(?=[,}\]])")
_NEXT_EVENT = re.compile(r"}\s*,\s*(?={)")
_CATEGORY_KINDS = {
    "kernel": "kernel",
    "gpu_memcpy": "memcpy",
    "gpu_memset": "memset",
    "cuda_runtime": "runtime",
    "cuda_driver": "runtime",
    "runtime": "runtime",
    "xpu_runtime": "runtime",
    "cpu_op": "op",
    "operator": "op",
    "user_annotation": "annotation",
    "gpu_user_annotation": "annotation",
    "python_function": "python",
}
_DEVICE_CATEGORIES = ("kernel", "gpu_memcpy", "gpu_memset", "gpu_user_annotation")
_COMMUNICATION = re.compile(r"nccl|ncclKernel|all_?reduce|all_?gather|reduce_?scatter|broadcast|all_to_all", re.I)
_DATALOADER = re.compile(r"DataLoader|IteratorGetNext")
_DEVICE_PROCESS = re.compile(r"^/device:[A-Z]+:\d+")
_STEP_MARKER = re.compile(r"^(train|test|TraceContext)")
_LIFTED_ARGS = ("correlation", "External id", "Input Dims")
META_KEYS = ("deviceProperties", "distributedInfo", "baseTimeNanoseconds", "schemaVersion", "displayTimeUnit")


class TraceFormatError(ValueError):
    """The file is not a Chrome trace (neither a JSON array nor an object with traceEvents)."""


def read_chrome(path: str) -> Rows:
    """Read a Chrome trace JSON file (optionally gzipped) into Rows, streaming.

    A file cut short (truncated gzip, JSON ending mid-array) keeps every complete event and
    reports a problem; a malformed event is skipped and counted.

    Args:
        path: the .json or .json.gz file.

    Returns:
        The Rows (problems and meta filled in).

    Raises:
        TraceFormatError: the file does not start like a Chrome trace.
        OSError: the file cannot be opened.
    """
    rows = Rows()
    builder = _Builder(rows)
    with _open_text(path) as text:
        stream = _Stream(text, path, rows)
        for event in stream.events():
            builder.add(event)
    builder.close()
    rows.meta.update({key: value for key, value in stream.meta.items() if key in META_KEYS})
    rows.meta["source"] = "pytorch" if "schemaVersion" in stream.meta or builder.pytorch else "chrome"
    if stream.skipped:
        rows.problems.append(f"{path}: skipped {stream.skipped} malformed trace event(s)")
    return rows


class _Text:
    """The text of a plain or gzipped file, decoded chunk by chunk; a cut-short gzip ends the text early."""

    def __init__(self, path: str) -> None:
        self.handle: IO[bytes] = open(path, "rb")  # noqa: SIM115 (closed by __exit__)
        gzipped = self.handle.read(2) == b"\x1f\x8b"
        self.handle.seek(0)
        self.inflate = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzipped else None
        self.decode = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def read(self, size: int) -> str:
        """Return about size characters ("" at the end); raise EOFError where a gzip stream stops short."""
        while True:
            data = self.handle.read(size)
            if self.inflate is None:
                return self.decode.decode(data, final=not data)
            if not data:
                if not self.inflate.eof:
                    raise EOFError("compressed file ended before the end-of-stream marker")
                return self.decode.decode(b"", final=True)
            text = self.decode.decode(self.inflate.decompress(data))
            if text or self.inflate.eof:
                return text

    def __enter__(self) -> _Text:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


def _open_text(path: str) -> _Text:
    return _Text(path)


class _Stream:
    """Yield the events of a Chrome trace one by one, holding at most a chunk of text."""

    def __init__(self, text: _Text, path: str, rows: Rows) -> None:
        self.text, self.path, self.rows = text, path, rows
        self.buffer, self.pos, self.eof = "", 0, False
        self.meta: dict[str, Any] = {}
        self.skipped = 0
        self.cut = False

    def _fill(self) -> bool:
        """Read one more chunk; return False at the end of the file (or at a cut-short gzip)."""
        if self.eof:
            return False
        try:
            chunk = self.text.read(CHUNK)
        except (EOFError, OSError, zlib.error) as error:
            self.rows.problems.append(f"{self.path}: the compressed stream is cut short or damaged ({error})")
            chunk = ""
        if not chunk:
            self.eof = True
            return False
        self.buffer = self.buffer[self.pos :] + chunk
        self.pos = 0
        return True

    def _skip_space(self) -> str:
        """Return the next non-space character (not consumed), "" at the end."""
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in " \t\r\n,":
                self.pos += 1
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self._fill():
                return ""

    def _value(self) -> Any:
        """Decode the JSON value at pos, reading more text as needed."""
        self._skip_space()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buffer, self.pos)
                self.pos = end
                return value
            except json.JSONDecodeError as error:
                if self._fill():
                    continue
                raise _Cut(str(error)) from error

    def events(self) -> Iterator[dict[str, Any]]:
        """Yield every event dict of traceEvents (or of a bare array)."""
        first = self._skip_space()
        if first == "[":
            self.pos += 1
            yield from self._array()
        elif first == "{":
            self.pos += 1
            yield from self._object()
        else:
            raise TraceFormatError(f"{self.path}: not a Chrome trace (expected a JSON array or object)")

    def _object(self) -> Iterator[dict[str, Any]]:
        while True:
            char = self._skip_space()
            if char in ("}", ""):
                if not char:
                    self.rows.problems.append(
                        f"{self.path}: the JSON ends before its closing brace; kept what was read"
                    )
                return
            try:
                key = self._value()
                while self._skip_space() not in (":", ""):
                    self.pos += 1
                self.pos += 1
                if key == "traceEvents" and self._skip_space() == "[":
                    self.pos += 1
                    yield from self._array()
                    if self.cut:
                        return
                else:
                    self.meta[str(key)] = self._value()
            except _Cut:
                self.rows.problems.append(f"{self.path}: the JSON is cut short; kept the events read before the cut")
                return

    def _array(self) -> Iterator[dict[str, Any]]:
        while True:
            char = self._skip_space()
            if char == "]":
                self.pos += 1
                return
            value = None
            try:
                if not char:
                    raise _Cut("end of file")
                value = self._event()
            except _Cut:
                self.cut = True
                self.rows.problems.append(
                    f"{self.path}: the trace is cut short inside traceEvents; kept the events read before the cut"
                )
                return
            if isinstance(value, dict):
                yield value

    def _event(self) -> Any:
        """Decode one event; repair PyTorch's bad tokens, or skip to the next event."""
        try:
            value, end = _DECODER.raw_decode(self.buffer, self.pos)
            self.pos = end
            return value
        except json.JSONDecodeError:
            pass
        while True:  # make sure the whole event is in the buffer before judging it
            stop = _NEXT_EVENT.search(self.buffer, self.pos)
            if stop or not self._fill():
                break
        stop = _NEXT_EVENT.search(self.buffer, self.pos)
        if stop is None:
            return self._value()  # the last event: decodes, or is cut (raises _Cut)
        text = _BAD_TOKEN.sub(lambda m: json.dumps(m.group(1)), self.buffer[self.pos : stop.start() + 1])
        self.pos = stop.end()
        try:
            return json.loads(text, strict=False)
        except json.JSONDecodeError:
            self.skipped += 1
            return None


class _Cut(Exception):
    """The JSON text ended inside a value."""


class _Builder:
    """Turn Chrome events into Rows: lanes from metadata, B/E pairing, kinds, lifted args."""

    def __init__(self, rows: Rows) -> None:
        self.rows = rows
        self.process_names: dict[str, str] = {}
        self.process_labels: dict[str, str] = {}
        self.thread_names: dict[tuple[str, str], str] = {}
        self.open: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.pytorch = False
        self.flows = 0

    def add(self, event: dict[str, Any]) -> None:
        phase = event.get("ph")
        if phase == "M":
            self._metadata(event)
        elif phase in ("X", "i", "I", "C"):
            self._emit(event, _micro_to_ns(event.get("dur", 0)) if phase == "X" else 0)
        elif phase == "B":
            self.open.setdefault(_lane(event), []).append(event)
        elif phase == "E":
            stack = self.open.get(_lane(event))
            if stack:
                begin = stack.pop()
                if isinstance(event.get("args"), dict):
                    begin = {**begin, "args": {**(begin.get("args") or {}), **event["args"]}}
                self._emit(begin, _micro_to_ns(event.get("ts", 0)) - _micro_to_ns(begin.get("ts", 0)))
        elif phase in ("s", "t", "f"):
            self.flows += 1

    def close(self) -> None:
        unclosed = sum(len(stack) for stack in self.open.values())
        if unclosed:
            self.rows.problems.append(f"{unclosed} 'B' event(s) never ended ('E'); they were dropped")
        self.rows.meta["flows"] = self.flows
        self._name_lanes()

    def _metadata(self, event: dict[str, Any]) -> None:
        args = event.get("args") or {}
        pid, tid = str(event.get("pid", "")), str(event.get("tid", ""))
        name = event.get("name")
        if name == "process_name":
            self.process_names[pid] = str(args.get("name", pid))
        elif name == "process_labels":
            self.process_labels[pid] = str(args.get("labels", ""))
        elif name == "thread_name":
            self.thread_names[(pid, tid)] = str(args.get("name", tid)).strip()

    def _emit(self, event: dict[str, Any], dur_ns: int) -> None:
        name = str(event.get("name", ""))
        category = str(event.get("cat", ""))
        args: dict[str, Any] = event["args"] if isinstance(event.get("args"), dict) else {}
        pid, tid = str(event.get("pid", "")), str(event.get("tid", ""))
        named = _DEVICE_PROCESS.match(self.process_names.get(pid, ""))
        on_device = named is not None or category in _DEVICE_CATEGORIES or "stream" in args
        device = named.group(0) if named else f"/device:GPU:{pid}" if on_device else "/host:CPU"
        kind = _kind(name, category, event.get("ph", "X"), args)
        if kind == "step":
            self.pytorch = True
        elif named and kind == "op":  # XProf's trace JSON: device lanes hold kernels and copies
            lane = self.thread_names.get((pid, tid), "")
            kind = "memcpy" if "Memcpy" in lane + name else "memset" if "Memset" in lane + name else "kernel"
        elif kind == "op" and "step_num" in args and _STEP_MARKER.match(name):
            kind = "step"
        lifted = {key: args.pop(key) for key in _LIFTED_ARGS if key in args}
        self.rows.add(
            device,
            f"\x00{pid}\x00{tid}",  # placeholder lane key, named in close()
            (1 << 40) + lane_sort_key(pid) if on_device else lane_sort_key(pid),
            name,
            category,
            kind,
            _micro_to_ns(event.get("ts", 0)),
            dur_ns,
            step=(_int(args.get("step_num"), -1) if "step_num" in args else step_number(name) or 0)
            if kind == "step"
            else -1,
            correlation=_int(lifted.get("correlation"), -1),
            external_id=_int(lifted.get("External id"), -1),
            shape=json.dumps(lifted["Input Dims"], separators=(",", ":")) if "Input Dims" in lifted else "",
            args=json.dumps(args, separators=(",", ":"), default=str) if args else "{}",
        )

    def _name_lanes(self) -> None:
        """Replace the placeholder lane keys by readable lane names."""
        names: dict[str, str] = {}
        for key in set(self.rows.track):
            _, pid, tid = key.split("\x00")
            process = self.process_labels.get(pid) or self.process_names.get(pid) or f"process {pid}"
            if process == self.process_names.get(pid) and not process.startswith("/"):
                process = f"{process} ({pid})"  # a program name: the pid tells processes apart
            thread = self.thread_names.get((pid, tid)) or f"thread {tid}"
            names[key] = f"{process} / {thread}"
        self.rows.track = [names[key] for key in self.rows.track]


def _kind(name: str, category: str, phase: str, args: dict[str, Any]) -> str:
    if phase == "C":
        return "counter"
    if phase in ("i", "I"):
        return "memory" if name == "[memory]" else "instant"
    if step_number(name) is not None:
        return "step"
    kind = _CATEGORY_KINDS.get(category.split(",")[0], "op")
    if kind == "kernel" and _COMMUNICATION.search(name):
        return "communication"
    if kind in ("op", "annotation", "python") and _DATALOADER.search(name):
        return "dataloader"
    return kind


def _lane(event: dict[str, Any]) -> tuple[str, str]:
    return str(event.get("pid", "")), str(event.get("tid", ""))


def _micro_to_ns(value: Any) -> int:
    try:
        return round(float(value) * 1000)
    except (TypeError, ValueError):
        return 0


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def lane_sort_key(pid: str) -> int:
    """Return a sort key for a Chrome pid (ints as is, strings after every int)."""
    return _int(pid, 1 << 30)
