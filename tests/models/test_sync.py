"""``wfc models sync`` downloads against a faulty HTTP server on 127.0.0.1.

Every case ends with verified files under their final names, or with a clear error and nothing
under the final name.
"""

from __future__ import annotations

import hashlib
import os

import pytest

from wfc.models.manifest import Manifest, ModelFile
from wfc.models.paths import parse_model_paths
from wfc.models.sync import Downloader, plan_sync, sync_files

from .http_server import FaultyServer

YAML = """runpod_workspace:
  base_path: /runpod-volume
  diffusion_models: checkpoints
  checkpoints: checkpoints
  clip: checkpoints/clip
  text_encoders: checkpoints
  vae: vae
  loras: loras
"""


@pytest.fixture
def server():
    running = FaultyServer().start()
    yield running
    running.close()


@pytest.fixture
def section():
    return parse_model_paths(YAML).section("runpod_workspace")


def body(seed: str, size: int = 300_000) -> bytes:
    block = hashlib.sha256(seed.encode()).digest()
    return (block * (size // len(block) + 1))[:size]


def entry(folder, name, url, data, locked=True):
    if not locked:
        return ModelFile(folder, name, url)
    return ModelFile(folder, name, url, len(data), hashlib.sha256(data).hexdigest())


def run_sync(items, **options):
    downloader = Downloader(retries=options.pop("retries", 3), backoff=0.01, read_timeout=options.pop("read_timeout", 5.0),
                            sleep=lambda seconds: None)
    return sync_files(items, downloader, workers=options.pop("workers", 4), **options)


def leftovers(root):
    return sorted(str(path.relative_to(root)) for path in root.rglob("*.part"))


def test_four_files_in_layout(server, section, tmp_path):
    files = {
        ("diffusion_models", "dit.safetensors"): body("dit"),
        ("text_encoders", "te.safetensors"): body("te"),
        ("vae", "vae.safetensors"): body("vae"),
        ("loras", "lora.safetensors"): body("lora"),
    }
    manifest = Manifest(None, [entry(folder, name, server.add(f"/{name}", data), data)
                               for (folder, name), data in files.items()])
    items = plan_sync(manifest, section, "/runpod-volume", tmp_path)
    results = run_sync(items)

    assert [result.status for result in results] == ["downloaded"] * 4
    assert (tmp_path / "checkpoints" / "dit.safetensors").read_bytes() == files[("diffusion_models", "dit.safetensors")]
    assert (tmp_path / "checkpoints" / "clip" / "te.safetensors").read_bytes() == files[("text_encoders", "te.safetensors")]
    assert (tmp_path / "vae" / "vae.safetensors").is_file()
    assert (tmp_path / "loras" / "lora.safetensors").is_file()
    assert leftovers(tmp_path) == []


def test_second_run_downloads_nothing(server, section, tmp_path):
    data = body("once")
    manifest = Manifest(None, [entry("vae", "v.safetensors", server.add("/v", data), data)])
    items = plan_sync(manifest, section, "/runpod-volume", tmp_path)
    assert run_sync(items)[0].status == "downloaded"
    count = len(server.requests)

    again = run_sync(items, verify_existing=True)
    assert again[0].status == "present"
    assert len(server.requests) == count


def test_dropped_connection_resumes(server, section, tmp_path):
    data = body("drop")
    url = server.add("/drop", data, ("drop", 100_000))
    manifest = Manifest(None, [entry("loras", "l.safetensors", url, data)])
    (result,) = run_sync(plan_sync(manifest, section, "/runpod-volume", tmp_path))

    assert result.status == "downloaded"
    assert result.attempts == 2
    path, resumed = server.requests[1]
    assert path == "/drop"
    offset = int(resumed.removeprefix("bytes=").removesuffix("-"))
    assert 0 < offset <= 100_000
    assert (tmp_path / "loras" / "l.safetensors").read_bytes() == data
    assert leftovers(tmp_path) == []


def test_part_file_from_earlier_run(server, section, tmp_path):
    data = body("earlier")
    url = server.add("/earlier", data)
    part = tmp_path / "vae" / "v.safetensors.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(data[:12345])
    manifest = Manifest(None, [entry("vae", "v.safetensors", url, data)])
    (result,) = run_sync(plan_sync(manifest, section, "/runpod-volume", tmp_path))

    assert result.status == "downloaded"
    assert server.requests == [("/earlier", "bytes=12345-")]
    assert result.downloaded_bytes == len(data) - 12345
    assert (tmp_path / "vae" / "v.safetensors").read_bytes() == data


def test_server_ignoring_range_restarts(server, section, tmp_path):
    data = body("ignore")
    url = server.add("/ignore", data, ("ignore_range", 0))
    part = tmp_path / "vae" / "v.safetensors.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"x" * 5000)
    manifest = Manifest(None, [entry("vae", "v.safetensors", url, data)])
    (result,) = run_sync(plan_sync(manifest, section, "/runpod-volume", tmp_path))

    assert result.status == "downloaded"
    assert (tmp_path / "vae" / "v.safetensors").read_bytes() == data


def test_complete_part_file_is_verified(server, section, tmp_path):
    data = body("complete")
    url = server.add("/complete", data)
    part = tmp_path / "vae" / "v.safetensors.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(data)
    manifest = Manifest(None, [entry("vae", "v.safetensors", url, data)])
    (result,) = run_sync(plan_sync(manifest, section, "/runpod-volume", tmp_path))

    assert result.status == "downloaded"
    assert server.requests == [("/complete", f"bytes={len(data)}-")]
    assert (tmp_path / "vae" / "v.safetensors").read_bytes() == data


def test_wrong_checksum_fails_cleanly(server, section, tmp_path):
    data = body("served")
    url = server.add("/wrong", data)
    expected = body("expected")
    manifest = Manifest(None, [entry("vae", "v.safetensors", url, expected)])
    (result,) = run_sync(plan_sync(manifest, section, "/runpod-volume", tmp_path), retries=2)

    assert result.status == "failed"
    assert result.attempts == 3
    assert "sha256" in result.message
    assert hashlib.sha256(expected).hexdigest() in result.message
    assert not (tmp_path / "vae" / "v.safetensors").exists()
    assert leftovers(tmp_path) == []


def test_not_found_fails_at_once(server, section, tmp_path):
    manifest = Manifest(None, [ModelFile("vae", "v.safetensors", server.url("/missing"), 10, "0" * 64)])
    (result,) = run_sync(plan_sync(manifest, section, "/runpod-volume", tmp_path))

    assert result.status == "failed"
    assert result.attempts == 1
    assert "HTTP 404" in result.message
    assert server.url("/missing") in result.message
    assert not (tmp_path / "vae" / "v.safetensors").exists()


def test_server_error_retried(server, section, tmp_path):
    data = body("flaky")
    url = server.add("/flaky", data, ("status", 500), ("status", 503))
    manifest = Manifest(None, [entry("vae", "v.safetensors", url, data)])
    (result,) = run_sync(plan_sync(manifest, section, "/runpod-volume", tmp_path))

    assert result.status == "downloaded"
    assert result.attempts == 3
    assert (tmp_path / "vae" / "v.safetensors").read_bytes() == data


def test_server_error_gives_up(server, section, tmp_path):
    data = body("down")
    url = server.add("/down", data, *[("status", 500)] * 5)
    manifest = Manifest(None, [entry("vae", "v.safetensors", url, data)])
    (result,) = run_sync(plan_sync(manifest, section, "/runpod-volume", tmp_path), retries=2)

    assert result.status == "failed"
    assert result.attempts == 3
    assert "HTTP 500" in result.message
    assert not (tmp_path / "vae" / "v.safetensors").exists()


def test_stall_times_out_then_resumes(server, section, tmp_path):
    data = body("stall")
    url = server.add("/stall", data, ("stall", 3.0))
    manifest = Manifest(None, [entry("vae", "v.safetensors", url, data)])
    (result,) = run_sync(plan_sync(manifest, section, "/runpod-volume", tmp_path), read_timeout=0.5)

    assert result.status == "downloaded"
    assert result.attempts == 2
    assert (tmp_path / "vae" / "v.safetensors").read_bytes() == data


def test_stall_every_time_fails(server, section, tmp_path):
    data = body("stuck")
    url = server.add("/stuck", data, *[("stall", 3.0)] * 3)
    manifest = Manifest(None, [entry("vae", "v.safetensors", url, data)])
    (result,) = run_sync(plan_sync(manifest, section, "/runpod-volume", tmp_path), read_timeout=0.3, retries=1)

    assert result.status == "failed"
    assert "broke off" in result.message or "timed out" in result.message.lower()
    assert not (tmp_path / "vae" / "v.safetensors").exists()


def test_wrong_size_final_file_replaced(server, section, tmp_path):
    data = body("replace")
    url = server.add("/replace", data)
    final = tmp_path / "vae" / "v.safetensors"
    final.parent.mkdir(parents=True)
    final.write_bytes(b"old")
    manifest = Manifest(None, [entry("vae", "v.safetensors", url, data)])
    (result,) = run_sync(plan_sync(manifest, section, "/runpod-volume", tmp_path))

    assert result.status == "downloaded"
    assert final.read_bytes() == data


def test_unlocked_entry_downloads(server, section, tmp_path):
    data = body("unlocked")
    url = server.add("/unlocked", data)
    manifest = Manifest(None, [entry("loras", "u.safetensors", url, data, locked=False)])
    (result,) = run_sync(plan_sync(manifest, section, "/runpod-volume", tmp_path))

    assert result.status == "downloaded"
    assert (tmp_path / "loras" / "u.safetensors").read_bytes() == data


def test_unlocked_truncated_body_rejected(server, section, tmp_path):
    data = body("cut")
    url = server.add("/cut", data, *[("drop", 5000)] * 3)
    manifest = Manifest(None, [entry("loras", "u.safetensors", url, data, locked=False)])
    (result,) = run_sync(plan_sync(manifest, section, "/runpod-volume", tmp_path), retries=1)

    assert result.status == "failed"
    assert not (tmp_path / "loras" / "u.safetensors").exists()


def test_parallel_downloads_overlap(server, section, tmp_path):
    names = [f"f{index}.safetensors" for index in range(4)]
    datas = {name: body(name, 10_000) for name in names}
    manifest = Manifest(None, [entry("loras", name, server.add(f"/{name}", datas[name], ("slow", 0.4)), datas[name])
                               for name in names])
    import time

    started = time.monotonic()
    results = run_sync(plan_sync(manifest, section, "/runpod-volume", tmp_path), workers=4)
    elapsed = time.monotonic() - started

    assert [result.status for result in results] == ["downloaded"] * 4
    assert elapsed < 1.2  # four 0.4 s responses one after another would take 1.6 s
    assert sorted(os.listdir(tmp_path / "loras")) == sorted(names)
