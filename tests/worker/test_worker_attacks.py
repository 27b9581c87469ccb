"""Hostile job input: internal addresses, redirects, bombs, oversized and malformed payloads.

The address tests patch the socket layer so that any attempt to resolve a real name or to
connect anywhere but 127.0.0.1 fails the test before a packet could leave the machine.
"""

from __future__ import annotations

import base64
import http.server
import io
import ipaddress
import socket
import struct
import threading
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image

from conftest import standin_stats
from worker_builders import png_base64, png_bytes

from worker.errors import JobError
from worker.handler import process_job
from worker.netguard import FetchPolicy, fetch_url
from worker.staging import ImageLimits, verify_image

FAKE_DNS = {
    "metadata.test": ["169.254.169.254"],
    "internal.test": ["10.0.0.1"],
    "mixed.test": ["93.184.216.34", "10.0.0.1"],
    "mapped.test": ["::ffff:169.254.169.254"],
    "loopback.test": ["127.0.0.1"],
}


@pytest.fixture
def no_egress(monkeypatch):
    """Serve fake DNS answers and fail on any connection that is not to loopback."""
    attempts = []
    real_connect = socket.socket.connect

    def fake_getaddrinfo(host, port, *args, **kwargs):
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:  # an address literal needs no DNS query
            family = socket.AF_INET6 if literal.version == 6 else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (host, port))]
        if host not in FAKE_DNS:
            pytest.fail(f"real DNS lookup attempted for {host!r}")
        results = []
        for address in FAKE_DNS[host]:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sockaddr = (address, port, 0, 0) if family == socket.AF_INET6 else (address, port)
            results.append((family, socket.SOCK_STREAM, 6, "", sockaddr))
        return results

    def guarded_connect(self, address):
        attempts.append(address)
        host = address[0] if isinstance(address, tuple) else address
        if not ipaddress.ip_address(host).is_loopback:
            pytest.fail(f"connection attempted to non-loopback address {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    return attempts


class Handler(http.server.BaseHTTPRequestHandler):
    routes: dict = {}

    def do_GET(self):  # noqa: N802 (http.server's naming)
        action = self.routes.get(self.path.split("?")[0], ("status", 404))
        kind, value = action
        if kind == "redirect":
            self.send_response(302)
            self.send_header("Location", value)
            self.end_headers()
        elif kind == "body":
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(value)))
            self.end_headers()
            self.wfile.write(value)
        elif kind == "stream":
            self.send_response(200)
            self.end_headers()
            for _ in range(value):
                self.wfile.write(b"\0" * 65536)
        elif kind == "drip_body":
            self.send_response(200)
            if value == "with length":
                self.send_header("Content-Length", "1000")
            self.end_headers()
            self.drip(b"\0" * 1000)
        elif kind == "drip_headers":
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            self.drip(b"X-Drip: " + b"a" * 1000)
        elif kind == "stall":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            time.sleep(value)
        else:
            self.send_response(value)
            self.end_headers()

    def drip(self, data):
        """Send one byte every 0.3 s, so no single read ever times out, until the client hangs up."""
        for byte in data:
            try:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            except OSError:
                return
            time.sleep(0.3)

    def log_message(self, *args):
        pass


@pytest.fixture
def web_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Handler.routes = {}
    yield f"http://127.0.0.1:{server.server_address[1]}", Handler.routes
    server.shutdown()
    server.server_close()


STRICT = FetchPolicy(max_bytes=1_000_000, timeout_s=5)
LOOPBACK_ALLOWED = FetchPolicy(max_bytes=1_000_000, timeout_s=2, allow_loopback=True)


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/a.png",
    "https://169.254.169.254/latest/meta-data/",
    "https://10.0.0.1/a.png",
    "https://[::ffff:169.254.169.254]/a.png",
    "https://[::1]/a.png",
    "https://0.0.0.0/a.png",
    "https://metadata.test/a.png",
    "https://internal.test/a.png",
    "https://mixed.test/a.png",
    "https://mapped.test/a.png",
    "https://loopback.test/a.png",
])
def test_internal_address_rejected(no_egress, url):
    with pytest.raises(JobError) as raised:
        fetch_url(url, STRICT)

    assert raised.value.error_class == "image_url_rejected"
    assert no_egress == []


@pytest.mark.parametrize("url", ["http://example.test/a.png", "file:///etc/passwd", "ftp://a.test/x", "https://user:pw@a.test/x"])
def test_non_https_url_rejected(no_egress, url):
    with pytest.raises(JobError) as raised:
        fetch_url(url, STRICT)

    assert raised.value.error_class == "image_url_rejected"
    assert no_egress == []


