"""Collect every file the output nodes produced, upload it, and build the job's result.

Files come from the history entry (``outputs[node][images|gifs|video|audio|...]``, each entry
``{"filename", "subfolder", "type"}``); only ``type == "output"`` files are results, ``temp``
files are previews, and ``worker.output_scope`` decides which files belong to the job. Bytes are
read through ``/view`` so a remote ComfyUI works too. Each file gets a
safe path that is unique within the job (``worker.output_keys``), and uploads go to
``<prefix>/<job id>/<path>`` with retries. The bytes are also returned inline as base64 when
requested, and always when the upload failed after its retries, so no output is lost.
"""

from __future__ import annotations

import logging
import mimetypes
import shutil
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import pybase64

from worker.comfy import ComfyClient
from worker.errors import JobError
from worker.output_keys import object_key, output_path, unique_paths
from worker.output_scope import OutputScope
from worker.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class OutputFile:
    """One file an output node wrote."""

    output: str  # the artifact's output name, or "node:<id>" for an unnamed output node
    node: str
    filename: str
    subfolder: str
    folder_type: str
    data: bytes = b""


def list_output_files(entry: dict[str, Any], output_names: dict[str, str], scope: OutputScope,
                      job_id: str = "") -> tuple[list[OutputFile], list[str]]:
    """List the files of every output node in a history entry, named by the artifact's outputs.

    Returns the files the job may read and one line per file that ``scope`` rejected; each rejected
    file is also logged as a warning. ``entry`` must have passed ``check_history_entry``.
    """
    files = []
    rejected = []
    for node_id, node_output in (entry.get("outputs") or {}).items():
        for items in node_output.values():
            if not isinstance(items, list):
                continue
            for item in items:
                if not isinstance(item, dict) or "filename" not in item:
                    continue
                if item.get("type", "output") != "output":
                    continue
                filename, reported_subfolder = item["filename"], item.get("subfolder") or ""
                subfolder, reason = scope.place(str(node_id), reported_subfolder, filename)
                if subfolder is None:
                    log.warning("job %s: not collecting %r in subfolder %r of node %s: %s",
                                job_id, filename, reported_subfolder, node_id, reason)
                    rejected.append(f"node {node_id} file {filename!r}: {reason}")
                    continue
                files.append(OutputFile(
                    output=output_names.get(str(node_id), f"node:{node_id}"),
                    node=str(node_id),
                    filename=filename,
                    subfolder=subfolder,
                    folder_type="output",
                ))
    return files, rejected


def fetch_output_files(client: ComfyClient, files: list[OutputFile]) -> None:
    for output_file in files:
        try:
            output_file.data = client.view(output_file.filename, output_file.subfolder, output_file.folder_type)
        except Exception as exc:  # requests raises several types; the error names the file that failed
            raise JobError("output_unavailable", f"cannot read output {output_file.subfolder}/{output_file.filename}: {exc}") from None


