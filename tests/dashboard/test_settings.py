"""Tests of dashboard.settings: validation, path prefixes, --samples-per-plugin, environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.settings import Settings, is_loopback, normalize_path_prefix, parse_samples_per_plugin


@pytest.mark.parametrize(
    ("given", "expected"),
    [("", "/"), ("/", "/"), ("tb", "/tb/"), ("/tb", "/tb/"), ("/tb/", "/tb/"), ("a//b/", "/a/b/"), (None, "/")],
)
def test_normalize_path_prefix_gives_dash_form(given: str | None, expected: str) -> None:
    assert normalize_path_prefix(given) == expected


@pytest.mark.parametrize("bad", ["/a b", "/x?y", "/../etc", "/a#b"])
def test_normalize_path_prefix_rejects_unsafe_prefixes(bad: str) -> None:
    with pytest.raises(ValueError, match="--path-prefix"):
        normalize_path_prefix(bad)


def test_parse_samples_per_plugin_reads_pairs() -> None:
    assert parse_samples_per_plugin("scalars=500, images=0,") == {"scalars": 500, "images": 0}
    assert parse_samples_per_plugin("") == {}


@pytest.mark.parametrize(("bad", "message"), [("scalars", "plugin=count"), ("bogus=3", "plugin one of"),
                                              ("scalars=x", "integer"), ("scalars=-1", "integer")])
def test_parse_samples_per_plugin_names_the_bad_pair(bad: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        parse_samples_per_plugin(bad)
    assert repr(bad) in str(info.value)


def test_settings_normalize_and_validate() -> None:
    settings = Settings(logdir="runs", path_prefix="tb", samples_per_plugin={"scalars": 10})
    assert settings.path_prefix == "/tb/"
    assert settings.max_points("scalars", 2000) == 10 and settings.max_points("images", 7) == 7
    with pytest.raises(ValueError, match="reload_interval must be >= 0"):
        Settings(reload_interval=-1)
    with pytest.raises(ValueError, match="port must be between 0 and 65535"):
        Settings(port=70000)


def test_settings_are_frozen() -> None:
    with pytest.raises(AttributeError):
        Settings().port = 1  # type: ignore[misc]


def test_settings_from_env_reads_every_variable() -> None:
    env = {"EVENTSCOPE_LOGDIR": "/data/runs", "EVENTSCOPE_HOST": "0.0.0.0", "EVENTSCOPE_PORT": "7000",
           "EVENTSCOPE_RELOAD_INTERVAL": "2.5", "EVENTSCOPE_PATH_PREFIX": "/tb", "EVENTSCOPE_CACHE_DIR": "/c",
           "EVENTSCOPE_SAMPLES_PER_PLUGIN": "scalars=100", "EVENTSCOPE_DEBUG": "yes"}
    settings = Settings.from_env(env)
    assert settings == Settings(logdir="/data/runs", host="0.0.0.0", port=7000, reload_interval=2.5, path_prefix="/tb/",
                                cache_dir="/c", samples_per_plugin={"scalars": 100}, demo=False, debug=True)


def test_settings_default_reload_interval_is_tensorboards_five_seconds() -> None:
    assert Settings().reload_interval == 5.0
    assert Settings.from_env({}).reload_interval == 5.0


def test_settings_from_env_without_logdir_serves_demo() -> None:
    settings = Settings.from_env({"EVENTSCOPE_CACHE": "/elsewhere"})
    assert settings.demo and settings.logdir is None and settings.cache_dir == "/elsewhere"
    assert settings.port == 6006 and settings.reload_interval == 5.0 and settings.host == "127.0.0.1"


@pytest.mark.parametrize(("name", "value"), [("EVENTSCOPE_PORT", "http"), ("EVENTSCOPE_RELOAD_INTERVAL", "soon"),
                                             ("EVENTSCOPE_DEBUG", "maybe")])
def test_settings_from_env_names_the_bad_variable(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        Settings.from_env({name: value})


def test_resolved_cache_dir_prefers_argument_then_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EVENTSCOPE_CACHE", str(tmp_path / "env"))
    assert Settings(cache_dir=str(tmp_path / "arg")).resolved_cache_dir() == tmp_path / "arg"
    assert Settings().resolved_cache_dir() == tmp_path / "env"
    monkeypatch.delenv("EVENTSCOPE_CACHE")
    assert Settings().resolved_cache_dir() == Path.home() / ".cache" / "eventscope"


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.8.9.10", True), ("localhost", True), ("LocalHost", True), ("::1", True),
    ("[::1]", True), ("app.localhost", True),
    ("0.0.0.0", False), ("::", False), ("", False), ("192.168.1.5", False), ("example.com", False),
    ("localhost.example.com", False), ("::ffff:8.8.8.8", False),
])
def test_is_loopback_accepts_only_addresses_this_machine_alone_reaches(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
