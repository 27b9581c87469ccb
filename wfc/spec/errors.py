"""The error a spec raises while it is built, with the spec line that caused it."""

from __future__ import annotations


class SpecError(Exception):
    """A spec cannot be built or lowered to a graph.

    ``origin`` is the ``(file, line)`` of the spec statement at fault, when known.
    """

    def __init__(self, message: str, origin: tuple[str, int] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.origin = origin

    def __str__(self) -> str:
        if self.origin is None:
            return self.message
        return f"{self.origin[0]}:{self.origin[1]}: {self.message}"
