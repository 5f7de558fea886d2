"""Summary.Value building blocks shared by the writer: metadata, images, hparams, layouts."""

from __future__ import annotations

import numpy as np
from google.protobuf.message import Message

from loaders.proto import hparams_pb2 as hp
from loaders.proto import plugins_pb2 as plugins
from loaders.proto.summary_pb2 import DataClass, SummaryMetadata
from loaders.writer import encode

STYLES = ("tensor", "legacy")
HPARAMS_STATUS = {
    "success": hp.STATUS_SUCCESS,
    "failure": hp.STATUS_FAILURE,
    "running": hp.STATUS_RUNNING,
    "unknown": hp.STATUS_UNKNOWN,
}
EXPERIMENT_TAG = "_hparams_/experiment"
SESSION_START_TAG = "_hparams_/session_start_info"
SESSION_END_TAG = "_hparams_/session_end_info"
CUSTOM_SCALARS_TAG = "custom_scalars__config__"
NULL_TENSOR = encode.tensor_proto(np.zeros((0,), np.float32))  # hparams summaries carry no data
ImageLike = np.ndarray | bytes


def metadata(
    plugin: str, content: Message | bytes = b"", data_class: int = DataClass.DATA_CLASS_UNKNOWN
) -> SummaryMetadata:
    """Return SummaryMetadata for a plugin.

    Args:
        plugin: plugin_data.plugin_name.
        content: plugin_data.content, a message (serialized here) or bytes.
        data_class: the DataClass value.

    Returns:
        The SummaryMetadata.
    """
    raw = content if isinstance(content, bytes) else content.SerializeToString()
    return SummaryMetadata(
        plugin_data=SummaryMetadata.PluginData(plugin_name=plugin, content=raw), data_class=data_class
    )


def check_style(style: str) -> None:
    """Raise ValueError naming the valid styles unless style is one of them."""
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}; got {style!r}")


def image_payload(image: ImageLike) -> tuple[bytes, int, int, int]:
    """Return (encoded, width, height, channels) for an array (PNG-encoded) or encoded bytes.

    Args:
        image: an image array (see encode.image_uint8) or PNG/JPEG/GIF bytes.

    Returns:
        The encoded image and its size.

    Raises:
        ValueError: the image cannot be encoded or measured.
    """
    if isinstance(image, (bytes, bytearray)):
        width, height, channels = encode.encoded_image_size(bytes(image))
        return bytes(image), width, height, channels
    pixels = encode.image_uint8(image)
    return encode.encode_png(pixels), pixels.shape[1], pixels.shape[0], pixels.shape[2]


def hparam_value(name: str, value: object, start: hp.SessionStartInfo) -> int:
    """Store one hparam in start.hparams and return its HParamDataType (like tensorboardX).

    Args:
        name: the hparam name.
        value: bool, number, string, or anything else (stored as its __name__ or str()).
        start: the SessionStartInfo to fill.

    Returns:
        DATA_TYPE_BOOL, DATA_TYPE_FLOAT64 or DATA_TYPE_STRING.
    """
    if isinstance(value, bool):
        start.hparams[name].bool_value = value
        return hp.DATA_TYPE_BOOL
    if isinstance(value, (int, float, np.integer, np.floating)):
        start.hparams[name].number_value = float(value)
        return hp.DATA_TYPE_FLOAT64
    start.hparams[name].string_value = value if isinstance(value, str) else getattr(value, "__name__", str(value))
    return hp.DATA_TYPE_STRING


def custom_scalars_layout(layout: dict[str, dict[str, list]]) -> plugins.Layout:
    """Build a custom-scalars Layout from tensorboardX's dict form.

    Args:
        layout: {category: {chart title: ["Multiline", [tag regex, ...]] or ["Margin", [value, lower, upper]]}}.

    Returns:
        The Layout message.

    Raises:
        ValueError: an unknown chart kind or a Margin chart without three tags.
    """
    categories = []
    for category, charts in layout.items():
        built = []
        for title, (kind, tags) in charts.items():
            if kind == "Margin":
                if len(tags) != 3:
                    raise ValueError(f"custom scalars chart {title!r}: Margin needs [value, lower, upper]; got {tags}")
                series = plugins.MarginChartContent.Series(value=tags[0], lower=tags[1], upper=tags[2])
                built.append(plugins.Chart(title=title, margin=plugins.MarginChartContent(series=[series])))
            elif kind == "Multiline":
                built.append(plugins.Chart(title=title, multiline=plugins.MultilineChartContent(tag=list(tags))))
            else:
                raise ValueError(f"custom scalars chart {title!r}: kind must be 'Multiline' or 'Margin'; got {kind!r}")
        categories.append(plugins.Category(title=category, chart=built))
    return plugins.Layout(category=categories)
