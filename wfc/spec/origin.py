"""Find the spec line that made a call, so diagnostics can point at it."""

from __future__ import annotations

import sys
from pathlib import Path

# Frames in these folders belong to the DSL itself, never to the spec author.
_DSL_DIR = str(Path(__file__).resolve().parent)


def caller_origin() -> tuple[str, int] | None:
    """Return ``(file, line)`` of the nearest frame outside the DSL package."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_DSL_DIR):
            return (filename, frame.f_lineno)
        frame = frame.f_back  # type: ignore[assignment]
    return None
