"""Tests of dashboard.service: /healthz, /status, 404 for unknown paths, security headers, frame-ancestors."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import dash
import pytest

from dashboard.pages.registry import REGISTRY
from dashboard.settings import Settings


def test_service_healthz_is_ok_text(app: dash.Dash) -> None:
    response = app.server.test_client().get("/healthz")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == "ok\n"


def test_service_healthz_under_path_prefix(make_app: Callable[..., dash.Dash], scalar_logdir: Path) -> None:
    client = make_app(logdir=str(scalar_logdir), path_prefix="/tb").server.test_client()
    assert client.get("/tb/healthz").get_data(as_text=True) == "ok\n"
    assert client.get("/tb/status").json["runs"] == 3
    assert client.get("/healthz").status_code == 404


def test_service_healthz_missing_logdir_is_503_with_reason(make_app: Callable[..., dash.Dash], tmp_path: Path) -> None:
    response = make_app(logdir=str(tmp_path / "absent")).server.test_client().get("/healthz")
    text = response.get_data(as_text=True)
    assert response.status_code == 503 and response.mimetype == "text/plain"
    assert "absent" in text and "does not exist" in text and "<html" not in text


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_service_healthz_unwritable_cache_is_503(make_app: Callable[..., dash.Dash], scalar_logdir: Path,
                                                  tmp_path: Path) -> None:
    app = make_app(logdir=str(scalar_logdir))
    cache = tmp_path / "cache"
    cache.chmod(0o500)
    try:
        response = app.server.test_client().get("/healthz")
    finally:
        cache.chmod(0o700)
    assert response.status_code == 503 and "not writable" in response.get_data(as_text=True)


def test_service_healthz_cache_that_is_a_file_is_503(make_app: Callable[..., dash.Dash], scalar_logdir: Path,
                                                     tmp_path: Path) -> None:
    app = make_app(logdir=str(scalar_logdir))
    shutil.rmtree(tmp_path / "cache")
    (tmp_path / "cache").write_text("not a directory")
    response = app.server.test_client().get("/healthz")
    assert response.status_code == 503 and "is not a directory" in response.get_data(as_text=True)


def test_service_status_reports_runs_files_bytes_problems(make_app: Callable[..., dash.Dash],
                                                          scalar_logdir: Path) -> None:
    (scalar_logdir / "alpha" / "events.out.tfevents.1.broken").write_bytes(b"\x00" * 40)
    report = make_app(logdir=str(scalar_logdir)).server.test_client().get("/status").json
    assert report["state"] == "ok" and report["runs"] == 3 and report["files"] == 4
    sizes = sum(path.stat().st_size for path in scalar_logdir.rglob("*tfevents*"))
    assert report["bytes_on_disk"] == sizes and 0 < report["bytes_ingested"] <= sizes
    assert report["last_refresh"].endswith("+00:00")
    assert report["problems"] >= 1 and report["first_problems"][0]["path"].endswith("broken")
    assert set(report["first_problems"][0]) == {"path", "offset", "kind", "message"}


def test_service_status_of_a_missing_logdir(make_app: Callable[..., dash.Dash], tmp_path: Path) -> None:
    report = make_app(logdir=str(tmp_path / "absent")).server.test_client().get("/status").json
    assert report["state"] == "missing" and report["runs"] == 0 and report["files"] == 0


@pytest.mark.parametrize("path", ["/", *(page.path for page in REGISTRY), "/scalars/", "/runs?x=1"])
def test_service_page_paths_answer_200(app: dash.Dash, path: str) -> None:
    assert app.server.test_client().get(path).status_code == 200


@pytest.mark.parametrize("path", ["/nope", "/scalarz", "/scalars/extra", "/404", "/wp-admin/login.php", "/Scalars"])
def test_service_unknown_paths_answer_404_with_the_app_page(app: dash.Dash, path: str) -> None:
    response = app.server.test_client().get(path)
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "_dash-config" in response.get_data(as_text=True)  # the shell draws its "Page not found" page


def test_service_dash_routes_still_answer(app: dash.Dash) -> None:
    client = app.server.test_client()
    for path in ("/_dash-layout", "/_dash-dependencies", "/_reload-hash", "/assets/eventscope.css", "/_favicon.ico"):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("path", ["/scalars", "/nope", "/healthz", "/status", "/_dash-layout", "/assets/logo.svg"])
def test_service_security_headers_on_every_response(app: dash.Dash, path: str) -> None:
    headers = app.server.test_client().get(path).headers
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "SAMEORIGIN"
    policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert policy["frame-ancestors"] == "'self'" and policy["object-src"] == "'none'"
    assert "'unsafe-inline'" not in policy["script-src"] and "'sha256-" in policy["script-src"]


def test_service_csp_lists_the_renderer_script_hash(app: dash.Dash) -> None:
    policy = app.server.test_client().get("/scalars").headers["Content-Security-Policy"]
    assert all(digest in policy for digest in app.csp_hashes())


@pytest.mark.parametrize(("ancestors", "frame_options"), [("'none'", "DENY"), ("'self' https://nb.example.org", None)])
def test_service_frame_ancestors_setting(make_app: Callable[..., dash.Dash], scalar_logdir: Path, ancestors: str,
                                         frame_options: str | None) -> None:
    headers = make_app(logdir=str(scalar_logdir), frame_ancestors=ancestors).server.test_client().get("/").headers
    assert headers["Content-Security-Policy"].endswith(f"; frame-ancestors {ancestors}")
    assert headers.get("X-Frame-Options") == frame_options


def test_service_frame_ancestors_from_env() -> None:
    env = {"EVENTSCOPE_FRAME_ANCESTORS": "  'self'   https://nb.example.org:8888 "}
    assert Settings.from_env(env).frame_ancestors == "'self' https://nb.example.org:8888"
    assert Settings.from_env({}).frame_ancestors == "'self'"


@pytest.mark.parametrize("bad", ["", "'none' 'self'", "a;b", "x,y", "'unsafe-inline'", "https://a/b"])
def test_service_frame_ancestors_rejects_bad_sources(bad: str) -> None:
    with pytest.raises(ValueError, match="EVENTSCOPE_FRAME_ANCESTORS"):
        Settings(frame_ancestors=bad)
