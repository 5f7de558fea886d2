"""`import loaders` stays light: no dash or plotly, and the public names are all there."""

from __future__ import annotations

import subprocess
import sys

import loaders


def test_imports_loaders_does_not_import_dash_or_plotly():
    code = ("import sys, loaders\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('dash', 'plotly', 'flask', 'torch'))\n"
            "print(heavy)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_imports_every_public_name_resolves():
    expected = {"Logdir", "read_scalars", "read_histograms", "read_images", "read_audio", "read_text",
                "read_tensors", "read_pr_curves", "Graph", "LoaderError", "LogdirNotFound", "CorruptRecord",
                "CacheError", "Problem", "SCHEMA_VERSION"}
    assert set(loaders.__all__) == expected
    for name in loaders.__all__:
        assert getattr(loaders, name) is not None, name
    assert loaders.Graph.__name__ == "Graph"
    assert issubclass(loaders.LogdirNotFound, loaders.LoaderError)
