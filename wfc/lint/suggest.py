"""Did-you-mean suggestions for class names, input names and COMBO values.

``difflib`` is imported only when a suggestion is needed, so a clean run does not pay for it.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

_SEPARATORS = re.compile(r"[\s_\-./\\]+")


def close_matches(word: str, candidates: Iterable[str], count: int = 3, cutoff: float = 0.6) -> list[str]:
    """Return up to ``count`` candidates that look like ``word``, best first."""
    import difflib

    pool = [candidate for candidate in candidates if isinstance(candidate, str)]
    found = difflib.get_close_matches(word, pool, n=count, cutoff=cutoff)
    if not found:
        lowered = {candidate.lower(): candidate for candidate in pool}
        found = [lowered[match] for match in difflib.get_close_matches(word.lower(), list(lowered), n=count, cutoff=cutoff)]
    return found


def _fold(text: str) -> str:
    return _SEPARATORS.sub("", text).casefold()


def option_slip(value: Any, options: Iterable[Any]) -> tuple[Any, str] | None:
    """Find the option ``value`` differs from only by letter case or separators.

    Returns ``(option, kind)`` where kind is ``"case"``, ``"separator"`` or ``"case and
    separator"``, or None when no option is that close.
    """
    if not isinstance(value, str):
        return None
    folded = _fold(value)
    for option in options:
        if not isinstance(option, str) or _fold(option) != folded:
            continue
        case_only = option.casefold() == value.casefold()
        if case_only:
            return option, "case"
        if _SEPARATORS.sub("_", option) == _SEPARATORS.sub("_", value):
            return option, "separator"
        return option, "case and separator"
    return None


def quote_list(values: Iterable[Any], limit: int = 8) -> str:
    """Render values for a message, cut after ``limit`` with a count of the rest."""
    items = list(values)
    shown = ", ".join(repr(item) for item in items[:limit])
    if len(items) > limit:
        shown += f", ... ({len(items) - limit} more)"
    return shown
