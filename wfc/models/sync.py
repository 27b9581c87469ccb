"""Download the manifest's model files into a profile's layout: parallel, resumable, verified.

Each file is downloaded to ``<name>.part`` beside its final path. A ``.part`` left by an earlier
run is resumed with an HTTP Range request. When the server ignores the range (200 instead of
206), the download starts over. When the body is complete its size and sha256 are checked
against the manifest, and only then is it renamed to its final name, so a final name always
holds a verified file (or, for an entry not yet locked, a complete one). Connection errors,
read timeouts, HTTP 5xx and 429, and checksum mismatches are retried with exponential backoff up
to ``retries`` times; other HTTP errors fail at once. A file already present with the manifest's
size is left alone, so a second run downloads nothing.

``Downloader.cancel`` stops every download in flight: workers check a stop event between chunks,
and the sockets of open responses are shut down so that a read blocked on a stalled server
returns at once. A stopped download keeps its ``.part`` (closed, so flushed) for the next run to
resume, and is never renamed. ``sync_files`` calls it when the main thread is interrupted.
"""

from __future__ import annotations

import hashlib
import logging
import os
import posixpath
import signal
import socket
import threading
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from wfc.models.manifest import Manifest, ModelFile, placement

LOG = logging.getLogger("wfc.models.sync")

# Bytes read per step: a dropped connection loses at most the step in flight, and the progress
# bar moves in steps of this size.
CHUNK_BYTES = 64 * 1024
PART_SUFFIX = ".part"

# Seconds the main thread waits, after an interrupt, for the workers to close their .part files.
STOP_WAIT_SECONDS = 2.0


