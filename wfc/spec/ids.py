"""Node ids of compiled specs: stable when unrelated nodes are added or removed.

A node passed ``id=`` keeps that id. Every other node gets a six-digit id derived from its key:
its title when it has one, else its class type, plus ``#n`` for the n-th node (n >= 2, in
creation order) with the same key. The id is ``100000 + sha256(key) mod 900000``. Adding a node
with another key changes no existing id, except in the rare case of a hash collision: colliding
keys are resolved in sorted key order, the later key taking the next free number. Give a node
an explicit ``id`` or a unique ``title`` when its id must never move.
"""

from __future__ import annotations

import hashlib
from typing import Sequence

ID_BASE = 100_000
ID_SPACE = 900_000


def node_key(title: str | None, class_type: str) -> str:
    return title if title else class_type


def hashed_id(key: str) -> int:
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return ID_BASE + int.from_bytes(digest[:8], "big") % ID_SPACE


def assign_ids(entries: Sequence[tuple[str | None, str | None, str]]) -> list[str]:
    """Return the id of each node, given ``(explicit id, title, class type)`` in creation order.

    Explicit ids are returned unchanged (the caller checks them for duplicates); they also
    reserve their number so no derived id takes it.
    """
    used_ids = {explicit for explicit, _, _ in entries if explicit is not None}
    keys: list[str | None] = []
    seen: dict[str, int] = {}
    for explicit, title, class_type in entries:
        if explicit is not None:
            keys.append(None)
            continue
        base = node_key(title, class_type)
        seen[base] = seen.get(base, 0) + 1
        keys.append(base if seen[base] == 1 else f"{base}#{seen[base]}")

    derived: dict[str, str] = {}
    for derived_key in sorted(key for key in keys if key is not None):
        number = hashed_id(derived_key)
        while str(number) in used_ids:
            number = ID_BASE + (number - ID_BASE + 1) % ID_SPACE
        derived[derived_key] = str(number)
        used_ids.add(str(number))

    ids = []
    for (explicit, _, _), key in zip(entries, keys):
        ids.append(derived[key] if key is not None else str(explicit))
    return ids
