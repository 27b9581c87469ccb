"""Stage a job's images into ComfyUI's input folder under names the worker generates.

An image parameter arrives as a string (base64, a ``data:image/...`` URI or an https URL) or as an
object with exactly one of ``base64``, ``url`` or ``s3_key``. Whatever the source, the bytes are
decoded with Pillow, verified, checked against the pixel limit and written as
``wfc-<job>-<parameter>-<token>.<ext>``, so a job never reads a file another job left behind and
never chooses a path. ``StagedImages.cleanup()`` deletes them when the job ends.
"""

from __future__ import annotations

import binascii
import io
import logging
import os
import re
import secrets
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pybase64
from PIL import Image, UnidentifiedImageError

from worker.errors import JobError
from worker.netguard import FetchPolicy, fetch_url

log = logging.getLogger(__name__)

FORMAT_EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
DATA_URI = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?P<params>(;[\w.+-]+=[\w.+-]+)*)(?P<b64>;base64)?,", re.I)
SAFE_NAME = re.compile(r"[^A-Za-z0-9_-]+")
BASE64_WHITESPACE = b" \t\n\r\x0b\x0c"  # ASCII whitespace, e.g. the line breaks of MIME-style base64


@dataclass(frozen=True)
class ImageLimits:
    """Limits every input image must meet."""

    max_bytes: int
    max_pixels: int  # over all frames: ComfyUI's LoadImage decodes every frame of an animated image
    max_frames: int = 1000


@dataclass
class StagedImages:
    """The files one job wrote into ComfyUI's input folder."""

    directory: Path
    files: list[Path] = field(default_factory=list)

    def cleanup(self) -> None:
        for path in self.files:
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                log.warning("could not delete staged input %s: %s", path, exc)
        self.files.clear()


def job_token(job_id: str) -> str:
    """Build a file-name-safe job token: the job id plus a random part, unique even when ids repeat."""
    safe = SAFE_NAME.sub("_", str(job_id))[:48].strip("_") or "job"
    return f"{safe}-{secrets.token_hex(4)}"


def decode_base64(text: str, parameter: str, max_bytes: int) -> bytes:
    """Decode strict base64 (ASCII whitespace allowed); raise JobError naming the parameter when invalid.

    pybase64's validating decoder is SIMD-accelerated. On a 2-core development VM a 3.5 MB string
    took 0.3 ms, against 8 to 20 ms for ``base64.b64decode(validate=True)``. It rejects every
    input that CPython's strict mode rejects, and also padding after a complete 4-character group.
    """
    if not text.isascii():
        position = next(index for index, char in enumerate(text) if not char.isascii())
        raise JobError(
            "invalid_image",
            f"input.{parameter}: invalid base64 (non-ASCII character at position {position}); "
            "send the whole file, base64-encoded, or a data URI",
        )
    encoded: str | bytes = text
    if any(char in text for char in BASE64_WHITESPACE.decode("ascii")):
        encoded = text.encode("ascii").translate(None, BASE64_WHITESPACE)

    if len(encoded) * 3 // 4 > max_bytes:
        raise JobError(
            "image_too_large",
            f"input.{parameter}: the image is about {len(encoded) * 3 // 4} bytes; the limit is {max_bytes}",
        )
    try:
        return pybase64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise JobError(
            "invalid_image",
            f"input.{parameter}: invalid base64 ({exc}); send the whole file, base64-encoded, or a data URI",
        ) from None


