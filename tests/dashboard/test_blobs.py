"""Tests of dashboard.blobs through the Flask test client: bytes, types, cache headers, and 404s for bad ids."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import dash
import pytest

from dashboard import blobs, data
from dashboard.data import media
from tests.dashboard.test_data_media import COLORS, media_logdir  # noqa: F401 - the module-scoped fixture


@pytest.fixture
def app(make_app: Callable[..., dash.Dash], media_logdir: Path) -> dash.Dash:  # noqa: F811
    """An app serving the media logdir."""
    return make_app(logdir=str(media_logdir))


def address(app: dash.Dash, kind: str, run: str, tag: str, step: int, index: int = 0) -> str:
    """The blob address the pages would put in a card (with the sample's current token)."""
    source: data.DataSource = app.server.config[data.CONFIG_KEY]
    rows = media.sample_steps(source, kind, run, tag, index)
    wall_time = float(rows.loc[rows["step"] == step, "wall_time"].iloc[0])
    return blobs.url(source.settings.path_prefix, kind, run, tag, step, index, wall_time)


@pytest.mark.parametrize(("run", "tag", "step", "content_type", "magic"), [
    ("alpha", "samples/digit", 10, "image/png", b"\x89PNG\r\n\x1a\n"),
    ("beta", "formats/jpeg", 3, "image/jpeg", b"\xff\xd8\xff"),
    ("beta", "formats/gif", 3, "image/gif", b"GIF8"),
])
def test_blob_serves_image_bytes_with_their_type(app: dash.Dash, run: str, tag: str, step: int, content_type: str,
                                                  magic: bytes) -> None:
    response = app.server.test_client().get(address(app, "images", run, tag, step))
    source = app.server.config[data.CONFIG_KEY]
    assert response.status_code == 200 and response.mimetype == content_type
    assert response.data.startswith(magic) and response.data == media.blob(source, "images", run, tag, step, 0).data
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_blob_serves_the_step_asked_for(app: dash.Dash) -> None:
    from PIL import Image

    client = app.server.test_client()
    for step, color in COLORS.items():
        image = Image.open(io.BytesIO(client.get(address(app, "images", "alpha", "samples/digit", step)).data))
        assert image.convert("RGB").getpixel((3, 3)) == color


def test_blob_serves_wav_with_ranges_for_seeking(app: dash.Dash) -> None:
    client = app.server.test_client()
    url = address(app, "audio", "voice", "speech/tone", 2)
    whole = client.get(url)
    assert whole.status_code == 200 and whole.mimetype == "audio/wav" and whole.data[:4] == b"RIFF"
    assert whole.headers["Accept-Ranges"] == "bytes"
    part = client.get(url, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.data == whole.data[:100]
    assert part.headers["Content-Range"] == f"bytes 0-99/{len(whole.data)}"


def test_blob_is_immutable_while_its_token_matches_and_revalidates_otherwise(app: dash.Dash) -> None:
    client = app.server.test_client()
    url = address(app, "images", "alpha", "samples/wide", 5)
    fresh = client.get(url)
    assert fresh.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert fresh.headers["ETag"].startswith('"') and len(fresh.headers["ETag"]) == 26
    assert client.get(url, headers={"If-None-Match": fresh.headers["ETag"]}).status_code == 304
    stale = client.get(url.split("?")[0] + "?v=000000000000")
    assert stale.status_code == 200 and stale.headers["Cache-Control"] == "no-cache"
    assert stale.data == fresh.data and stale.headers["ETag"] == fresh.headers["ETag"]


def test_blob_names_round_trip_and_tokens_change_with_the_sample() -> None:
    for name in (".", "run/with/slashes", "ünïcode runs", "a" * 300):
        token = blobs.encode_name(name)
        assert "/" not in token and "=" not in token and blobs.decode_name(token, "run") == name
    assert blobs.sample_token(3, 1.5) == blobs.sample_token(3, 1.5) != blobs.sample_token(3, 1.6)
    assert blobs.url("/tb/", "audio", "r", "t/x", 7, 1, 1.5) == \
        f"/tb/_eventscope/blob/audio/cg/dC94/7/1?v={blobs.sample_token(7, 1.5)}"


@pytest.mark.parametrize(("path", "message"), [
    ("images/{alpha}/{digit}/5/0", "nothing logged at step 5, index 0"),
    ("images/{alpha}/{digit}/10/1", "nothing logged at step 10, index 1"),
    ("video/{alpha}/{digit}/10/0", "unknown kind"),
    ("audio/{alpha}/{digit}/10/0", "this run has no audio tag of that name"),
    ("images/{nobody}/{digit}/10/0", "unknown run"),
    ("images/{dotdot}/{digit}/10/0", "unknown run"),
    ("images/{alpha}/{digit}/1.5/0", "step and index must be integers"),
    ("images/{alpha}/{digit}/abc/0", "step and index must be integers"),
    ("images/{alpha}/{digit}/10/0x1", "step and index must be integers"),
    ("images/{alpha}/{digit}/99999999999999999999/0", "step and index must be integers"),
    ("images/{alpha}/{digit}/9999999999999999999/0", "step 9999999999999999999 is outside the 64-bit range"),
    ("images/{alpha}/{digit}/-9999999999999999999/0", "step -9999999999999999999 is outside the 64-bit range"),
    ("images/{alpha}/{digit}/10/9223372036854775808", "index 9223372036854775808 is outside the 64-bit range"),
    ("images/{alpha}/{digit}/9223372036854775807/0", "nothing logged at step 9223372036854775807, index 0"),
    ("images/not*base64/{digit}/10/0", "bad run id"),
    ("images/{alpha}/{latin1}/10/0", "bad tag id"),
    ("images/{alpha}/{digit}/10", "malformed blob address"),
    ("images/{alpha}/{digit}/10/0/extra", "malformed blob address"),
    ("images/../../../etc/passwd", "malformed blob address"),
    ("images/%2e%2e/%2e%2e/etc/passwd/0", "malformed blob address"),
    ("images/..%2F..%2Fetc%2Fpasswd/{digit}/0/0", "malformed blob address"),
    ("", "malformed blob address"),
])
def test_blob_answers_404_with_a_short_message_for_bad_ids(app: dash.Dash, path: str, message: str) -> None:
    tokens = {"alpha": blobs.encode_name("alpha"), "digit": blobs.encode_name("samples/digit"),
              "nobody": blobs.encode_name("nobody"), "dotdot": blobs.encode_name("../alpha"), "latin1": "_w"}
    response = app.server.test_client().get("/_eventscope/blob/" + path.format(**tokens))
    assert response.status_code == 404 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert text.startswith(f"404 not found: {message}") and text.endswith("\n") and len(text) < 120
    assert "root:" not in text and "<html" not in text.lower()


def test_blob_route_only_answers_get(app: dash.Dash) -> None:
    url = address(app, "images", "alpha", "samples/digit", 0)
    assert app.server.test_client().post(url).status_code == 405


def test_blob_route_lives_under_the_path_prefix(make_app: Callable[..., dash.Dash],
                                                media_logdir: Path) -> None:  # noqa: F811
    app = make_app(logdir=str(media_logdir), path_prefix="/tb")
    url = address(app, "images", "beta", "formats/gif", 3)
    client = app.server.test_client()
    assert url.startswith("/tb/_eventscope/blob/images/")
    assert client.get(url).status_code == 200 and client.get(url).mimetype == "image/gif"
    assert client.get(url.removeprefix("/tb")).status_code == 404


def test_blob_of_a_missing_logdir_is_404(make_app: Callable[..., dash.Dash], tmp_path: Path) -> None:
    app = make_app(logdir=str(tmp_path / "nope"))
    url = blobs.url("/", "images", "alpha", "samples/digit", 0, 0, 0.0)
    response = app.server.test_client().get(url)
    assert response.status_code == 404 and b"unknown run" in response.data
