"""The per-kind readers of Logdir: a DataFrame method and its Arrow twin for every table kind."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from loaders.api.select import Selector


def to_frame(table: pa.Table) -> pd.DataFrame:
    """Return table as a DataFrame, one block per column (no consolidation copy; run and tag stay str).

    Args:
        table: a reader-form table.

    Returns:
        The DataFrame, same columns and dtypes as table.to_pandas().
    """
    return table.to_pandas(split_blocks=True)


class KindReaders:
    """Mixin: scalars(), histograms(), ... and their *_table() twins, all through self._read(kind, runs, tags)."""

    def _read(self, kind: str, runs: Selector, tags: Selector) -> pa.Table:
        """Return the reader-form rows of kind for the selected runs and tags (Logdir implements it)."""
        raise NotImplementedError

    def scalars_table(self, runs: Selector = None, tags: Selector = None) -> pa.Table:
        """Arrow twin of scalars(): run, tag, step, wall_time, value."""
        return self._read("scalars", runs, tags)

    def scalars(self, runs: Selector = None, tags: Selector = None, *, pivot: bool = False) -> pd.DataFrame:
        """Return scalar values: run, tag, step, wall_time, value (NaN and ±inf kept).

        Args:
            runs: None (all), a run name, a list of run names, or a compiled regex (re.search).
            tags: None (all), a tag, a list of tags, or a compiled regex (re.search).
            pivot: one column per tag indexed by (run, step), like tbparse's pivot; a tag logged
                twice at one step keeps the value written last.

        Returns:
            A DataFrame, rows in run order then file order.

        Raises:
            TypeError: runs or tags is not one of the accepted forms.
            ValueError: a listed run or tag does not exist (the message lists the valid ones).
        """
        frame = to_frame(self.scalars_table(runs, tags))
        if not pivot:
            return frame
        latest = frame.drop_duplicates(["run", "step", "tag"], keep="last")
        wide = latest.pivot(index=["run", "step"], columns="tag", values="value")
        wide.columns.name = None
        return wide

    def histograms_table(self, runs: Selector = None, tags: Selector = None) -> pa.Table:
        """Arrow twin of histograms()."""
        return self._read("histograms", runs, tags)

    def histograms(self, runs: Selector = None, tags: Selector = None) -> pd.DataFrame:
        """Return histograms: run, tag, step, wall_time, min, max, num, sum, sum_squares, bucket_limit, bucket.

        Args and Raises are as for scalars(); bucket_limit holds right bucket edges.
        """
        return to_frame(self.histograms_table(runs, tags))

    def images_table(self, runs: Selector = None, tags: Selector = None) -> pa.Table:
        """Arrow twin of images() (the data column stays memory-mapped until used)."""
        return self._read("images", runs, tags)

    def images(self, runs: Selector = None, tags: Selector = None) -> pd.DataFrame:
        """Return images: run, tag, step, wall_time, index, width, height, content_type, data (encoded bytes).

        Args and Raises are as for scalars().
        """
        return to_frame(self.images_table(runs, tags))

    def audio_table(self, runs: Selector = None, tags: Selector = None) -> pa.Table:
        """Arrow twin of audio()."""
        return self._read("audio", runs, tags)

    def audio(self, runs: Selector = None, tags: Selector = None) -> pd.DataFrame:
        """Return audio clips: run, tag, step, wall_time, index, sample_rate, channels, frames, content_type, label,
        data.

        Args and Raises are as for scalars().
        """
        return to_frame(self.audio_table(runs, tags))

    def text_table(self, runs: Selector = None, tags: Selector = None) -> pa.Table:
        """Arrow twin of text()."""
        return self._read("text", runs, tags)

    def text(self, runs: Selector = None, tags: Selector = None) -> pd.DataFrame:
        """Return text summaries: run, tag, step, wall_time, value, shape, values.

        Args and Raises are as for scalars().
        """
        return to_frame(self.text_table(runs, tags))

    def tensors_table(self, runs: Selector = None, tags: Selector = None) -> pa.Table:
        """Arrow twin of tensors()."""
        return self._read("tensors", runs, tags)

    def tensors(self, runs: Selector = None, tags: Selector = None) -> pd.DataFrame:
        """Return every tensor no other reader covers: run, tag, step, wall_time, plugin, dtype, shape, data.

        data is the serialized TensorProto; loaders.tensors.decode_tensor turns it into numpy.
        Args and Raises are as for scalars().
        """
        return to_frame(self.tensors_table(runs, tags))

    def pr_curves_table(self, runs: Selector = None, tags: Selector = None) -> pa.Table:
        """Arrow twin of pr_curves()."""
        return self._read("pr_curves", runs, tags)

    def pr_curves(self, runs: Selector = None, tags: Selector = None) -> pd.DataFrame:
        """Return PR curves: run, tag, step, wall_time, threshold, tp, fp, tn, fn, precision, recall (lists).

        Args and Raises are as for scalars().
        """
        return to_frame(self.pr_curves_table(runs, tags))
