"""Serves image and audio bytes by validated ids, never paths: GET <prefix>_eventscope/blob/<kind>/<run>/<tag>/<s>/<i>.

<run> and <tag> are the names in URL-safe base64, checked against what the loader discovered
(nothing from the browser ever becomes a filesystem path); <s> (step) and <i> (sample index) are
integers. The query's token `v` identifies the sample as logged (its step and wall time): while
it matches, the response is immutable and cached for a year; a stale token gets the current
bytes, to be revalidated by ETag.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

import flask
import werkzeug

from dashboard import data
from dashboard.data import media

ROUTE = "_eventscope/blob/"
YEAR = 365 * 24 * 3600
_INTEGER = re.compile(r"-?\d{1,19}")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,2000}")
_ALLOWED = {"images": "image/", "audio": "audio/"}


class BlobNotFound(LookupError):
    """A blob address names nothing the loader discovered; the message says which part."""


def encode_name(name: str) -> str:
    """Return a run or tag name as URL-safe base64 without padding (one path segment)."""
    return base64.urlsafe_b64encode(name.encode("utf-8")).rstrip(b"=").decode("ascii")


def decode_name(token: str, what: str) -> str:
    """Return the name a token encodes.

    Args:
        token: URL-safe base64 without padding.
        what: "run" or "tag", for the message.

    Returns:
        The name.

    Raises:
        BlobNotFound: the token is not URL-safe base64 of UTF-8 text.
    """
    if not _TOKEN.fullmatch(token):
        raise BlobNotFound(f"bad {what} id")
    try:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BlobNotFound(f"bad {what} id") from None


def sample_token(step: int, wall_time: float) -> str:
    """Return the version token of one logged sample (changes if the step is logged again)."""
    return hashlib.blake2s(f"{int(step)}:{float(wall_time)!r}".encode(), digest_size=6).hexdigest()


def url(prefix: str, kind: str, run: str, tag: str, step: int, index: int, wall_time: float) -> str:
    """Return the address of one sample's bytes.

    Args:
        prefix: the app's path prefix ("/" or "/name/").
        kind: "images" or "audio".
        run: the run.
        tag: the tag.
        step: the step.
        index: the sample index within the step.
        wall_time: the sample's wall time (for its version token).

    Returns:
        The path with its ?v= query.
    """
    return (
        f"{prefix}{ROUTE}{media.check_kind(kind)}/{encode_name(run)}/{encode_name(tag)}/{int(step)}/{int(index)}"
        f"?v={sample_token(step, wall_time)}"
    )


def install(server: flask.Flask) -> None:
    """Register the blob routes under the app's path prefix (data.install must have run first).

    Args:
        server: the Dash app's Flask server.
    """
    prefix = server.config[data.CONFIG_KEY].settings.path_prefix
    server.add_url_rule(f"{prefix}{ROUTE}<kind>/<run>/<tag>/<step>/<index>", "eventscope_blob", serve, methods=["GET"])
    server.add_url_rule(f"{prefix}{ROUTE}<path:rest>", "eventscope_blob_malformed", malformed, methods=["GET"])
    server.add_url_rule(f"{prefix}{ROUTE}", "eventscope_blob_root", malformed, methods=["GET"])


def serve(kind: str, run: str, tag: str, step: str, index: str) -> werkzeug.Response:
    """Answer one blob request: the bytes with their type and cache headers, or a short 404."""
    try:
        found = lookup(data.current(), kind, run, tag, step, index)
    except BlobNotFound as error:
        return _not_found(str(error))
    response = flask.Response(found.data, mimetype=_safe_type(kind, found.content_type))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.set_etag(hashlib.blake2s(found.data, digest_size=12).hexdigest())
    if flask.request.args.get("v") == sample_token(int(step), found.wall_time):
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
    if not (response.mimetype or "").startswith(_ALLOWED[kind]):
        response.headers["Content-Disposition"] = "attachment"
    return response.make_conditional(flask.request, accept_ranges=True, complete_length=len(found.data))


def lookup(source: data.DataSource, kind: str, run: str, tag: str, step: str, index: str) -> media.Blob:
    """Validate every part of a blob address against the loader and return the blob.

    Args:
        source: the app's data.
        kind: "images" or "audio".
        run: the run's token (see encode_name).
        tag: the tag's token.
        step: the step, as the URL carries it.
        index: the sample index, as the URL carries it.

    Returns:
        The blob.

    Raises:
        BlobNotFound: a part is malformed or names nothing that was logged (the message says which).
    """
    if kind not in _ALLOWED:
        raise BlobNotFound(f"unknown kind; use one of {', '.join(_ALLOWED)}")
    step_number, index_number = _int64(step, "step"), _int64(index, "index")
    run_name, tag_name = decode_name(run, "run"), decode_name(tag, "tag")
    if run_name not in source.runs():
        raise BlobNotFound("unknown run")
    if not media.is_known(source, kind, run_name, tag_name):
        raise BlobNotFound(f"this run has no {kind} tag of that name")
    found = media.blob(source, kind, run_name, tag_name, step_number, index_number)
    if found is None:
        raise BlobNotFound(f"nothing logged at step {step_number}, index {index_number}")
    return found


def _int64(text: str, what: str) -> int:
    """Return a step or index from the URL; steps are int64 in the tables, so larger numbers name nothing.

    Raises:
        BlobNotFound: text is not a decimal integer in the int64 range (19 digits can overflow it).
    """
    if not _INTEGER.fullmatch(text):
        raise BlobNotFound("step and index must be integers")
    number = int(text)
    if not _INT64_MIN <= number <= _INT64_MAX:
        raise BlobNotFound(f"{what} {number} is outside the 64-bit range steps are logged in")
    return number


def malformed(rest: str = "") -> flask.Response:
    """Answer an address under the blob route that does not have the five parts."""
    return _not_found("malformed blob address; expected <kind>/<run>/<tag>/<step>/<index>")


def _not_found(message: str) -> flask.Response:
    response = flask.Response(f"404 not found: {message}\n", status=404, mimetype="text/plain")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.no_store = True
    return response


def _safe_type(kind: str, content_type: str) -> str:
    """Return the stored type when it is a plain image/* or audio/* type for its kind, else octet-stream."""
    kind_prefix = _ALLOWED[kind]
    clean = content_type.split(";", 1)[0].strip().lower()
    if clean.startswith(kind_prefix) and re.fullmatch(r"[a-z]+/[a-z0-9.+-]+", clean) and "svg" not in clean:
        return clean
    return "application/octet-stream"
