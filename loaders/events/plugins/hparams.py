"""HParams: a value's HParamsPluginData (experiment, session start or session end) kept as its bytes."""

from __future__ import annotations

from google.protobuf.message import DecodeError

from loaders.proto import hparams_pb2

# Own columns, in schema order: kind, data.
HParamsRow = tuple[str, bytes]

_KINDS = {"experiment": "experiment", "session_start_info": "session_start", "session_end_info": "session_end"}


def hparams_kind(content: bytes) -> str:
    """Return which hparams message plugin_data.content holds.

    Args:
        content: a serialized HParamsPluginData.

    Returns:
        "experiment", "session_start" or "session_end".

    Raises:
        ValueError: when content does not parse or holds none of the three.
    """
    try:
        which = hparams_pb2.HParamsPluginData.FromString(content).WhichOneof("data")
    except DecodeError as err:
        raise ValueError(f"its HParamsPluginData does not parse ({err})") from None
    if which is None:
        raise ValueError("its HParamsPluginData holds no experiment, session start or session end")
    return _KINDS[which]


def from_content(content: bytes) -> HParamsRow:
    """Return the row of an hparams value: which message it holds, and its bytes (decoded at read time).

    Raises:
        ValueError: as hparams_kind.
    """
    return hparams_kind(content), content
