"""Download the manifest's model files into a profile's layout: parallel, resumable, verified.

Each file is downloaded to ``<name>.part`` beside its final path. A ``.part`` left by an earlier
run is resumed with an HTTP Range request. When the server ignores the range (200 instead of
206), the download starts over. When the body is complete its size and sha256 are checked
against the manifest, and only then is it renamed to its final name, so a final name always
holds a verified file (or, for an entry not yet locked, a complete one). Connection errors,
read timeouts, HTTP 5xx and 429, and checksum mismatches are retried with exponential backoff up
to ``retries`` times; other HTTP errors fail at once. A file already present with the manifest's
size is left alone, so a second run downloads nothing.
"""

from __future__ import annotations

import hashlib
import logging
import os
import posixpath
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from wfc.models.manifest import Manifest, ModelFile, placement

LOG = logging.getLogger("wfc.models.sync")

# Bytes read per step: a dropped connection loses at most the step in flight, and the progress
# bar moves in steps of this size.
CHUNK_BYTES = 64 * 1024
PART_SUFFIX = ".part"


class DownloadError(Exception):
    """One file could not be downloaded and verified."""

    def __init__(self, message: str, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class SyncItem:
    """One manifest file and where it goes: its deployment path and the local file written."""

    model: ModelFile
    deployment_path: str
    target: Path


@dataclass
class SyncResult:
    item: SyncItem
    status: str  # "present", "downloaded" or "failed"
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


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_present(item: SyncItem, verify: bool) -> bool:
    """Return whether the final file exists with the manifest's size (and sha256 when ``verify``)."""
    target = item.target
    if not target.is_file():
        return False
    if item.model.size is not None and target.stat().st_size != item.model.size:
        return False
    if verify and item.model.sha256 is not None:
        return file_sha256(target) == item.model.sha256
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
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        import requests

        self.requests = requests
        self.retries = retries
        self.backoff = backoff
        self.timeout = (connect_timeout, read_timeout)
        self.progress = progress or (lambda count: None)
        self.sleep = sleep
        self.local = threading.local()

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
            attempts += 1
            try:
                total += self.attempt(item)
                return SyncResult(item, "downloaded", "", total, attempts)
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
        part = item.target.with_name(item.target.name + PART_SUFFIX)
        part.parent.mkdir(parents=True, exist_ok=True)
        offset = part.stat().st_size if part.exists() else 0
        if model.size is not None and offset > model.size:
            part.unlink()
            offset = 0

        headers = {"Range": f"bytes={offset}-"} if offset else {}
        try:
            response = self.session().get(model.url, headers=headers, stream=True, timeout=self.timeout)
        except self.requests.RequestException as exc:
            raise DownloadError(f"request to {model.url} failed: {exc}", retryable=True) from None

        received = 0
        with response:
            status = response.status_code
            if status == 416 and offset and model.size == offset:
                pass  # the part file is already complete; verify it below
            elif status == 416:
                part.unlink(missing_ok=True)
                raise DownloadError(f"{model.url} rejected the resume range at byte {offset}; "
                                    "starting over", retryable=True)
            elif status >= 400:
                retryable = status >= 500 or status == 429
                raise DownloadError(f"{model.url} responded with HTTP {status} {response.reason}", retryable=retryable)
            else:
                if status == 206:
                    start = _range_start(response.headers.get("Content-Range", ""))
                    if start != offset:
                        part.unlink(missing_ok=True)
                        raise DownloadError(f"{model.url} responded with a range starting at byte {start}, "
                                            f"not {offset}; starting over", retryable=True)
                    mode = "ab"
                else:
                    mode = "wb"  # a full body: the server ignored the range, or none was asked
                    offset = 0
                announced = response.headers.get("Content-Length")
                received = self.stream(response, part, mode)
                if announced is not None and announced.isdigit() and received != int(announced):
                    raise DownloadError(f"{model.url} announced {announced} bytes but sent {received}",
                                        retryable=True)

        self.verify(item, part)
        if model.sha256 is None:
            LOG.warning("%s is not locked (no sha256 in the manifest), so it was not verified; "
                        "run 'wfc models lock' to record its size and sha256", item.target)
        os.replace(part, item.target)
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
        except (self.requests.RequestException, OSError) as exc:
            # The bytes written so far stay in the .part file for the next attempt to resume.
            raise DownloadError(f"download of {response.url} broke off after {received} bytes: {exc}",
                                retryable=True) from None
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
            actual = file_sha256(part)
            if actual != model.sha256:
                part.unlink()
                raise DownloadError(
                    f"sha256 of {model.url} is {actual}, but the manifest expects {model.sha256}; "
                    "the partial file was deleted", retryable=True)


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
    """Download every missing item with ``workers`` threads; return one result per item, in order."""
    def run(item: SyncItem) -> SyncResult:
        if is_present(item, verify_existing):
            result = SyncResult(item, "present")
        else:
            result = downloader.fetch(item)
        if on_done is not None:
            on_done(result)
        return result

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="wfc-sync") as pool:
        return list(pool.map(run, items))