@pytest.mark.parametrize("target", [
    "http://169.254.169.254/latest/meta-data/iam",
    "https://10.0.0.1/x.png",
    "https://metadata.test/x.png",
    "https://[::ffff:a9fe:a9fe]/x.png",
])
def test_redirect_to_internal_rejected(no_egress, web_server, target):
    base, routes = web_server
    routes["/start"] = ("redirect", target)

    with pytest.raises(JobError) as raised:
        fetch_url(f"{base}/start", LOOPBACK_ALLOWED)

    assert raised.value.error_class == "image_url_rejected"
    assert all(ipaddress.ip_address(address[0]).is_loopback for address in no_egress)
    assert len(no_egress) == 1


def test_loopback_needs_test_switch(no_egress, web_server):
    base, routes = web_server
    routes["/a.png"] = ("body", png_bytes((1, 2, 3)))

    with pytest.raises(JobError):
        fetch_url(f"{base}/a.png", STRICT)
    assert no_egress == []
    assert fetch_url(f"{base}/a.png", LOOPBACK_ALLOWED) == png_bytes((1, 2, 3))


def test_redirect_chain_limited(no_egress, web_server):
    base, routes = web_server
    routes["/loop"] = ("redirect", "/loop")

    with pytest.raises(JobError) as raised:
        fetch_url(f"{base}/loop", LOOPBACK_ALLOWED)

    assert raised.value.error_class == "image_url_failed"
    assert "redirected more than 5 times" in raised.value.message


def test_url_body_size_limited(no_egress, web_server):
    base, routes = web_server
    routes["/declared"] = ("body", b"\0" * 2_000_000)
    routes["/streamed"] = ("stream", 40)

    for path in ("/declared", "/streamed"):
        with pytest.raises(JobError) as raised:
            fetch_url(f"{base}{path}", LOOPBACK_ALLOWED)
        assert raised.value.error_class == "image_too_large"


def test_url_time_limited(no_egress, web_server):
    base, routes = web_server
    routes["/slow"] = ("stall", 5)
    started = time.monotonic()

    with pytest.raises(JobError) as raised:
        fetch_url(f"{base}/slow", LOOPBACK_ALLOWED)

    assert raised.value.error_class == "image_url_timeout"
    assert time.monotonic() - started < 4


@pytest.mark.parametrize("route", [("drip_body", "with length"), ("drip_body", "until close"), ("drip_headers", None)])
def test_dripping_server_timed_out(no_egress, web_server, route):
    base, routes = web_server
    routes["/drip"] = route
    policy = FetchPolicy(max_bytes=1_000_000, timeout_s=1.5, allow_loopback=True)
    started = time.monotonic()

    with pytest.raises(JobError) as raised:
        fetch_url(f"{base}/drip", policy)

    assert raised.value.error_class == "image_url_timeout"
    assert "took over 1.5 s" in raised.value.message
    assert time.monotonic() - started < 1.5 + 1


def test_deadline_covers_redirects(no_egress, web_server):
    base, routes = web_server
    routes["/hop"] = ("redirect", "/drip")
    routes["/drip"] = ("drip_body", "with length")
    policy = FetchPolicy(max_bytes=1_000_000, timeout_s=1.0, allow_loopback=True)
    started = time.monotonic()

    with pytest.raises(JobError) as raised:
        fetch_url(f"{base}/hop", policy)

    assert raised.value.error_class == "image_url_timeout"
    assert time.monotonic() - started < 1.0 + 1


@pytest.mark.parametrize("url", ["https://[::1", "https://a]b/", "https://[zz]/x", "https://[::1]:99999/x"])
def test_malformed_url_rejected(no_egress, url):
    with pytest.raises(JobError) as raised:
        fetch_url(url, STRICT)

    assert raised.value.error_class == "image_url_rejected"
    assert no_egress == []


def test_malformed_redirect_rejected(no_egress, web_server):
    base, routes = web_server
    routes["/start"] = ("redirect", "https://[::1")

    with pytest.raises(JobError) as raised:
        fetch_url(f"{base}/start", LOOPBACK_ALLOWED)

    assert raised.value.error_class == "image_url_rejected"
    assert "redirected to an invalid URL 'https://[::1'" in raised.value.message


def animated(image_format: str, frames: int, size: tuple[int, int]) -> bytes:
    images = [Image.new("RGB", size, (index * 20 % 256, 40, 90)) for index in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, image_format, save_all=True, append_images=images[1:], duration=40)
    return buffer.getvalue()