class Storage:
    """S3-compatible storage for outputs (and S3-keyed inputs), configured by RUNPOD_STORAGE_*."""

    def __init__(self, settings: Settings):
        import boto3
        from botocore.config import Config

        self.settings = settings
        self.bucket = settings.storage_bucket
        self.client = boto3.client(
            "s3",
            endpoint_url=settings.storage_endpoint,
            aws_access_key_id=settings.storage_access_key,
            aws_secret_access_key=settings.storage_secret_key,
            region_name=settings.storage_region,
            config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=30,
                          s3={"addressing_style": "path"}),
        )

    def upload(self, key: str, data: bytes, content_type: str) -> None:
        """Put one object, retrying with exponential backoff; re-raise the last error."""
        attempts = max(1, self.settings.storage_retries)
        for attempt in range(1, attempts + 1):
            try:
                self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)
                return
            except Exception as exc:  # botocore raises ClientError, EndpointConnectionError, ...
                if attempt == attempts:
                    raise
                delay = self.settings.storage_retry_backoff_s * 2 ** (attempt - 1)
                log.warning("upload of %s failed (attempt %d of %d): %s; retrying in %.1f s", key, attempt, attempts, exc, delay)
                time.sleep(delay)

    def url_for(self, key: str) -> str:
        if self.settings.storage_public_base_url:
            return self.settings.storage_public_base_url.rstrip("/") + "/" + key
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=self.settings.presign_expiry_s
        )

    def download(self, key: str, max_bytes: int) -> bytes:
        """Read one input object, rejecting keys that try to leave the bucket's namespace and large objects."""
        from botocore.exceptions import BotoCoreError, ClientError

        if not key or len(key) > 1024 or key.startswith("/") or ".." in PurePosixPath(key).parts or any(ord(c) < 32 for c in key):
            raise JobError("invalid_image", f"s3_key {key[:80]!r} is not a valid object key")
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=key)
            if head.get("ContentLength", 0) > max_bytes:
                raise JobError("image_too_large", f"s3_key {key!r} is {head['ContentLength']} bytes; the limit is {max_bytes}")
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
            data = body.read(max_bytes + 1)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("404", "NoSuchKey", "NotFound"):
                raise JobError("image_not_found", f"s3_key {key!r} does not exist in bucket {self.bucket!r}") from None
            raise JobError("storage_failed", f"reading s3_key {key!r} failed: {code or exc}") from None
        except BotoCoreError as exc:
            raise JobError("storage_failed", f"reading s3_key {key!r} failed: {exc}") from None
        if len(data) > max_bytes:
            raise JobError("image_too_large", f"s3_key {key!r} is over the limit of {max_bytes} bytes")
        return data


def encode_base64(data: bytes) -> str:
    """Encode an output file for the job result; pybase64's SIMD encoder is many times faster than base64's."""
    return pybase64.b64encode_as_string(data)


def build_results(files: list[OutputFile], job_id: str, settings: Settings, storage: Storage | None,
                  job_subfolder: str | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """Upload and/or encode every file; return the result entries and the upload failures.

    Each entry's ``path`` is unique within the job, so two files with the same name in different
    subfolders stay apart in the result and in storage.
    """
    wanted = [output_path(output_file.subfolder, output_file.filename, job_subfolder) for output_file in files]
    paths = unique_paths(wanted)
    results = []
    failures = []
    for output_file, wanted_path, path in zip(files, wanted, paths):
        if path != wanted_path:
            log.warning("job %s: output path %s is used twice; storing %s/%s as %s",
                        job_id, wanted_path, output_file.subfolder, output_file.filename, path)
        content_type = mimetypes.guess_type(output_file.filename)[0] or "application/octet-stream"
        entry: dict[str, Any] = {
            "output": output_file.output,
            "node": output_file.node,
            "filename": output_file.filename,
            "path": path,
            "content_type": content_type,
            "bytes": len(output_file.data),
        }
        uploaded = False
        if storage is not None and settings.storage_upload_outputs:
            key = object_key(settings.storage_output_prefix, job_id, path)
            try:
                storage.upload(key, output_file.data, content_type)
                entry["object_key"] = key
                entry["url"] = storage.url_for(key)
                uploaded = True
            except Exception as exc:
                log.error("job %s: upload of %s failed after retries: %s; returning base64 instead", job_id, key, exc)
                failures.append(f"{path}: {exc}")
                entry["upload_error"] = str(exc)
        if settings.include_output_base64 or not uploaded:
            entry["base64"] = encode_base64(output_file.data)
        results.append(entry)
    return results, failures


def delete_job_outputs(output_dir: Path | None, job_subfolder: str) -> None:
    """Delete the job's own subfolder of ComfyUI's output folder, and nothing else.

    Files that the history entry reports elsewhere (those of a node with a linked
    ``filename_prefix``) are left in place, because a wrong entry could name another job's files.
    """
    if output_dir is None:
        return
    folder = output_dir / job_subfolder
    if folder.is_symlink() or not folder.is_dir():
        return
    shutil.rmtree(folder, ignore_errors=True)
