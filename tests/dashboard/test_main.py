"""Tests of `python -m dashboard`: flags (TensorBoard's names), messages for missing/empty logdirs, demo."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import dash
import pytest

import dashboard.__main__ as cli
from dashboard import data
from dashboard.data import DataSource
from dashboard.settings import Settings


def test_parser_defaults_match_tensorboard() -> None:
    args = cli.build_parser().parse_args([])
    settings = cli.settings_from_args(args)
    assert settings == Settings(logdir=None, host="127.0.0.1", port=6006, reload_interval=5.0, path_prefix="/",
                                cache_dir=None, samples_per_plugin={}, demo=True, debug=False)


def test_parser_help_states_the_five_second_reload_default() -> None:
    help_text = " ".join(cli.build_parser().format_help().split())
    assert "seconds between reads of new data (default 5," in help_text


def test_parser_accepts_dashed_and_underscored_flags() -> None:
    dashed = cli.build_parser().parse_args(["--logdir", "runs", "--reload-interval", "5", "--path-prefix", "/tb",
                                            "--cache-dir", "/c", "--samples-per-plugin", "scalars=10", "--port", "0"])
    underscored = cli.build_parser().parse_args(["--logdir", "runs", "--reload_interval", "5", "--path_prefix", "/tb",
                                                 "--cache_dir", "/c", "--samples_per_plugin", "scalars=10",
                                                 "--port", "0"])
    assert vars(dashed) == vars(underscored)
    settings = cli.settings_from_args(dashed)
    assert (settings.logdir, settings.reload_interval, settings.path_prefix, settings.port) == ("runs", 5.0, "/tb/", 0)
    assert settings.samples_per_plugin == {"scalars": 10} and not settings.demo


@pytest.mark.parametrize(("argv", "message"), [
    (["--samples-per-plugin", "scalars=lots"], "--samples-per-plugin 'scalars=lots'"),
    (["--reload-interval", "-3"], "reload_interval must be >= 0"),
    (["--path-prefix", "/a b"], "--path-prefix"),
    (["--port", "http"], "invalid int value"),
])
def test_main_rejects_bad_flags_with_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def _run_main(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> dict[str, Any]:
    served: dict[str, Any] = {}

    def fake_serve(app: Any, settings: Settings) -> int:
        served.update(app=app, settings=settings)
        return 0

    monkeypatch.setattr(cli, "serve", fake_serve)
    assert cli.main(argv) == 0
    return served


def test_main_reports_runs_of_a_real_logdir(monkeypatch: pytest.MonkeyPatch, scalar_logdir: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    warmed: list[str] = []
    monkeypatch.setattr(DataSource, "warm_scalars", lambda source: warmed.append(source.logdir))
    served = _run_main(monkeypatch, ["--logdir", str(scalar_logdir), "--cache-dir", str(tmp_path / "c")])
    assert f"eventscope: 3 runs in {scalar_logdir}" in capsys.readouterr().err
    assert served["settings"].logdir == str(scalar_logdir)
    assert warmed == [str(scalar_logdir)]  # the series index is built while the browser loads the page


def test_main_explains_a_missing_logdir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere"
    _run_main(monkeypatch, ["--logdir", str(missing), "--cache-dir", str(tmp_path / "c")])
    err = capsys.readouterr().err
    assert f"logdir '{missing}' does not exist" in err and "picks the logdir up once it exists" in err


def test_main_explains_an_empty_logdir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    _run_main(monkeypatch, ["--logdir", str(tmp_path / "empty"), "--cache-dir", str(tmp_path / "c")])
    assert f"No event files under {tmp_path / 'empty'}" in capsys.readouterr().err


def test_main_without_logdir_serves_demo_from_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    served = _run_main(monkeypatch, ["--cache-dir", str(tmp_path / "c")])
    err = capsys.readouterr().err
    assert f"serving demo data from {tmp_path / 'c' / 'demo'}" in err
    assert served["settings"].demo
    assert any(path.name.startswith("events.out.tfevents") for path in (tmp_path / "c" / "demo").rglob("*"))


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.5", "example.com"])
def test_main_refuses_debug_on_a_host_other_machines_reach(host: str, monkeypatch: pytest.MonkeyPatch,
                                                            tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli, "serve", lambda app, settings: 0)
    with pytest.raises(SystemExit) as info:
        cli.main(["--debug", "--host", host, "--cache-dir", str(tmp_path / "c")])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "--debug" in err and f"not {host!r}" in err and "loopback --host" in err


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_main_allows_debug_on_loopback(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, host: str) -> None:
    served = _run_main(monkeypatch, ["--debug", "--host", host, "--cache-dir", str(tmp_path / "c")])
    assert served["settings"].debug and served["settings"].host == host


def test_serve_debug_shows_dev_tools_but_never_the_werkzeug_debugger(monkeypatch: pytest.MonkeyPatch,
                                                                     make_app: Callable[..., dash.Dash],
                                                                     scalar_logdir: Path) -> None:
    import werkzeug.serving
    from werkzeug.debug import DebuggedApplication

    served: dict[str, Any] = {}

    class Server:
        server_port = 6006

        def serve_forever(self) -> None:
            served["served"] = True

        def server_close(self) -> None:
            pass

    def make_server(host: str, port: int, app: Any, **options: Any) -> Server:
        served.update(app=app, **options)
        return Server()

    def run_simple(hostname: str, port: int, application: Any, **options: Any) -> None:  # Flask's app.run path
        served.update(app=application, **options)

    monkeypatch.setattr(werkzeug.serving, "make_server", make_server)
    monkeypatch.setattr(werkzeug.serving, "run_simple", run_simple)
    app = make_app(logdir=str(scalar_logdir), debug=True)

    @app.server.route("/boom")
    def boom() -> str:
        raise RuntimeError("boom in a view")

    assert cli.serve(app, app.server.config[data.CONFIG_KEY].settings) == 0
    assert not isinstance(served["app"], DebuggedApplication) and not served.get("use_debugger")
    assert not app.server.debug and app._dev_tools.ui  # Dash's developer tools are on
    response = app.server.test_client().get("/boom")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "__debugger__" not in page and "EVALEX" not in page and "boom in a view" not in page
    assert '"ui":true' in app.server.test_client().get("/").get_data(as_text=True)
