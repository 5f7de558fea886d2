"""Settings: the frozen set of options the dashboard runs with (from the CLI or the environment)."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

# Plugins whose --samples-per-plugin value we accept (TensorBoard's names plus ours).
PLUGINS = ("scalars", "histograms", "distributions", "images", "audio", "text", "pr_curves", "tensors", "hparams")
_PREFIX_OK = re.compile(r"^[A-Za-z0-9._~\-/]*$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_FRAME_KEYWORDS = {"'self'", "'none'", "*"}
_FRAME_SOURCE = re.compile(
    r"^(?:[a-z][a-z0-9+.\-]*:|(?:[a-z][a-z0-9+.\-]*://)?(?:\*\.)?[A-Za-z0-9.\-]+(?::(?:\d{1,5}|\*))?)$"
)


@dataclass(frozen=True)
class Settings:
    """Everything the app factory needs; never changes after start-up (STYLE rule 8).

    Attributes:
        logdir: the directory of runs to serve; None serves the bundled demo logdir.
        host: the interface to bind (localhost unless told otherwise).
        port: the TCP port.
        reload_interval: seconds between loader refreshes (TensorBoard's default, 5); 0 loads once.
        path_prefix: URL prefix when served behind a reverse proxy, normalized to "/x/" form.
        cache_dir: the on-disk cache; None uses the loaders' default.
        samples_per_plugin: plugin -> most points drawn per line (0 = draw every point).
        demo: True when serving the demo logdir (shows a "demo data" banner).
        debug: Dash's developer tools in the page (never Werkzeug's interactive debugger); the
            command line allows it on a loopback host only (see is_loopback).
        frame_ancestors: who may show the app in a frame: the CSP frame-ancestors sources, space
            separated ("'self'" by default; "'none'" forbids framing; e.g. "'self' https://nb.example.org").
    """

    logdir: str | None = None
    host: str = "127.0.0.1"
    port: int = 6006
    reload_interval: float = 5.0
    path_prefix: str = "/"
    cache_dir: str | None = None
    samples_per_plugin: Mapping[str, int] = field(default_factory=dict)
    demo: bool = False
    debug: bool = False
    frame_ancestors: str = "'self'"

    def __post_init__(self) -> None:
        if self.reload_interval < 0:
            raise ValueError(f"reload_interval must be >= 0 seconds (0 loads once), got {self.reload_interval}")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be between 0 and 65535, got {self.port}")
        object.__setattr__(self, "path_prefix", normalize_path_prefix(self.path_prefix))
        object.__setattr__(self, "samples_per_plugin", dict(self.samples_per_plugin))
        object.__setattr__(self, "frame_ancestors", normalize_frame_ancestors(self.frame_ancestors))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from EVENTSCOPE_* environment variables (for `gunicorn dashboard.wsgi:server`).

        Reads EVENTSCOPE_LOGDIR, EVENTSCOPE_HOST, EVENTSCOPE_PORT, EVENTSCOPE_RELOAD_INTERVAL,
        EVENTSCOPE_PATH_PREFIX, EVENTSCOPE_CACHE_DIR (or EVENTSCOPE_CACHE), EVENTSCOPE_SAMPLES_PER_PLUGIN,
        EVENTSCOPE_DEBUG and EVENTSCOPE_FRAME_ANCESTORS. No EVENTSCOPE_LOGDIR serves the demo logdir.

        Args:
            environ: the environment to read (os.environ by default).

        Returns:
            The settings.

        Raises:
            ValueError: a variable holds a value that cannot be used; the message names it.
        """
        env = os.environ if environ is None else environ
        logdir = env.get("EVENTSCOPE_LOGDIR") or None
        return cls(
            logdir=logdir,
            host=env.get("EVENTSCOPE_HOST", "127.0.0.1"),
            port=int(_env_number(env, "EVENTSCOPE_PORT", 6006, int)),
            reload_interval=_env_number(env, "EVENTSCOPE_RELOAD_INTERVAL", 5.0, float),
            path_prefix=env.get("EVENTSCOPE_PATH_PREFIX", "/"),
            cache_dir=env.get("EVENTSCOPE_CACHE_DIR") or env.get("EVENTSCOPE_CACHE") or None,
            samples_per_plugin=parse_samples_per_plugin(env.get("EVENTSCOPE_SAMPLES_PER_PLUGIN", "")),
            demo=logdir is None,
            debug=_env_bool(env, "EVENTSCOPE_DEBUG"),
            frame_ancestors=env.get("EVENTSCOPE_FRAME_ANCESTORS", "").strip() or "'self'",
        )

    def resolved_cache_dir(self) -> Path:
        """Return the cache directory in use: cache_dir, else $EVENTSCOPE_CACHE, else ~/.cache/eventscope."""
        if self.cache_dir:
            return Path(self.cache_dir).expanduser()
        env = os.environ.get("EVENTSCOPE_CACHE")
        return Path(env).expanduser() if env else Path.home() / ".cache" / "eventscope"

    def max_points(self, plugin: str, default: int) -> int:
        """Return the most points per line to draw for a plugin (0 = all of them).

        Args:
            plugin: the plugin name, e.g. "scalars".
            default: the value when --samples-per-plugin does not name the plugin.

        Returns:
            The cap on points per line.
        """
        return int(self.samples_per_plugin.get(plugin, default))


