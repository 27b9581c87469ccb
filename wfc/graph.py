"""API-format graph: parsing with source positions and duplicate-key detection.

ComfyUI's API format is ``{node_id: {"class_type", "inputs", "_meta": {"title"}}}``, where an
input value is a literal or a link ``[source_id, output_index]``. ``parse_document`` reads the
text once with the standard decoder, which keeps the last of repeated keys as ComfyUI does, and
once with a small tokenizer that records the line and column of every object key up to depth
three and every repeated key, so diagnostics can point at ``/117/inputs/cpu_offload`` on its line.

Parsing never raises on bad input: every problem becomes a ``ParseProblem`` that the linter turns
into a diagnostic.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

# Keys of a UI-format (editor) document that never appear at the top of an API prompt.
UI_KEYS = ("nodes", "links", "version", "last_node_id", "last_link_id", "groups")

# A whole-file size above which the file is not parsed (ComfyUI's own prompt limit is far lower).
MAX_FILE_BYTES = 64 * 1024 * 1024

# Nesting depth beyond which a document is rejected instead of parsed; real prompts nest 4 deep.
MAX_DEPTH = 64

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]')


@dataclass(frozen=True)
class Position:
    """A 1-based line and column in the source text."""

    line: int
    column: int


@dataclass
class ParseProblem:
    """A fault found while reading the document itself."""

    kind: str  # "invalid_json", "too_large", "too_deep", "invalid_number", "duplicate_key", "not_utf8"
    message: str
    pointer: str = ""
    position: Position | None = None


@dataclass
class Document:
    """A parsed JSON document plus the positions of its keys."""

    data: Any
    text: str
    positions: dict[str, Position] = field(default_factory=dict)
    problems: list[ParseProblem] = field(default_factory=list)

    def position(self, pointer: str) -> Position | None:
        """Return the position of the key at ``pointer``, or of its nearest parent."""
        while pointer:
            found = self.positions.get(pointer)
            if found is not None:
                return found
            pointer = pointer.rsplit("/", 1)[0]
        return None


def escape_pointer(token: str) -> str:
    """Escape one JSON pointer reference token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def pointer(*tokens: object) -> str:
    return "".join("/" + escape_pointer(str(token)) for token in tokens)


def reject_constant(name: str) -> float:
    """Raise ValueError for NaN, Infinity and -Infinity; pass as ``json.loads(parse_constant=...)``."""
    raise ValueError(f"{name} is not valid JSON")


def describe_decode_error(exc: json.JSONDecodeError, text: str) -> str:
    """Word a JSON syntax error for a person: an empty file, a truncated one, or the decoder's message."""
    if not text.strip():
        return "the file is empty" if not text else "the file contains only whitespace"
    message = exc.msg
    if exc.pos >= len(text.rstrip()):
        message += " (the file looks truncated)"
    return f"invalid JSON: {message}"


def describe_number_error(exc: ValueError, text: str, document: str = "a workflow") -> tuple[str, Position | None]:
    """Word a ValueError of ``json.loads`` (NaN, Infinity, an integer with too many digits).

    Python's JSON reader, which ComfyUI also uses, rejects integers longer than
    ``sys.get_int_max_str_digits()`` (4300 by default). Returns the message and, for such an
    integer, the position of its first digit.
    """
    import sys

    digits = re.search(r"value has (\d+) digits", str(exc))
    if digits is None:
        return f"invalid JSON number: {exc}", None
    count = int(digits.group(1))
    message = (f"an integer has {count:,} digits, more than the {sys.get_int_max_str_digits():,} digits "
               f"JSON numbers in {document} can have")
    found = re.search(rf"(?<![\d.])\d{{{count}}}(?![\d.eE])", text)
    if found is None:
        return message, None
    line = text.count("\n", 0, found.start()) + 1
    return message, Position(line, found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1)


def _line_starts(text: str) -> list[int]:
    starts = [0]
    index = text.find("\n")
    while index != -1:
        starts.append(index + 1)
        index = text.find("\n", index + 1)
    return starts


def _key_positions(text: str, max_depth: int = 3) -> tuple[dict[str, Position], list[tuple[str, Position]]]:
    """Record the position of every object key down to ``max_depth`` and every repeated key.

    Works on tokens only (strings and punctuation), so it is linear in the text and never
    recurses. Numbers and literals are skipped because the regex does not match them.
    """
    starts = _line_starts(text)
    positions: dict[str, Position] = {}
    repeats: list[tuple[str, Position]] = []
    # Each frame: (kind, pointer, keys seen, next array index, expecting a key)
    stack: list[list[Any]] = []
    pending_key: str | None = None

    for match in _TOKEN.finditer(text):
        token = match.group()
        if token == "{" or token == "[":
            parent = stack[-1] if stack else None
            if parent is None:
                base = ""
            elif parent[0] == "object":
                base = parent[1] + "/" + escape_pointer(pending_key or "")
            else:
                base = parent[1] + "/" + str(parent[3])
            stack.append(["object" if token == "{" else "array", base, set(), 0, token == "{"])
            pending_key = None
        elif token == "}" or token == "]":
            if stack:
                stack.pop()
        elif token == ",":
            if stack:
                frame = stack[-1]
                if frame[0] == "array":
                    frame[3] += 1
                else:
                    frame[4] = True
        elif token == ":":
            if stack:
                stack[-1][4] = False
        elif stack and stack[-1][0] == "object" and stack[-1][4]:
            frame = stack[-1]
            try:
                key = json.loads(token)
            except ValueError:
                key = token[1:-1]
            pending_key = key
            if len(stack) <= max_depth:
                offset = match.start()
                line = bisect.bisect_right(starts, offset)
                position = Position(line, offset - starts[line - 1] + 1)
                key_pointer = frame[1] + "/" + escape_pointer(key)
                if key in frame[2]:
                    repeats.append((key_pointer, position))
                else:
                    positions[key_pointer] = position
                    frame[2].add(key)
    return positions, repeats


