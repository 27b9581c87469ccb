"""The error a spec raises while it is built, with the spec line that caused it."""

from __future__ import annotations


class SpecError(Exception):
    """A spec cannot be built or lowered to a graph.

    ``origin`` is the ``(file, line)`` of the spec statement at fault, when known. ``code`` is
    the finding the compiler reports it as (WFC701, a generic build failure, unless a more
    specific code fits). ``related`` is the ``(file, line)`` of an earlier statement the error
    refers to, such as the first declaration of a duplicate parameter.
    """

    def __init__(self, message: str, origin: tuple[str, int] | None = None, *, code: str = "WFC701",
                 related: tuple[str, int] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.origin = origin
        self.code = code
        self.related = related

    def __str__(self) -> str:
        if self.origin is None:
            return self.message
        return f"{self.origin[0]}:{self.origin[1]}: {self.message}"