def normalize_path_prefix(value: str | None) -> str:
    """Return a URL path prefix in Dash's "/name/" form ("" and "/" both mean the root).

    Args:
        value: e.g. "tb", "/tb", "/tb/", "/a/b".

    Returns:
        "/" or "/tb/" style prefix.

    Raises:
        ValueError: the prefix holds characters that are not allowed in a URL path.
    """
    text = (value or "").strip()
    if not _PREFIX_OK.match(text) or ".." in text.split("/"):
        raise ValueError(f"--path-prefix {value!r}: use letters, digits and . _ ~ - / only, e.g. /tensorboard")
    parts = [part for part in text.split("/") if part]
    return "/" + "".join(f"{part}/" for part in parts)


def normalize_frame_ancestors(value: str) -> str:
    """Return a CSP frame-ancestors source list, checked and with single spaces.

    Args:
        value: space-separated sources: 'self', 'none', a scheme ("https:") or a host source
            ("https://nb.example.org", "*.example.org:8888").

    Returns:
        The sources joined by single spaces.

    Raises:
        ValueError: the list is empty, mixes 'none' with other sources, or holds a character that
            would end the header or the directive (; , quotes outside 'self'/'none', control characters).
    """
    sources = value.split()
    bad = [source for source in sources if source not in _FRAME_KEYWORDS and not _FRAME_SOURCE.fullmatch(source)]
    if not sources or bad or ("'none'" in sources and len(sources) > 1):
        raise ValueError(
            f"EVENTSCOPE_FRAME_ANCESTORS {value!r}: use 'self', 'none' or space-separated sources such as "
            f"https://notebooks.example.org" + (f" (not {bad[0]!r})" if bad else "")
        )
    return " ".join(sources)


def is_loopback(host: str) -> bool:
    """Return whether host only reaches this machine: localhost, 127.0.0.0/8 or ::1 (also "[::1]").

    Args:
        host: the interface to bind, as given to --host.

    Returns:
        True for a loopback name or address; False for anything else, including 0.0.0.0 and "".
    """
    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def parse_samples_per_plugin(text: str) -> dict[str, int]:
    """Parse TensorBoard's --samples_per_plugin value, e.g. "scalars=500,images=0".

    Args:
        text: comma-separated plugin=count pairs; empty gives {}.

    Returns:
        plugin -> count (0 means keep/draw every point).

    Raises:
        ValueError: a pair is malformed, names an unknown plugin, or the count is not an int >= 0.
    """
    result: dict[str, int] = {}
    for pair in filter(None, (item.strip() for item in text.split(","))):
        name, sep, count = pair.partition("=")
        name = name.strip()
        if not sep or name not in PLUGINS:
            raise ValueError(
                f"--samples-per-plugin {pair!r}: expected plugin=count with plugin one of {', '.join(PLUGINS)}"
            )
        try:
            result[name] = int(count)
        except ValueError:
            raise ValueError(f"--samples-per-plugin {pair!r}: count must be an integer >= 0") from None
        if result[name] < 0:
            raise ValueError(f"--samples-per-plugin {pair!r}: count must be an integer >= 0")
    return result


def _env_number(env: Mapping[str, str], name: str, default: float, kind: type) -> int | float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return kind(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a valid {kind.__name__}") from None


def _env_bool(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ValueError(f"{name}={raw!r}: use 1/0, true/false, yes/no or on/off")