def _depth_exceeds(text: str, limit: int) -> bool:
    depth = 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in "{[":
            depth += 1
            if depth > limit:
                return True
        elif token in "}]":
            depth -= 1
    return False


def parse_document(raw: bytes | str) -> Document:
    """Parse JSON text into a Document; faults are recorded, never raised."""
    if isinstance(raw, bytes):
        if len(raw) > MAX_FILE_BYTES:
            return Document(None, "", problems=[ParseProblem(
                "too_large",
                f"the file is {len(raw):,} bytes, over the limit of {MAX_FILE_BYTES:,} bytes for a workflow",
            )])
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return Document(None, "", problems=[ParseProblem("not_utf8", f"the file is not UTF-8 text: {exc}")])
    else:
        text = raw
        if len(text) > MAX_FILE_BYTES:
            return Document(None, "", problems=[ParseProblem(
                "too_large", f"the text is over the limit of {MAX_FILE_BYTES:,} bytes for a workflow")])

    if _depth_exceeds(text, MAX_DEPTH):
        return Document(None, text, problems=[ParseProblem(
            "too_deep", f"the JSON nests deeper than {MAX_DEPTH} levels; a workflow nests about 4")])

    try:
        data = json.loads(text, parse_constant=reject_constant)
    except json.JSONDecodeError as exc:
        return Document(None, text, problems=[ParseProblem(
            "invalid_json", describe_decode_error(exc, text), position=Position(exc.lineno, exc.colno))])
    except ValueError as exc:
        # NaN/Infinity (parse_constant) and integers past Python's digit limit land here.
        message, position = describe_number_error(exc, text)
        return Document(None, text, problems=[ParseProblem("invalid_number", message, position=position)])
    except RecursionError:
        return Document(None, text, problems=[ParseProblem(
            "too_deep", "the JSON nests too deeply to parse")])

    positions, repeats = _key_positions(text)
    document = Document(data, text, positions)
    for key_pointer, position in repeats:
        document.problems.append(ParseProblem(
            "duplicate_key",
            f"key {key_pointer.rsplit('/', 1)[1]!r} appears more than once in its object; JSON readers keep only the last value",
            pointer=key_pointer,
            position=position,
        ))
    return document


# --- graph model ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """A link from output ``output`` of node ``source`` into an input."""

    source: str
    output: int


def as_link(value: Any) -> Link | None:
    """Return the link a value encodes, or None for a literal.

    ComfyUI treats any two-element list as a link; the source id must be a string and the output
    index an integer. Lists that merely look like links (wrong types) return None here and are
    reported by the structure rules.
    """
    if (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], int)
        and not isinstance(value[1], bool)
    ):
        return Link(value[0], value[1])
    return None


def looks_like_link(value: Any) -> bool:
    """Whether ComfyUI would take this value as a link (any two-element list)."""
    return isinstance(value, list) and len(value) == 2


@dataclass
class Node:
    """One node of an API-format graph."""

    id: str
    class_type: str
    inputs: dict[str, Any]
    title: str | None = None

    def links(self) -> Iterator[tuple[str, Link]]:
        for name, value in self.inputs.items():
            link = as_link(value)
            if link is not None:
                yield name, link

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"class_type": self.class_type, "inputs": self.inputs}
        if self.title is not None:
            data["_meta"] = {"title": self.title}
        return data


@dataclass
class Graph:
    """The well-formed nodes of an API-format workflow, in file order."""

    nodes: dict[str, Node]

    def __contains__(self, node_id: object) -> bool:
        return node_id in self.nodes

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes.values())

    def __len__(self) -> int:
        return len(self.nodes)

    def consumers(self) -> dict[str, list[tuple[str, str, int]]]:
        """Map each node id to the (consumer id, input, output index) triples that read it."""
        result: dict[str, list[tuple[str, str, int]]] = {node_id: [] for node_id in self.nodes}
        for node in self.nodes.values():
            for name, link in node.links():
                result.setdefault(link.source, []).append((node.id, name, link.output))
        return result

    def to_json(self) -> dict[str, Any]:
        return {node.id: node.to_json() for node in self.nodes.values()}


def is_ui_format(data: Any) -> bool:
    """Whether a document is the editor's saved format rather than the API format."""
    return isinstance(data, dict) and isinstance(data.get("nodes"), list) and "links" in data


def ui_keys_present(data: dict[str, Any]) -> list[str]:
    return [key for key in UI_KEYS if key in data]


def graph_from_json(data: dict[str, Any]) -> Graph:
    """Build a Graph from the well-formed entries of an API document; skip malformed ones.

    Malformed entries (not an object, no string ``class_type``, ``inputs`` not an object) are
    left out here; the structure rules report them from the raw data.
    """
    nodes = {}
    for node_id, entry in data.items():
        if not isinstance(entry, dict):
            continue
        class_type = entry.get("class_type")
        if not isinstance(class_type, str):
            continue
        inputs = entry.get("inputs", {})
        if not isinstance(inputs, dict):
            inputs = {}
        meta = entry.get("_meta")
        title = meta.get("title") if isinstance(meta, dict) else None
        nodes[node_id] = Node(node_id, class_type, inputs, title if isinstance(title, str) else None)
    return Graph(nodes)


def json_type_name(value: Any) -> str:
    """Name the JSON type of a parsed value, with an article, for messages about malformed fields."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def is_finite_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and (
        isinstance(value, int) or math.isfinite(value)
    )
