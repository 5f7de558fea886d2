"""Tests of tools/ensure_chromium.sh's decision, with fake id/sudo/apt-get on PATH (nothing is installed)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "ensure_chromium.sh"


def fake_bin(tmp_path: Path, *, uid: int, sudo_ok: bool, creates: Path | None) -> Path:
    """Write fake id, sudo and apt-get that log their calls to tmp_path/calls; apt-get install creates `creates`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    scripts = {
        "id": f'echo "id $*" >> {calls}; echo {uid}',
        "sudo": f'echo "sudo $*" >> {calls}; [ "$*" = "-n true" ] && exit {0 if sudo_ok else 1}; "${{@:2}}"',
        "apt-get": f'echo "apt-get $*" >> {calls}'
        + (f'; [ "$1" = install ] && touch {creates} && chmod +x {creates}' if creates else "")
        + "; exit 0",
    }
    for name, body in scripts.items():
        (bin_dir / name).write_text(f"#!/bin/bash\n{body}\n")
        (bin_dir / name).chmod(0o755)
    return bin_dir


def run(tmp_path: Path, bin_dir: Path | None, chromium: Path) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run the script with CHROMIUM=chromium and bin_dir first on PATH; return the result and the logged calls."""
    path = f"{bin_dir}:/usr/bin:/bin" if bin_dir else "/nonexistent-bin"
    env = {**os.environ, "CHROMIUM": str(chromium), "PATH": path}
    result = subprocess.run(["/bin/bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=30)
    calls = tmp_path / "calls"
    return result, calls.read_text().splitlines() if calls.exists() else []


def test_ensure_chromium_present_does_nothing(tmp_path: Path) -> None:
    chromium = tmp_path / "chromium"
    chromium.write_text("")
    chromium.chmod(0o755)
    result, calls = run(tmp_path, fake_bin(tmp_path, uid=0, sudo_ok=True, creates=None), chromium)
    assert result.returncode == 0 and calls == [] and result.stderr == ""


def test_ensure_chromium_root_installs_with_apt_get(tmp_path: Path) -> None:
    chromium = tmp_path / "chromium"
    result, calls = run(tmp_path, fake_bin(tmp_path, uid=0, sudo_ok=False, creates=chromium), chromium)
    assert result.returncode == 0, result.stderr
    assert [call for call in calls if call.startswith("apt-get")] == [
        "apt-get update -qq",
        "apt-get install -y -qq chromium",
    ]
    assert not any(call.startswith("sudo") for call in calls)


def test_ensure_chromium_passwordless_sudo_installs(tmp_path: Path) -> None:
    chromium = tmp_path / "chromium"
    result, calls = run(tmp_path, fake_bin(tmp_path, uid=1000, sudo_ok=True, creates=chromium), chromium)
    assert result.returncode == 0, result.stderr
    assert "sudo -n apt-get install -y -qq chromium" in calls and "apt-get install -y -qq chromium" in calls


def test_ensure_chromium_unprivileged_prints_the_command_and_fails(tmp_path: Path) -> None:
    chromium = tmp_path / "chromium"
    result, calls = run(tmp_path, fake_bin(tmp_path, uid=1000, sudo_ok=False, creates=chromium), chromium)
    assert result.returncode == 1 and not chromium.exists()
    assert not any(call.startswith("apt-get") for call in calls)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(chromium) in lines[0] and "sudo apt-get install -y chromium" in lines[0]


def test_ensure_chromium_install_that_leaves_it_missing_fails(tmp_path: Path) -> None:
    chromium = tmp_path / "chromium"
    result, _ = run(tmp_path, fake_bin(tmp_path, uid=0, sudo_ok=False, creates=None), chromium)
    assert result.returncode == 1 and "still missing" in result.stderr


def test_ensure_chromium_is_a_prerequisite_of_make_test() -> None:
    makefile = (SCRIPT.parents[1] / "Makefile").read_text()
    assert "test: browser" in makefile and "browser:\n\ttools/ensure_chromium.sh" in makefile
    assert "tools/ensure_chromium.sh" in (SCRIPT.parents[1] / ".ci" / "run").read_text()