def read_source(
    value: Any,
    parameter: str,
    limits: ImageLimits,
    policy: FetchPolicy,
    fetch_s3: Callable[[str, int], bytes] | None,
) -> bytes:
    """Return the raw bytes of one image parameter value, from whichever source it names."""
    if isinstance(value, dict):
        sources = [key for key in ("base64", "url", "s3_key") if key in value]
        if len(sources) != 1 or not isinstance(value[sources[0]], str):
            raise JobError(
                "invalid_image",
                f"input.{parameter}: an image object needs exactly one string field of base64, url, s3_key",
            )
        kind, text = sources[0], value[sources[0]]
    elif isinstance(value, str):
        text = value.strip()
        scheme = text[:8].lower()  # lower-casing the whole value would copy megabytes of base64
        if scheme.startswith(("https://", "http://")):
            kind = "url"
        elif scheme.startswith("data:"):
            kind = "data_uri"
        else:
            kind = "base64"
    else:
        raise JobError("invalid_image", f"input.{parameter}: expected a string or an object, got {type(value).__name__}")

    if kind == "url":
        try:
            return fetch_url(text, policy)
        except JobError as exc:
            exc.message = f"input.{parameter}: {exc.message}"
            raise
    if kind == "s3_key":
        if fetch_s3 is None:
            raise JobError("storage_not_configured", f"input.{parameter}: s3_key needs RUNPOD_STORAGE_* settings")
        return fetch_s3(text, limits.max_bytes)
    if kind == "data_uri":
        match = DATA_URI.match(text)
        if not match or not match.group("b64"):
            raise JobError("invalid_image", f"input.{parameter}: a data URI must be data:image/<type>;base64,<data>")
        if match.group("mime") and not match.group("mime").lower().startswith("image/"):
            raise JobError("invalid_image", f"input.{parameter}: data URI type {match.group('mime')!r} is not an image")
        text = text[match.end():]
    return decode_base64(text, parameter, limits.max_bytes)


def verify_image(data: bytes, parameter: str, limits: ImageLimits) -> str:
    """Check that ``data`` is one whole PNG, JPEG or WebP image within the limits; return its extension.

    An animated PNG or WebP counts every frame: ComfyUI's LoadImage decodes each one into the
    batch it outputs, so the frame count times the frame size must stay within the pixel limit.
    """
    if len(data) > limits.max_bytes:
        raise JobError("image_too_large", f"input.{parameter}: {len(data)} bytes; the limit is {limits.max_bytes}")
    if not data:
        raise JobError("invalid_image", f"input.{parameter}: the image is empty")

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image_format = image.format
                frames = check_pixels(image, parameter, limits)
                image.verify()
            # verify() does not decode the pixel data, so load every frame too: truncated files fail here.
            with Image.open(io.BytesIO(data)) as image:
                for index in range(frames):
                    image.seek(index)
                    image.load()
    except JobError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise JobError("image_too_large", f"input.{parameter}: the image is a decompression bomb ({exc})") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise JobError("invalid_image", f"input.{parameter}: not a readable image ({exc})") from None

    extension = FORMAT_EXTENSIONS.get(image_format or "")
    if extension is None:
        raise JobError("invalid_image", f"input.{parameter}: format {image_format} is not accepted; send PNG, JPEG or WebP")
    return extension


def check_pixels(image: Image.Image, parameter: str, limits: ImageLimits) -> int:
    """Check the frame count and the pixels of all frames against the limits; return the frame count.

    Pillow reads ``n_frames`` from the file's header (APNG's acTL chunk, the WebP demuxer), without
    decoding any frame, and it never seeks past that count, so neither does LoadImage.
    """
    width, height = image.size
    frames = int(getattr(image, "n_frames", 1))
    if frames > limits.max_frames:
        raise JobError(
            "image_too_large",
            f"input.{parameter}: the image has {frames} frames of {width}x{height} pixels; the limit is "
            f"{limits.max_frames} frames (WFC_MAX_IMAGE_FRAMES)",
        )

    total = frames * width * height
    if total > limits.max_pixels:
        size = f"{width}x{height} pixels" if frames == 1 else f"{frames} frames of {width}x{height} pixels, {total} pixels in all,"
        raise JobError(
            "image_too_large",
            f"input.{parameter}: {size} is over the limit of {limits.max_pixels} pixels (WFC_MAX_IMAGE_PIXELS)",
        )
    return frames


def stage_image(data: bytes, extension: str, directory: Path, token: str, parameter: str, staged: StagedImages) -> str:
    """Write verified bytes under a generated name; return the name LoadImage should read."""
    safe_parameter = SAFE_NAME.sub("_", parameter)[:40]
    name = f"wfc-{token}-{safe_parameter}.{extension}"
    path = directory / name
    directory.mkdir(parents=True, exist_ok=True)

    temporary = directory / f".{name}.part"
    with open(temporary, "xb") as handle:
        handle.write(data)
    os.replace(temporary, path)
    staged.files.append(path)
    return name
