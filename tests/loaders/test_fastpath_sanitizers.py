"""The C kernel under AddressSanitizer and UBSan (tools/asan_fuzz.py) scans the whole fuzz corpus cleanly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "asan_fuzz.py"
SOURCE = ROOT / "loaders" / "_fastscan.c"
# The framing check that keeps the payload checksum inside the buffer; 12 instead of 16 reads 4 bytes past it.
FRAMING_CHECK = "if ((uint64_t)(end - p) < 16 + len) { status = STATUS_TRUNCATED; break; }"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    """Run tools/asan_fuzz.py; skip the test when the sanitizers cannot run on this machine (exit 77)."""
    result = subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, cwd=ROOT,
                            timeout=600)
    if result.returncode == 77:
        pytest.skip(result.stderr.strip())
    return result


def test_fastpath_sanitizers_fuzz_corpus_is_clean() -> None:
    result = _run()
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["sanitized"], summary  # libasan and libubsan were loaded in the scanning process
    assert not Path(summary["module"]).is_relative_to(ROOT)  # the sanitized build, never the source tree's
    assert summary["records"] >= 2000 and summary["scans"] > summary["records"], summary


def test_fastpath_sanitizers_report_an_injected_out_of_bounds_read(tmp_path: Path) -> None:
    # The negative control: the same run over a copy of the kernel with a 4-byte over-read must fail.
    source = SOURCE.read_text()
    assert FRAMING_CHECK in source, "the framing check moved: update FRAMING_CHECK to inject the over-read"
    broken = tmp_path / "_fastscan.c"
    broken.write_text(source.replace(FRAMING_CHECK, FRAMING_CHECK.replace("16 + len", "12 + len")))
    result = _run("--source", str(broken))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "AddressSanitizer: heap-buffer-overflow" in result.stderr, result.stderr[-4000:]
