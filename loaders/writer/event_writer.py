"""EventWriter: writes tfevents files in TensorFlow's wire format (TF2 tensor or TF1 legacy style)."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Sequence
from types import TracebackType
from typing import BinaryIO

import numpy as np

from loaders.proto import hparams_pb2 as hp
from loaders.proto import plugins_pb2 as plugins
from loaders.proto.event_pb2 import Event, SessionLog
from loaders.proto.graph_pb2 import GraphDef
from loaders.proto.summary_pb2 import DataClass, HistogramProto, Summary
from loaders.records import frame
from loaders.writer import encode
from loaders.writer.summaries import (
    CUSTOM_SCALARS_TAG,
    EXPERIMENT_TAG,
    HPARAMS_STATUS,
    NULL_TENSOR,
    SESSION_END_TAG,
    SESSION_START_TAG,
    ImageLike,
    check_style,
    custom_scalars_layout,
    hparam_value,
    image_payload,
    metadata,
)


def _open_new_file(run_dir: str, stamp: float, suffix: str) -> tuple[BinaryIO, str]:
    """Create events.out.tfevents.<time>.<host>.<pid>.<n><suffix> with the first free n."""
    prefix = f"events.out.tfevents.{int(stamp):010d}.{socket.gethostname()}.{os.getpid()}"
    for n in range(1 << 20):
        path = os.path.join(run_dir, f"{prefix}.{n}{suffix}")
        try:
            return open(path, "xb"), path  # noqa: SIM115 (closed by EventWriter.close)
        except FileExistsError:
            continue
    raise FileExistsError(f"{run_dir}: no free event file name starting {prefix}; clean the directory")


class EventWriter:
    """Write one new tfevents file into run_dir; use as a context manager.

    Summary metadata goes only with the first value of each tag, as TensorFlow's and
    tensorboardX's file writers do. style="tensor" writes TF2 tensor summaries; style="legacy"
    writes TF1 simple_value / histo / image / audio values without metadata (like PyTorch).

    Attributes:
        path: the event file being written.
    """

    def __init__(
        self,
        run_dir: str | os.PathLike,
        *,
        filename_suffix: str = "",
        file_version: str | None = "brain.Event:2",
        wall_time: float | None = None,
    ) -> None:
        """Create run_dir if needed and start a new event file with a file_version event.

        Args:
            run_dir: the run directory.
            filename_suffix: appended to the file name (TensorBoard reads names containing "tfevents").
            file_version: the first event's file_version; None writes no version event.
            wall_time: a fixed wall time for every event (deterministic files); None uses the clock.
        """
        self._dir = os.fspath(run_dir)
        os.makedirs(self._dir, exist_ok=True)
        self._wall_time = wall_time
        self._seen: set[str] = set()
        self._handle: BinaryIO | None
        self._handle, self.path = _open_new_file(self._dir, self._time(None), filename_suffix)
        if file_version is not None:
            self.add_event(Event(wall_time=self._time(None), file_version=file_version))

    def __enter__(self) -> EventWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def _time(self, wall_time: float | None) -> float:
        if wall_time is not None:
            return float(wall_time)
        return self._wall_time if self._wall_time is not None else time.time()

    def _add_values(self, step: int, wall_time: float | None, *values: Summary.Value) -> None:
        """Write one summary event; metadata stays only on each tag's first value."""
        for value in values:
            if value.HasField("metadata"):
                if value.tag in self._seen:
                    value.ClearField("metadata")
                self._seen.add(value.tag)
        self.add_event(Event(wall_time=self._time(wall_time), step=int(step), summary=Summary(value=values)))

    def add_event(self, event: Event) -> None:
        """Frame and write an already built Event exactly as given.

        Args:
            event: the event.

        Raises:
            ValueError: the writer is closed.
        """
        if self._handle is None:
            raise ValueError(f"{self.path}: the writer is closed; open a new EventWriter to write more")
        self._handle.write(frame(event.SerializeToString()))

    def add_scalar(
        self, tag: str, value: float, step: int, *, wall_time: float | None = None, style: str = "tensor"
    ) -> None:
        """Write a scalar: a float32 0-d tensor (TF2) or a simple_value (legacy).

        Args:
            tag: the tag.
            value: the value (NaN and infinities are written as they are).
            step: the step.
            wall_time: this event's wall time (default: the writer's).
            style: "tensor" or "legacy".

        Raises:
            ValueError: unknown style.
        """
        check_style(style)
        if style == "legacy":
            self._add_values(step, wall_time, Summary.Value(tag=tag, simple_value=float(value)))
            return
        meta = metadata("scalars", plugins.ScalarPluginData(version=0), DataClass.DATA_CLASS_SCALAR)
        tensor = encode.tensor_proto(np.float32(value))
        self._add_values(step, wall_time, Summary.Value(tag=tag, metadata=meta, tensor=tensor))

    def add_histogram(
        self,
        tag: str,
        values: np.ndarray | Sequence[float],
        step: int,
        *,
        bins: int = 30,
        style: str = "tensor",
        wall_time: float | None = None,
    ) -> None:
        """Write a histogram: a (bins, 3) float64 tensor (TF2) or a HistogramProto (legacy).

        Args:
            tag: the tag.
            values: the data, any shape.
            step: the step.
            bins: bucket count of the TF2 form (legacy uses TF's exponential buckets).
            style: "tensor" or "legacy".
            wall_time: this event's wall time.

        Raises:
            ValueError: unknown style, or legacy with no or non-finite values.
        """
        check_style(style)
        if style == "legacy":
            self._add_values(step, wall_time, Summary.Value(tag=tag, histo=encode.legacy_histogram(values)))
            return
        meta = metadata("histograms", plugins.HistogramPluginData(version=0), DataClass.DATA_CLASS_TENSOR)
        tensor = encode.tensor_proto(encode.tensor_histogram(values, bins))
        self._add_values(step, wall_time, Summary.Value(tag=tag, metadata=meta, tensor=tensor))

    def add_histogram_raw(
        self,
        tag: str,
        *,
        min: float,
        max: float,
        num: float,
        sum: float,  # noqa: A002
        sum_squares: float,
        bucket_limit: Sequence[float],
        bucket: Sequence[float],
        step: int,
        wall_time: float | None = None,
    ) -> None:
        """Write a legacy HistogramProto from precomputed fields (like tensorboardX).

        Args:
            tag: the tag.
            min: smallest value.
            max: largest value.
            num: number of values.
            sum: sum of values.
            sum_squares: sum of squared values.
            bucket_limit: right edge of each bucket.
            bucket: count of each bucket.
            step: the step.
            wall_time: this event's wall time.

        Raises:
            ValueError: bucket_limit and bucket differ in length.
        """
        if len(bucket_limit) != len(bucket):
            raise ValueError(
                f"histogram {tag!r}: bucket_limit has {len(bucket_limit)} entries but bucket "
                f"has {len(bucket)}; they must match"
            )
        histo = HistogramProto(
            min=min,
            max=max,
            num=num,
            sum=sum,
            sum_squares=sum_squares,
            bucket_limit=list(bucket_limit),
            bucket=list(bucket),
        )
        self._add_values(step, wall_time, Summary.Value(tag=tag, histo=histo))

    def add_image(
        self, tag: str, image: ImageLike, step: int, *, style: str = "tensor", wall_time: float | None = None
    ) -> None:
        """Write one image: a [width, height, png] string tensor (TF2) or a Summary.Image (legacy).

        Args:
            tag: the tag.
            image: HxW or HxWxC (C in 1, 3, 4) uint8 or float [0, 1] array, or encoded PNG/JPEG/GIF bytes.
            step: the step.
            style: "tensor" or "legacy".
            wall_time: this event's wall time.

        Raises:
            ValueError: unknown style or an image that cannot be encoded or measured.
        """
        check_style(style)
        data, width, height, channels = image_payload(image)
        if style == "legacy":
            legacy = Summary.Image(height=height, width=width, colorspace=channels, encoded_image_string=data)
            self._add_values(step, wall_time, Summary.Value(tag=tag, image=legacy))
            return
        self._add_image_tensor(tag, [data], width, height, step, wall_time)

    def add_images(
        self, tag: str, images: np.ndarray | Sequence[ImageLike], step: int, *, wall_time: float | None = None
    ) -> None:
        """Write several same-size images as one TF2 tensor [width, height, png0, png1, ...].

        Args:
            tag: the tag.
            images: a (k, H, W[, C]) array, or a sequence of arrays or encoded images.
            step: the step.
            wall_time: this event's wall time.

        Raises:
            ValueError: no images, or images of different sizes.
        """
        payloads = [image_payload(image) for image in images]
        sizes = {(width, height) for _, width, height, _ in payloads}
        if len(sizes) != 1:
            raise ValueError(f"images {tag!r}: need at least one image, all of one size; got sizes {sorted(sizes)}")
        ((width, height),) = sizes
        self._add_image_tensor(tag, [p[0] for p in payloads], width, height, step, wall_time)

    def _add_image_tensor(
        self, tag: str, blobs: list[bytes], width: int, height: int, step: int, wall_time: float | None
    ) -> None:
        meta = metadata("images", plugins.ImagePluginData(version=0), DataClass.DATA_CLASS_BLOB_SEQUENCE)
        tensor = encode.tensor_proto(np.array([str(width).encode(), str(height).encode(), *blobs], dtype=object))
        self._add_values(step, wall_time, Summary.Value(tag=tag, metadata=meta, tensor=tensor))

    def add_audio(
        self,
        tag: str,
        samples: np.ndarray,
        sample_rate: int,
        step: int,
        *,
        style: str = "tensor",
        labels: Sequence[str] | None = None,
        wall_time: float | None = None,
    ) -> None:
        """Write audio clips as 16-bit PCM WAV: a [k, 2] (wav, label) string tensor, or legacy Summary.Audio.

        The TF2 form leaves data_class unset, as TensorFlow does, so that TensorBoard's
        compatibility layer projects the labels out of its blob sequence.

        Args:
            tag: the tag (legacy with k > 1 clips writes "<tag>/audio/<i>", like TF1).
            samples: floats in [-1, 1], (frames,), (frames, channels) or (clips, frames, channels).
            sample_rate: frames per second.
            step: the step.
            style: "tensor" or "legacy".
            labels: one markdown label per clip (TF2 form only).
            wall_time: this event's wall time.

        Raises:
            ValueError: unknown style, bad shape, or a label count that is not the clip count.
        """
        check_style(style)
        clips = encode.audio_clips(samples)
        wavs = [encode.encode_wav(clip, sample_rate) for clip in clips]
        if labels is not None and len(labels) != len(wavs):
            raise ValueError(f"audio {tag!r}: {len(labels)} labels for {len(wavs)} clips; give one per clip")
        if style == "legacy":
            values = [
                Summary.Value(
                    tag=tag if len(wavs) == 1 else f"{tag}/audio/{i}",
                    audio=Summary.Audio(
                        sample_rate=sample_rate,
                        num_channels=clips.shape[2],
                        length_frames=clips.shape[1],
                        encoded_audio_string=wav,
                        content_type="audio/wav",
                    ),
                )
                for i, wav in enumerate(wavs)
            ]
            self._add_values(step, wall_time, *values)
            return
        meta = metadata("audio", plugins.AudioPluginData(version=0, encoding=plugins.AudioPluginData.WAV))
        pairs = np.array([[wav, (labels[i] if labels else "").encode()] for i, wav in enumerate(wavs)], dtype=object)
        self._add_values(step, wall_time, Summary.Value(tag=tag, metadata=meta, tensor=encode.tensor_proto(pairs)))

    def add_text(self, tag: str, text: str | Sequence, step: int, *, wall_time: float | None = None) -> None:
        """Write text (markdown) as a string tensor of the text's shape.

        Args:
            tag: the tag.
            text: a string, or a (nested) list of strings (a 2-D list renders as a table).
            step: the step.
            wall_time: this event's wall time.
        """
        meta = metadata("text", plugins.TextPluginData(version=0), DataClass.DATA_CLASS_TENSOR)
        tensor = encode.tensor_proto(np.array(text, dtype=object))
        self._add_values(step, wall_time, Summary.Value(tag=tag, metadata=meta, tensor=tensor))

    def add_pr_curve(
        self,
        tag: str,
        labels: np.ndarray | Sequence[bool],
        predictions: np.ndarray | Sequence[float],
        step: int,
        *,
        num_thresholds: int = 201,
        weights: float | np.ndarray = 1.0,
        wall_time: float | None = None,
    ) -> None:
        """Write a PR curve: a (6, num_thresholds) float32 tensor TP, FP, TN, FN, precision, recall.

        Args:
            tag: the tag.
            labels: ground truth booleans.
            predictions: probabilities in [0, 1].
            step: the step.
            num_thresholds: evenly spaced thresholds (TensorBoard's default 201).
            weights: per-example weights.
            wall_time: this event's wall time.

        Raises:
            ValueError: see encode.pr_curve_data.
        """
        data = encode.pr_curve_data(labels, predictions, num_thresholds, weights)
        content = plugins.PrCurvePluginData(version=0, num_thresholds=num_thresholds)
        meta = metadata("pr_curves", content, DataClass.DATA_CLASS_TENSOR)
        self._add_values(step, wall_time, Summary.Value(tag=tag, metadata=meta, tensor=encode.tensor_proto(data)))

    def _add_hparams_value(self, tag: str, data: hp.HParamsPluginData, step: int, wall_time: float) -> None:
        meta = metadata("hparams", data, DataClass.DATA_CLASS_TENSOR)
        self._add_values(step, wall_time, Summary.Value(tag=tag, metadata=meta, tensor=NULL_TENSOR))

    def add_hparams(
        self,
        hparams: dict[str, object],
        metrics: dict[str, float] | None = None,
        *,
        step: int = 0,
        experiment: bool = True,
        status: str = "success",
        log_metrics: bool = True,
        wall_time: float | None = None,
    ) -> None:
        """Write the hparams plugin's experiment, session start and session end summaries.

        Values are typed like tensorboardX: bool, number (float64), else string. The metrics
        become the experiment's metric infos and, with log_metrics, scalars at step.

        Args:
            hparams: name -> value (None values are skipped).
            metrics: metric tag -> final value.
            step: the step of every event written.
            experiment: also write the experiment config (hparam and metric infos).
            status: "success", "failure", "running" (no session end is written) or "unknown".
            log_metrics: write each metric as a scalar; False when the run already logs those tags.
            wall_time: the events' wall time, also the start, end and creation times.

        Raises:
            ValueError: unknown status, or hparams were already written by this writer.
        """
        if status not in HPARAMS_STATUS:
            raise ValueError(f"status must be one of {tuple(HPARAMS_STATUS)}; got {status!r}")
        if SESSION_START_TAG in self._seen:
            raise ValueError(f"{self.path}: hparams were already written here; write one session per run directory")
        now, metrics = self._time(wall_time), metrics or {}
        start = hp.SessionStartInfo(start_time_secs=now)
        infos = [hp.HParamInfo(name=k, type=hparam_value(k, v, start)) for k, v in hparams.items() if v is not None]
        if experiment:
            config = hp.Experiment(
                hparam_infos=infos,
                time_created_secs=now,
                metric_infos=[hp.MetricInfo(name=hp.MetricName(tag=k)) for k in metrics],
            )
            self._add_hparams_value(EXPERIMENT_TAG, hp.HParamsPluginData(version=0, experiment=config), step, now)
        self._add_hparams_value(SESSION_START_TAG, hp.HParamsPluginData(version=0, session_start_info=start), step, now)
        for tag, value in metrics.items() if log_metrics else ():
            self.add_scalar(tag, value, step, wall_time=now)
        if status != "running":
            end = hp.SessionEndInfo(status=HPARAMS_STATUS[status], end_time_secs=now)
            self._add_hparams_value(SESSION_END_TAG, hp.HParamsPluginData(version=0, session_end_info=end), step, now)

    def add_graph(self, graph_def: GraphDef | bytes, *, wall_time: float | None = None) -> None:
        """Write a graph_def event (step 0).

        Args:
            graph_def: a GraphDef or its serialized bytes.
            wall_time: this event's wall time.
        """
        data = graph_def if isinstance(graph_def, bytes) else graph_def.SerializeToString()
        self.add_event(Event(wall_time=self._time(wall_time), step=0, graph_def=data))

    def add_custom_scalars(self, layout: dict[str, dict[str, list]], *, wall_time: float | None = None) -> None:
        """Write the custom-scalars layout (tag "custom_scalars__config__", step 0).

        Args:
            layout: {category: {chart title: ["Multiline", [tag regex, ...]] or
                ["Margin", [value, lower, upper]]}}, as tensorboardX takes it.
            wall_time: this event's wall time.

        Raises:
            ValueError: an unknown chart kind or a Margin chart without three tags.
        """
        tensor = encode.tensor_proto(np.array(custom_scalars_layout(layout).SerializeToString(), dtype=object))
        meta = metadata("custom_scalars", b"", DataClass.DATA_CLASS_TENSOR)
        self._add_values(0, wall_time, Summary.Value(tag=CUSTOM_SCALARS_TAG, metadata=meta, tensor=tensor))

    def add_tensor(
        self,
        tag: str,
        array: object,
        step: int,
        *,
        plugin: str = "",
        content: bytes = b"",
        wall_time: float | None = None,
    ) -> None:
        """Write any tensor under any plugin name (metadata only when plugin or content is given).

        Args:
            tag: the tag.
            array: a number, string, array or nested list.
            step: the step.
            plugin: plugin_data.plugin_name.
            content: plugin_data.content.
            wall_time: this event's wall time.

        Raises:
            ValueError: a dtype TensorFlow has no type for.
        """
        value = Summary.Value(tag=tag, tensor=encode.tensor_proto(array))
        if plugin or content:
            value.metadata.CopyFrom(metadata(plugin, content, DataClass.DATA_CLASS_TENSOR))
        self._add_values(step, wall_time, value)

    def add_session_start(self, step: int, *, wall_time: float | None = None) -> None:
        """Write a SessionLog START event: TensorBoard's restart marker.

        Args:
            step: the step training restarts from.
            wall_time: this event's wall time.
        """
        start = SessionLog(status=SessionLog.START)
        self.add_event(Event(wall_time=self._time(wall_time), step=int(step), session_log=start))

    def flush(self) -> None:
        """Push everything written so far to the file."""
        if self._handle is not None:
            self._handle.flush()

    def close(self) -> None:
        """Flush and close the file; later writes raise ValueError."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
