"""events.plugins.hparams: which HParamsPluginData message a value holds, and clear refusals."""

from __future__ import annotations

import pytest

from loaders.events.plugins.hparams import from_content, hparams_kind
from loaders.proto import hparams_pb2


@pytest.mark.parametrize(("data", "kind"), [
    (hparams_pb2.HParamsPluginData(experiment=hparams_pb2.Experiment(name="e")), "experiment"),
    (hparams_pb2.HParamsPluginData(session_start_info=hparams_pb2.SessionStartInfo(group_name="g")), "session_start"),
    (hparams_pb2.HParamsPluginData(session_end_info=hparams_pb2.SessionEndInfo(status=1)), "session_end"),
])
def test_hparams_from_content_names_the_message_and_keeps_the_bytes(data, kind):
    content = data.SerializeToString()
    assert hparams_kind(content) == kind
    assert from_content(content) == (kind, content)


@pytest.mark.parametrize(("content", "message"), [
    (b"", "holds no experiment"),
    (b"\xff\xff\xff", "does not parse"),
])
def test_hparams_kind_refuses_content_without_a_message(content, message):
    with pytest.raises(ValueError, match=message):
        hparams_kind(content)
