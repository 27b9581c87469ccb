"""Did-you-mean suggestions for class names, input names and COMBO values.

``difflib`` is imported only when a suggestion is needed, so a clean run does not pay for it.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

_SEPARATORS = re.compile(r"[\s_\-./\\]+")


# Above this many candidates, difflib only ranks those sharing the most letter pairs with the word.
PREFILTER_ABOVE = 64
PREFILTER_KEEP = 40

_pair_index: dict[int, tuple[object, dict[str, set[int]], list[str]]] = {}


def _pairs(text: str) -> set[str]:
    return {text[index:index + 2] for index in range(len(text) - 1)}


def _shortlist(word: str, pool: list[str], source: object) -> list[str]:
    """Return the candidates sharing the most letter pairs with ``word`` (index cached per source)."""
    cached = _pair_index.get(id(source))
    if cached is None or cached[0] is not source or len(cached[2]) != len(pool):
        index: dict[str, set[int]] = {}
        for position, candidate in enumerate(pool):
            for pair in _pairs(candidate.lower()):
                index.setdefault(pair, set()).add(position)
        cached = (source, index, pool)
        if len(_pair_index) >= 256:
            _pair_index.clear()  # keep the cache bounded in a long-running process
        _pair_index[id(source)] = cached
    _, index, pool = cached
    counts: dict[int, int] = {}
    for pair in _pairs(word.lower()):
        for position in index.get(pair, ()):
            counts[position] = counts.get(position, 0) + 1
    best = sorted(counts, key=lambda position: -counts[position])[:PREFILTER_KEEP]
    return [pool[position] for position in best]


def close_matches(word: str, candidates: Iterable[str], count: int = 3, cutoff: float = 0.6) -> list[str]:
    """Return up to ``count`` candidates that look like ``word`` (ignoring letter case), best first.

    For long candidate lists only the candidates that share the most letter pairs with the word
    are ranked, which keeps a suggestion under a few milliseconds for a catalog of 500 classes.
    """
    import difflib

    pool = [candidate for candidate in candidates if isinstance(candidate, str)]
    if len(pool) > PREFILTER_ABOVE:
        pool = _shortlist(word, pool, candidates)
    lowered: dict[str, str] = {}
    for candidate in pool:
        lowered.setdefault(candidate.lower(), candidate)
    found = difflib.get_close_matches(word.lower(), list(lowered), n=count, cutoff=cutoff)
    return [lowered[match] for match in found]


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