class DownloadError(Exception):
    """One file could not be downloaded and verified."""

    def __init__(self, message: str, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class DownloadCancelled(Exception):
    """A download stopped because ``Downloader.cancel`` was called; its ``.part`` is kept."""


class SyncStopped(Exception):
    """``sync_files`` was interrupted by a signal after it stopped its workers.

    ``signal_number`` is the signal that interrupted it (SIGINT for a plain KeyboardInterrupt),
    and ``unfinished`` counts the workers still running after ``STOP_WAIT_SECONDS``.
    """

    def __init__(self, signal_number: int, unfinished: int) -> None:
        super().__init__(f"interrupted by signal {signal_number}")
        self.signal_number = signal_number
        self.unfinished = unfinished


class Interrupted(KeyboardInterrupt):
    """A KeyboardInterrupt raised by a signal handler for another signal, such as SIGTERM."""

    def __init__(self, signal_number: int) -> None:
        super().__init__(signal_number)
        self.signal_number = signal_number


@dataclass(frozen=True)
class SyncItem:
    """One manifest file and where it goes: its deployment path and the local file written."""

    model: ModelFile
    deployment_path: str
    target: Path


@dataclass
class SyncResult:
    item: SyncItem
    status: str  # "present", "downloaded", "failed" or "stopped"
    message: str = ""
    downloaded_bytes: int = 0
    attempts: int = 0


def plan_sync(manifest: Manifest, section: Any, volume: str, root: Path | None) -> list[SyncItem]:
    """Place every manifest file in the profile's layout, with local ``root`` in place of ``volume``."""
    items = []
    for model in manifest.files:
        deployment_path = placement(model, section)
        if root is None:
            target = Path(deployment_path)
        else:
            relative = posixpath.relpath(deployment_path, volume)
            if relative.startswith(".."):
                raise ValueError(
                    f"{model.folder}/{model.name} goes to {deployment_path}, outside the volume {volume}, "
                    "so --root cannot stand in for it")
            target = Path(root) / relative
        items.append(SyncItem(model, deployment_path, target))
    return items


def part_path(item: SyncItem) -> Path:
    """Return the ``<name>.part`` file that a download of ``item`` writes before the rename."""
    return item.target.with_name(item.target.name + PART_SUFFIX)


def file_sha256(path: Path, stop: threading.Event | None = None) -> str:
    """Hash a file, raising DownloadCancelled between chunks once ``stop`` is set."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            if stop is not None and stop.is_set():
                raise DownloadCancelled(f"hashing {path} stopped")
            digest.update(chunk)
    return digest.hexdigest()


def is_present(item: SyncItem, verify: bool, stop: threading.Event | None = None) -> bool:
    """Return whether the final file exists with the manifest's size (and sha256 when ``verify``)."""
    target = item.target
    if not target.is_file():
        return False
    if item.model.size is not None and target.stat().st_size != item.model.size:
        return False
    if verify and item.model.sha256 is not None:
        return file_sha256(target, stop) == item.model.sha256
    return True


class Downloader:
    """Downloads files with ``requests``; one instance is shared by the worker threads."""

    def __init__(
        self,
        *,
        retries: int = 3,
        backoff: float = 1.0,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        progress: Callable[[int], None] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        import requests

        self.requests = requests
        self.retries = retries
        self.backoff = backoff
        self.timeout = (connect_timeout, read_timeout)
        self.progress = progress or (lambda count: None)
        self.stop = threading.Event()
        # The default backoff sleep wakes up as soon as cancel() is called.
        self.sleep = sleep if sleep is not None else self.stop.wait
        self.local = threading.local()
        self.open_responses: set[Any] = set()
        self.open_lock = threading.Lock()

    def cancel(self) -> None:
        """Stop every download: set the stop event and shut down the sockets of open responses."""
        self.stop.set()
        with self.open_lock:
            responses = list(self.open_responses)
        for response in responses:
            _shut_down(response)

    def session(self) -> Any:
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.requests.Session()
            session.headers["User-Agent"] = "wfc-models-sync"
            self.local.session = session
        return session

    def fetch(self, item: SyncItem) -> SyncResult:
        """Download one file with retries; never leaves an unverified file under the final name."""
        attempts = 0
        total = 0
        while True:
            if self.stop.is_set():
                return SyncResult(item, "stopped", "stopped before the download finished", total, attempts)
            attempts += 1
            try:
                total += self.attempt(item)
                return SyncResult(item, "downloaded", "", total, attempts)
            except DownloadCancelled as exc:
                return SyncResult(item, "stopped", str(exc), total, attempts)
            except DownloadError as exc:
                if not exc.retryable or attempts > self.retries:
                    LOG.error("download of %s failed after %d attempt(s): %s", item.model.url, attempts, exc)
                    return SyncResult(item, "failed", str(exc), total, attempts)
                delay = self.backoff * (2 ** (attempts - 1))
                LOG.warning("download of %s failed (attempt %d of %d), retrying in %.1f s: %s",
                            item.model.url, attempts, self.retries + 1, delay, exc)
                self.sleep(delay)

    def attempt(self, item: SyncItem) -> int:
        """Run one request; return the bytes received. Raise DownloadError on any failure."""
        model = item.model
        part = part_path(item)
        part.parent.mkdir(parents=True, exist_ok=True)
        offset = part.stat().st_size if part.exists() else 0
        if model.size is not None and offset > model.size:
            part.unlink()
            offset = 0

        headers = {"Range": f"bytes={offset}-"} if offset else {}
        try:
            response = self.session().get(model.url, headers=headers, stream=True, timeout=self.timeout)
        except self.requests.RequestException as exc:
            if self.stop.is_set():
                raise DownloadCancelled(f"request to {model.url} stopped") from None
            raise DownloadError(f"request to {model.url} failed: {exc}", retryable=True) from None

        with self.open_lock:
            self.open_responses.add(response)
        try:
            received = self.receive(item, response, part, offset)
        finally:
            with self.open_lock:
                self.open_responses.discard(response)
            response.close()

        self.verify(item, part)
        if model.sha256 is None:
            LOG.warning("%s is not locked (no sha256 in the manifest), so it was not verified; "
                        "run 'wfc models lock' to record its size and sha256", item.target)
        os.replace(part, item.target)
        return received

    def receive(self, item: SyncItem, response: Any, part: Path, offset: int) -> int:
        """Check the response's status and range, then write its body to ``part``; return its bytes."""
        model = item.model
        if self.stop.is_set():
            # cancel() may have run before this response was registered, so its socket is open.
            raise DownloadCancelled(f"download of {model.url} stopped before its body")

        status = response.status_code
        if status == 416 and offset and model.size == offset:
            return 0  # the part file is already complete; the caller verifies it
        if status == 416:
            part.unlink(missing_ok=True)
            raise DownloadError(f"{model.url} rejected the resume range at byte {offset}; "
                                "starting over", retryable=True)
        if status >= 400:
            retryable = status >= 500 or status == 429
            raise DownloadError(f"{model.url} responded with HTTP {status} {response.reason}", retryable=retryable)

        if status == 206:
            start = _range_start(response.headers.get("Content-Range", ""))
            if start != offset:
                part.unlink(missing_ok=True)
                raise DownloadError(f"{model.url} responded with a range starting at byte {start}, "
                                    f"not {offset}; starting over", retryable=True)
            mode = "ab"
        else:
            mode = "wb"  # a full body: the server ignored the range, or none was asked

        announced = response.headers.get("Content-Length")
        received = self.stream(response, part, mode)
        if announced is not None and announced.isdigit() and received != int(announced):
            raise DownloadError(f"{model.url} announced {announced} bytes but sent {received}",
                                retryable=True)
        return received

    def stream(self, response: Any, part: Path, mode: str) -> int:
        received = 0
        try:
            with part.open(mode) as handle:
                for chunk in response.iter_content(chunk_size=CHUNK_BYTES):
                    if chunk:
                        handle.write(chunk)
                        received += len(chunk)
                        self.progress(len(chunk))
                    if self.stop.is_set():
                        break
        except (self.requests.RequestException, OSError) as exc:
            if self.stop.is_set():
                raise DownloadCancelled(f"download of {response.url} stopped after {received} bytes") from None
            # The bytes written so far stay in the .part file for the next attempt to resume.
            raise DownloadError(f"download of {response.url} broke off after {received} bytes: {exc}",
                                retryable=True) from None
        if self.stop.is_set():
            # A shut-down socket can also end the body early without an error.
            raise DownloadCancelled(f"download of {response.url} stopped after {received} bytes")
        return received

    def verify(self, item: SyncItem, part: Path) -> None:
        model = item.model
        size = part.stat().st_size
        if model.size is not None and size != model.size:
            if size < model.size:
                raise DownloadError(f"{model.url} ended after {size} of {model.size} bytes", retryable=True)
            part.unlink()
            raise DownloadError(f"{model.url} sent {size} bytes, more than the manifest's {model.size}",
                                retryable=True)
        if model.sha256 is not None:
            actual = file_sha256(part, self.stop)
            if actual != model.sha256:
                part.unlink()
                raise DownloadError(
                    f"sha256 of {model.url} is {actual}, but the manifest expects {model.sha256}; "
                    "the partial file was deleted", retryable=True)


def _shut_down(response: Any) -> None:
    """Shut down the socket under a streamed ``requests`` response, so that a blocked read returns."""
    connection = getattr(response.raw, "connection", None)
    sock = getattr(connection, "sock", None)
    if sock is None:
        # NOTE: without the socket, a download stalled in a read stops only at its read timeout.
        return
    try:
        # socket.socket.shutdown, not SSLSocket.shutdown, which would also drop the TLS object
        # that the worker thread is reading through.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # already closed by the worker thread


def _range_start(content_range: str) -> int | None:
    """Return the first byte of a ``Content-Range: bytes START-END/TOTAL`` header."""
    try:
        unit, _, span = content_range.partition(" ")
        if unit != "bytes":
            return None
        return int(span.split("-", 1)[0])
    except ValueError:
        return None


def sync_files(
    items: list[SyncItem],
    downloader: Downloader,
    *,
    workers: int = 4,
    verify_existing: bool = False,
    on_done: Callable[[SyncResult], None] | None = None,
) -> list[SyncResult]:
    """Download every missing item with ``workers`` threads; return one result per item, in order.

    When the main thread is interrupted (KeyboardInterrupt, or ``Interrupted`` raised by a handler
    for another signal), the downloads are cancelled, pending items are dropped, the workers get
    up to ``STOP_WAIT_SECONDS`` to close their ``.part`` files, and SyncStopped is raised.
    """
    def run(item: SyncItem) -> SyncResult:
        try:
            present = is_present(item, verify_existing, downloader.stop)
        except DownloadCancelled as exc:
            return SyncResult(item, "stopped", str(exc))
        if present:
            result = SyncResult(item, "present")
        else:
            result = downloader.fetch(item)
        if on_done is not None and result.status != "stopped":
            on_done(result)
        return result

    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="wfc-sync")
    futures = []
    try:
        futures = [pool.submit(run, item) for item in items]
        results = [future.result() for future in futures]
    except KeyboardInterrupt as exc:
        signal_number = getattr(exc, "signal_number", signal.SIGINT)
        LOG.info("signal %d: stopping %d download(s)", signal_number, len(futures))
        downloader.cancel()
        pool.shutdown(wait=False, cancel_futures=True)
        _done, unfinished = wait(futures, timeout=STOP_WAIT_SECONDS)
        raise SyncStopped(signal_number, len(unfinished)) from exc
    except BaseException:
        downloader.cancel()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return results
