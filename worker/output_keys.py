"""Safe, unique paths and S3 object keys for the output files of one job.

ComfyUI reports each output file as (subfolder, filename). Its path in the job is
``<subfolder>/<filename>`` without the job's own isolation subfolder, and its object key is
``<prefix>/<job id>/<path>``. Each segment keeps only ``A-Z a-z 0-9 . _ -`` (the characters that
AWS lists as safe in object keys), never contains ``..`` and never starts with a dot. A job id
therefore stays one segment under the prefix, and no key has an empty segment or a leading
``/``. When two files of a job would get the same path, the later one gets a numbered suffix,
so no upload overwrites another output of the same job.
"""

from __future__ import annotations

import re
from typing import Iterable

UNSAFE_RUN = re.compile(r"[^A-Za-z0-9._-]+")
DOT_RUN = re.compile(r"\.{2,}")
MAX_SEGMENT = 200  # characters; S3 allows 1024 bytes for a whole key


def _clean(text: str) -> str:
    cleaned = DOT_RUN.sub("_", UNSAFE_RUN.sub("_", text))
    return "_" + cleaned[1:] if cleaned.startswith(".") else cleaned


def safe_segment(text: str) -> str:
    """Reduce one path segment to the safe character set; never empty, ``.``, ``..`` or dot-led."""
    return _clean(text)[:MAX_SEGMENT] or "_"


def safe_filename(name: str) -> str:
    """Like safe_segment, but a name cut to MAX_SEGMENT characters keeps its extension."""
    cleaned = _clean(name)
    stem, dot, extension = cleaned.rpartition(".")
    if len(cleaned) <= MAX_SEGMENT or not dot or not stem or len(extension) > MAX_SEGMENT // 2:
        return cleaned[:MAX_SEGMENT] or "_"
    return DOT_RUN.sub("_", stem[:MAX_SEGMENT - len(extension) - 1] + "." + extension)


def safe_segments(path: str) -> list[str]:
    """Split a ``/`` or ``\\`` separated path into safe segments, dropping empty and ``.`` parts."""
    return [safe_segment(part) for part in path.replace("\\", "/").split("/") if part not in ("", ".")]


def output_path(subfolder: str, filename: str, job_subfolder: str | None) -> str:
    """Build a file's safe path within its job, leaving out the job's isolation subfolder."""
    parts = subfolder.replace("\\", "/").split("/")
    if job_subfolder and parts[0] == job_subfolder:
        parts = parts[1:]
    folders = [safe_segment(part) for part in parts if part not in ("", ".")]
    return "/".join([*folders, safe_filename(filename)])


def unique_paths(paths: Iterable[str]) -> list[str]:
    """Return the paths in order, each one that repeats an earlier path given a ``-2``, ``-3`` ... suffix."""
    used: set[str] = set()
    unique = []
    for path in paths:
        candidate = path
        number = 2
        while candidate in used:
            candidate = _numbered(path, number)
            number += 1
        used.add(candidate)
        unique.append(candidate)
    return unique


def object_key(prefix: str, job_id: str, path: str) -> str:
    """Join the storage prefix, the job id (always one segment) and a path from output_path."""
    return "/".join([*safe_segments(prefix), safe_segment(job_id), path])


def _numbered(path: str, number: int) -> str:
    folder, slash, name = path.rpartition("/")
    stem, dot, extension = name.rpartition(".")
    numbered = f"{stem}-{number}.{extension}" if dot and stem else f"{name}-{number}"
    return folder + slash + numbered
