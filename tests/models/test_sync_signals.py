"""``wfc models sync`` stopped by SIGINT or SIGTERM while downloading from 127.0.0.1.

The command runs as a subprocess, so the signal reaches a real process with its own handlers.
It must exit within 3 s with 128 + the signal number and keep each unfinished file as a
``.part`` containing a prefix of the file. Nothing may be left under a final name, and a rerun
must resume with Range requests and finish with verified files.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .http_server import FaultyServer

ROOT = Path(__file__).resolve().parent.parent.parent
FIRST_SIZE = 2_000_000
SECOND_SIZE = 1_500_000
RATE = 256 * 1024  # bytes per second per throttled download
STOP_LIMIT_SECONDS = 3.0


@pytest.fixture
def server():
    running = FaultyServer().start()
    yield running
    running.close()


def body(seed: str, size: int) -> bytes:
    block = hashlib.sha256(seed.encode()).digest()
    return (block * (size // len(block) + 1))[:size]


def write_settings(tmp_path: Path, entries: list[tuple[str, str, bytes]]) -> Path:
    """Write a wfc.toml, its extra_model_paths.yaml and a locked manifest; return the wfc.toml."""
    (tmp_path / "paths.yaml").write_text("s:\n  base_path: /runpod-volume\n  vae: vae\n")
    manifest = []
    for name, url, data in entries:
        manifest.append(f'[[models]]\nfolder = "vae"\nname = "{name}"\nurl = "{url}"\n'
                        f"size = {len(data)}\nsha256 = \"{hashlib.sha256(data).hexdigest()}\"\n")
    (tmp_path / "models.toml").write_text("\n".join(manifest))
    config = tmp_path / "wfc.toml"
    config.write_text('model_paths = "paths.yaml"\nmodels_manifest = "models.toml"\nprofile = "s"\n')
    return config


def sync_command(config: Path, volume: Path) -> list[str]:
    return [sys.executable, "-m", "wfc", "models", "sync", "--config", str(config), "--root", str(volume)]


def start_sync(config: Path, volume: Path) -> subprocess.Popen:
    return subprocess.Popen(sync_command(config, volume), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_for_bytes(process: subprocess.Popen, parts: list[Path], timeout: float = 10.0) -> None:
    """Wait until the first .part has bytes and the others exist; fail when the command ends first.

    A stalled download's .part can stay empty: the client reads 64 KiB chunks, and the stalled
    server sends only 1 KiB.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"sync ended before the signal: {process.communicate()}")
        if parts[0].is_file() and parts[0].stat().st_size > 0 and all(part.is_file() for part in parts):
            return
        time.sleep(0.02)
    process.kill()
    pytest.fail(f"no bytes arrived in {timeout} s: {[part.stat().st_size for part in parts if part.exists()]}")


@pytest.mark.parametrize(("signal_number", "second_fault"), [
    (signal.SIGINT, ("throttle", RATE)),
    (signal.SIGTERM, ("throttle", RATE)),
    (signal.SIGINT, ("stall", 30.0)),
], ids=["sigint", "sigterm", "sigint-stalled-read"])
def test_signal_stops_sync(server, tmp_path, signal_number, second_fault):
    first = body("first", FIRST_SIZE)
    second = body("second", SECOND_SIZE)
    config = write_settings(tmp_path, [
        ("first.safetensors", server.add("/first", first, ("throttle", RATE)), first),
        ("second.safetensors", server.add("/second", second, second_fault), second),
    ])
    volume = tmp_path / "volume"
    finals = [volume / "vae" / "first.safetensors", volume / "vae" / "second.safetensors"]
    parts = [final.with_name(final.name + ".part") for final in finals]

    process = start_sync(config, volume)
    wait_for_bytes(process, parts)
    sent = time.monotonic()
    os.kill(process.pid, signal_number)
    try:
        stdout, stderr = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("sync did not exit within 10 s of the signal")
    latency = time.monotonic() - sent

    assert latency < STOP_LIMIT_SECONDS, f"{latency:.2f} s; stderr: {stderr}"
    assert process.returncode == 128 + signal_number, stderr
    assert "Traceback" not in stderr
    assert f"stopped by {signal.Signals(signal_number).name}: 2 files left partial" in stderr
    assert "run the same 'wfc models sync' command again" in stderr
    for final in finals:
        assert not final.exists(), f"{final} exists after the signal"
    stalled = second_fault[0] == "stall"
    for part, data in zip(parts, [first, second]):
        kept = part.read_bytes()
        assert len(kept) < len(data), f"{part} holds {len(kept)} bytes"
        if not (stalled and part == parts[1]):
            assert len(kept) > 0, f"{part} is empty"
        assert kept == data[:len(kept)], f"{part} is not a prefix of its file"
        assert f"partial {part} ({len(kept)} of {len(data)} bytes)" in stderr

    kept_sizes = {f"/{final.stem}": part.stat().st_size for final, part in zip(finals, parts)}
    requests_before = len(server.requests)
    rerun = subprocess.run(sync_command(config, volume), cwd=ROOT, capture_output=True, text=True, timeout=30)

    assert rerun.returncode == 0, rerun.stderr
    assert "2 downloaded, 0 already present, 0 failed" in rerun.stdout
    resumed = dict(server.requests[requests_before:])
    for path, size in kept_sizes.items():
        assert resumed[path] == (f"bytes={size}-" if size else None)
    for final, data in zip(finals, [first, second]):
        assert hashlib.sha256(final.read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()
    assert not any(part.exists() for part in parts)

    third = subprocess.run(sync_command(config, volume), cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert third.returncode == 0, third.stderr
    assert "0 downloaded, 2 already present, 0 failed" in third.stdout
    assert len(server.requests) == requests_before + 2
