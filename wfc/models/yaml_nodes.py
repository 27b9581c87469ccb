"""YAML documents as small node trees with line numbers, read by PyYAML or by a fast path.

``wfc lint`` reads ``extra_model_paths.yaml`` on every cold run, and importing PyYAML alone
costs about 30 ms there (measured on the project's 2-core machine). Almost every real file is a
plain two-level mapping of simple paths. ``compose_simple`` reads exactly that subset line by
line and returns None for anything else, so the caller falls back to ``compose_yaml`` (PyYAML's
safe loader). For a text the fast path accepts, both give the same tree, which a property test
in tests/models checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Node:
    """One YAML node: a mapping, a list, a set or a scalar, with its 1-based first and last line."""

    kind: str  # "mapping", "list", "set" (a !!set mapping) or "scalar"
    line: int
    end_line: int
    value: Any = None  # the constructed value of a scalar or list (str, int, bool, None, [...])
    text: str = ""  # the scalar as written, for keys
    style: str | None = None  # scalar style: None (plain), "|", ">", "'" or '"'
    items: list[tuple["Node", "Node"]] = field(default_factory=list)  # mapping entries in file order
    merged: bool = False  # a key brought in by a merge key ("<<"), not written in its mapping
    # A merged key that several mappings of one "<<: [...]" list give different values, so its
    # value depends on the PyYAML release (see wfc.models.yaml_safe).
    release_dependent: bool = False


class YamlSyntaxError(Exception):
    """The text cannot be read as ``yaml.safe_load`` reads it.

    ``comfyui_fails`` is False for structures that ``safe_load`` accepts but wfc refuses to
    expand (an alias bomb, a recursive alias).
    """

    def __init__(self, reason: str, line: int | None, *, hint: str | None = None,
                 comfyui_fails: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.hint = hint
        self.comfyui_fails = comfyui_fails


def compose_yaml(text: str) -> Node | None:
    """Read any YAML text as ``yaml.safe_load`` would; None for an empty document."""
    from wfc.models.yaml_safe import compose_yaml as compose_with_pyyaml

    return compose_with_pyyaml(text)


# The subset compose_simple reads, in printable ASCII: "name:" sections at column 0 with
# "  key: value" lines of one indentation, full-line comments and blank lines. A key starts
# with a letter or "_", a value also with "/", "~" or "$", and both use only the characters
# below, so PyYAML reads them as plain strings. Words that PyYAML reads as booleans or null are left to PyYAML.
_SECTION = re.compile(r"([A-Za-z_][A-Za-z0-9_.-]*):[ ]*(?:#.*)?")
_ENTRY = re.compile(r"( +)([A-Za-z_][A-Za-z0-9_.-]*):[ ]+([A-Za-z_/~$][A-Za-z0-9_./~$-]*)[ ]*(?: #.*)?")
_COMMENT = re.compile(r"[ ]*(?:#.*)?")
_RESERVED_WORDS = {"yes", "no", "true", "false", "on", "off", "null", "~"}
# Printable ASCII and "\n" only. PyYAML also breaks lines at \r, \x85, \u2028 and \u2029 and
# rejects control characters even inside comments, which a line-by-line read would miss.
_PLAIN_TEXT = re.compile(r"[\x20-\x7e\n]*")


def compose_simple(text: str) -> Node | None:
    """Read the simple subset described above; None when the text is outside it."""
    if not _PLAIN_TEXT.fullmatch(text):
        return None
    lines = text.split("\n")
    root = Node("mapping", 1, 1)
    section: Node | None = None
    section_key: Node | None = None
    indent: int | None = None

    def close() -> None:
        if section_key is None:
            return
        if section is None:
            # "name:" with nothing below is null, the same as PyYAML reads it.
            root.items.append((section_key, Node("scalar", section_key.line, section_key.line, None, "", None)))
        else:
            root.items.append((section_key, section))

    for number, line in enumerate(lines, start=1):
        if _COMMENT.fullmatch(line):
            continue
        match = _SECTION.fullmatch(line)
        if match:
            close()
            name = match.group(1)
            if name.lower() in _RESERVED_WORDS:
                return None
            section_key = Node("scalar", number, number, name, name)
            section, indent = None, None
            continue
        match = _ENTRY.fullmatch(line)
        if match is None or section_key is None:
            return None
        spaces, key, value = match.groups()
        if indent is None:
            indent = len(spaces)
        elif len(spaces) != indent:
            return None
        if key.lower() in _RESERVED_WORDS or value.lower() in _RESERVED_WORDS:
            return None
        if section is None:
            section = Node("mapping", number, number)
        section.items.append((Node("scalar", number, number, key, key), Node("scalar", number, number, value, value)))
        section.end_line = number
    close()
    if not root.items:
        return None  # an empty or comment-only file: PyYAML decides what it is
    return root


def compose(text: str) -> Node | None:
    """Read YAML text into a node tree, by the fast path when it applies."""
    simple = compose_simple(text)
    if simple is not None:
        return simple
    return compose_yaml(text)