@pytest.mark.parametrize("image_format", ["WEBP", "PNG"])
def test_animated_frames_count_as_pixels(image_format):
    data = animated(image_format, 10, (100, 100))
    limits = ImageLimits(max_bytes=10_000_000, max_pixels=50_000)

    with pytest.raises(JobError) as raised:
        verify_image(data, "load_image", limits)

    assert raised.value.error_class == "image_too_large"
    assert raised.value.message == (
        "input.load_image: 10 frames of 100x100 pixels, 100000 pixels in all, is over the limit of 50000 pixels "
        "(WFC_MAX_IMAGE_PIXELS)"
    )


@pytest.mark.parametrize("image_format", ["WEBP", "PNG"])
def test_animated_frame_count_limited(image_format):
    data = animated(image_format, 30, (4, 4))
    limits = ImageLimits(max_bytes=10_000_000, max_pixels=40_000_000, max_frames=20)

    with pytest.raises(JobError) as raised:
        verify_image(data, "load_image", limits)

    assert raised.value.error_class == "image_too_large"
    assert "30 frames of 4x4 pixels; the limit is 20 frames" in raised.value.message


@pytest.mark.parametrize("image_format, extension", [("WEBP", "webp"), ("PNG", "png")])
def test_animated_within_limits_accepted(image_format, extension):
    data = animated(image_format, 3, (64, 64))
    limits = ImageLimits(max_bytes=10_000_000, max_pixels=3 * 64 * 64, max_frames=3)

    assert verify_image(data, "load_image", limits) == extension


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png(width: int, height: int) -> bytes:
    """A small PNG whose header claims width x height pixels (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\0" * (width + 1) * 16, 9)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", rows) + png_chunk(b"IEND", b"")


def test_decompression_bomb_rejected():
    limits = ImageLimits(max_bytes=10_000_000, max_pixels=40_000_000)
    data = bomb_png(100_000, 100_000)
    assert len(data) < 10_000

    with pytest.raises(JobError) as raised:
        verify_image(data, "load_image", limits)

    assert raised.value.error_class == "image_too_large"
    assert "decompression bomb" in raised.value.message
    assert "10000000000 pixels" in raised.value.message


@pytest.fixture
def worker(workflows, s3, start_worker):
    state = start_worker(workflows, s3)
    assert state.problems == []
    return state


def plate_job(**inputs):
    return {"id": "attack", "input": {"workflow": "plate_composite", "background_load_image": png_base64((9, 9, 9)), **inputs}}


def assert_nothing_touched(state, comfy_root: Path):
    assert standin_stats(state)["prompts_received"] == 0
    assert list((comfy_root / "input").iterdir()) == []


@pytest.mark.parametrize("value, error_class", [
    ("../../etc/passwd", "invalid_image"),
    ("/etc/passwd", "invalid_image"),
    ("..%2f..%2fetc%2fpasswd", "invalid_image"),
    ({"s3_key": "../../secrets.png"}, "invalid_image"),
    ({"s3_key": "/etc/passwd"}, "invalid_image"),
    ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwC", "invalid_image"),
    (base64.b64encode(png_bytes((1, 1, 1))[:-20]).decode(), "invalid_image"),
    ("data:text/html;base64,PGgxPg==", "invalid_image"),
    (base64.b64encode(bomb_png(50_000, 50_000)).decode(), "image_too_large"),
    ("https://169.254.169.254/latest/meta-data/", "image_url_rejected"),
    ({"url": "https://10.0.0.1/a.png"}, "image_url_rejected"),
    ("https://[::1", "image_url_rejected"),
    ("https://a]b/", "image_url_rejected"),
    ("https://[zz]/x", "image_url_rejected"),
    ({"url": "https://[::1"}, "image_url_rejected"),
])
def test_hostile_image_rejected(worker, tmp_path, no_egress_for_jobs, value, error_class):
    result = process_job(worker, plate_job(load_image=value))

    assert result["error_class"] == error_class, result["error"]
    assert "input.load_image" in result["error"] or "s3_key" in result["error"] or "URL" in result["error"]
    assert_nothing_touched(worker, tmp_path / "comfy")


@pytest.fixture
def no_egress_for_jobs(monkeypatch):
    """Like no_egress, but loopback connections (stand-in, moto) are allowed and real DNS fails the test."""
    real_connect = socket.socket.connect

    def guarded_connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host and not host.startswith("/") and not ipaddress.ip_address(host).is_loopback:
            pytest.fail(f"connection attempted to non-loopback address {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


def test_fifty_megabyte_payload_rejected(worker, tmp_path):
    payload = "A" * (50 * 1024 * 1024)

    started = time.monotonic()
    result = process_job(worker, plate_job(load_image=payload))

    assert result["error_class"] == "image_too_large"
    assert "limit is 33554432" in result["error"]
    assert time.monotonic() - started < 5
    assert_nothing_touched(worker, tmp_path / "comfy")


def test_bad_fields_all_reported(worker, tmp_path):
    result = process_job(worker, plate_job(load_image=png_base64((1, 1, 1)), x="ten", y=-3, bogus=1,
                                           image_name=png_base64((2, 2, 2))))

    assert result["error_class"] == "invalid_input"
    paths = sorted(detail["path"] for detail in result["details"])
    assert paths == ["input", "input.image_name", "input.x", "input.y"]
    messages = " ".join(detail["message"] for detail in result["details"])
    assert "'bogus' was unexpected" in messages
    assert "'ten' is not of type 'integer'" in messages
    assert "-3 is less than the minimum of 0" in messages
    assert "name the same parameter" in messages
    assert_nothing_touched(worker, tmp_path / "comfy")


@pytest.mark.parametrize("job_input, error_class", [
    ("not an object", "invalid_input"),
    ({"workflow": 5}, "invalid_input"),
    ({"workflow": "nope"}, "unknown_workflow"),
    ({"load_image": png_base64((1, 1, 1))}, "invalid_input"),
    ({"workflow": "plate_composite", "load_image": {"name": "../../x.png", "base64": png_base64((1, 1, 1))}}, "invalid_input"),
    ({"workflow": "plate_composite", "load_image": 12}, "invalid_input"),
])
def test_malformed_job_rejected(worker, tmp_path, job_input, error_class):
    result = process_job(worker, {"id": "bad", "input": job_input})

    assert result["error_class"] == error_class, result["error"]
    assert_nothing_touched(worker, tmp_path / "comfy")


def test_s3_key_image_staged(worker, s3):
    s3.client().put_object(Bucket=s3.bucket, Key="inputs/red.png", Body=png_bytes((200, 30, 30)))

    result = process_job(worker, plate_job(load_image={"s3_key": "inputs/red.png"}))
    missing = process_job(worker, plate_job(load_image={"s3_key": "inputs/absent.png"}))

    assert "error" not in result, result.get("error")
    assert missing["error_class"] == "image_not_found"


def test_loopback_url_job_with_switch(workflows, s3, start_worker, web_server, tmp_path):
    base, routes = web_server
    routes["/red.png"] = ("body", png_bytes((200, 30, 30)))
    state = start_worker(workflows, s3, WFC_ALLOW_LOOPBACK_URLS="1")

    result = process_job(state, plate_job(load_image=f"{base}/red.png"))

    assert "error" not in result, result.get("error")
    assert list((tmp_path / "comfy" / "input").iterdir()) == []


def test_url_error_names_parameter(worker, tmp_path, no_egress_for_jobs):
    result = process_job(worker, plate_job(load_image={"url": "https://[::1"}))

    assert result["error_class"] == "image_url_rejected"
    assert result["error"].startswith("image_url_rejected: input.load_image: image URL 'https://[::1' is not a valid URL")
    assert_nothing_touched(worker, tmp_path / "comfy")


def test_animated_image_job_rejected(workflows, s3, start_worker, tmp_path):
    state = start_worker(workflows, s3, WFC_MAX_IMAGE_PIXELS="100000")
    data = base64.b64encode(animated("WEBP", 10, (200, 200))).decode()

    result = process_job(state, plate_job(load_image=data))

    assert result["error_class"] == "image_too_large"
    assert "input.load_image: 10 frames of 200x200 pixels, 400000 pixels in all" in result["error"]
    assert_nothing_touched(state, tmp_path / "comfy")


def test_dripping_url_job_timed_out(workflows, s3, start_worker, web_server, tmp_path):
    base, routes = web_server
    routes["/drip.png"] = ("drip_body", "with length")
    state = start_worker(workflows, s3, WFC_ALLOW_LOOPBACK_URLS="1", WFC_URL_TIMEOUT="2")
    started = time.monotonic()

    result = process_job(state, plate_job(load_image=f"{base}/drip.png"))

    assert result["error_class"] == "image_url_timeout"
    assert "input.load_image: fetching http://127.0.0.1:" in result["error"]
    assert time.monotonic() - started < 2 + 1
    assert_nothing_touched(state, tmp_path / "comfy")
