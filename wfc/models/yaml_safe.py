"""Read any YAML text into a node tree with PyYAML's safe loader, as ComfyUI reads the file.

ComfyUI 0.3.64 loads ``extra_model_paths.yaml`` with ``yaml.safe_load`` and no error handling,
so every error that call raises stops ComfyUI at start. This module composes the text with
PyYAML, then builds ``Node`` trees while constructing each scalar the way ``safe_load`` does.
Every failure becomes a ``YamlSyntaxError`` with its line, never another exception:

- scanner, parser and composer errors (bad syntax, an undefined alias, a second document);
- constructor errors: an unknown or unsafe tag (``!!python/object/apply:...``), or a value
  that its tag cannot convert (``!!int x``, ``!!bool maybe``). A list or mapping used as a key,
  and a merge key (``<<``) whose value is not a mapping or a list of mappings, fail there too;
- a recursive alias (a node that contains itself), and aliases that expand the document to
  more than ``MAX_EXPANDED_NODES`` nodes (an alias bomb), which wfc stops reading;
- nesting deeper than Python's recursion limit.

Merge keys (``<<``) are applied by the installed PyYAML's own ``flatten_mapping``, after wfc
has checked that the result stays within ``MAX_EXPANDED_NODES`` and has no cycle. A mapping's
own keys win over merged ones. Which of several merged mappings wins a key differs between
PyYAML releases: 6.0.4 takes the last of ``<<: [*a, *b]``, while older releases, whose code
reverses that list, take the first. The section reader warns when that choice matters.
"""

from __future__ import annotations

from typing import Any

from wfc.models.yaml_nodes import Node, YamlSyntaxError

# A real extra_model_paths.yaml has a few dozen nodes. Aliases let a short text stand for
# exponentially many ("billion laughs"), so the walk stops after this many nodes, counting a
# node again each time an alias repeats it.
MAX_EXPANDED_NODES = 10_000

MAP_TAG = "tag:yaml.org,2002:map"
SET_TAG = "tag:yaml.org,2002:set"
MERGE_TAG = "tag:yaml.org,2002:merge"

UNKNOWN_TAG_HINT = ("ComfyUI reads this file with yaml.safe_load, which accepts only the standard "
                    "YAML tags; remove the tag")


def _line_of(exc: Any, text: str) -> int | None:
    """Return the 1-based line an exception of PyYAML points at, or None."""
    for name in ("problem_mark", "context_mark"):
        mark = getattr(exc, name, None)
        if mark is not None:
            return int(mark.line) + 1
    position = getattr(exc, "position", None)  # a ReaderError (a character YAML does not allow)
    if isinstance(position, int):
        return text.count("\n", 0, position) + 1
    return None


def _reason_of(exc: Any) -> str:
    """Return PyYAML's own words for an error, without its excerpt of the text."""
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    if problem and context and context_mark is not None:
        return f"{context} (line {context_mark.line + 1}): {problem}"
    if problem and context:
        return f"{context}: {problem}"
    if problem:
        return str(problem)
    reason = getattr(exc, "reason", None)
    if reason:
        return f"{reason} (character {getattr(exc, 'character', '?')!r})"
    return str(exc).split("\n")[0]


def compose_yaml(text: str) -> Node | None:
    """Read any YAML text as ``yaml.safe_load`` would; None for an empty document.

    Raises YamlSyntaxError with the line for every error ``safe_load`` raises, and for the
    recursive or oversized alias structures described in the module docstring.
    """
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        reason = _reason_of(exc)
        hint = UNKNOWN_TAG_HINT if "constructor for the tag" in reason else None
        raise YamlSyntaxError(reason, _line_of(exc, text), hint=hint) from None
    except RecursionError:
        raise YamlSyntaxError("the text nests collections too deeply to read", None) from None
    if root is None:
        return None
    try:
        return _TreeBuilder(yaml, text).build(root)
    except RecursionError:
        raise YamlSyntaxError("the text nests collections too deeply to read", None) from None


class _TreeBuilder:
    """Builds ``Node`` trees from PyYAML nodes, counting every visit and refusing cycles."""

    def __init__(self, yaml: Any, text: str) -> None:
        self.yaml = yaml
        self.text = text
        self.constructor = yaml.SafeLoader("")
        self.visited = 0
        self.open_nodes: list[Any] = []  # the nodes being built, from the root down
        self.flattening: list[Any] = []  # the mappings whose merge keys are being applied
        self.merged_keys: dict[int, set[int]] = {}  # mapping node id -> ids of the key nodes merged into it
        self.release_dependent: dict[int, set[str]] = {}  # mapping node id -> names whose winner varies

    def build(self, node: Any) -> Node:
        line = node.start_mark.line + 1
        self.visited += 1
        if self.visited > MAX_EXPANDED_NODES:
            # An alias repeats nodes written elsewhere, so name the top-level entry being read.
            entry = self.open_nodes[1] if len(self.open_nodes) > 1 else node
            raise YamlSyntaxError(
                f"aliases expand the document to more than {MAX_EXPANDED_NODES} nodes, so wfc stops "
                "reading it", entry.start_mark.line + 1, hint="write the paths out instead of repeating aliases",
                comfyui_fails=False)
        if any(node is open_node for open_node in self.open_nodes):
            raise YamlSyntaxError(
                "an alias refers to a collection that contains it (a recursive structure), which no "
                "model-path entry can be", line, hint="replace the alias with the value it should repeat",
                comfyui_fails=False)

        self.open_nodes.append(node)
        try:
            if isinstance(node, self.yaml.MappingNode):
                return self.mapping(node, line)
            if isinstance(node, self.yaml.SequenceNode):
                for item in node.value:
                    self.build(item)  # counts the items and reports a bad scalar at its own line
                return Node("list", line, node.end_mark.line + 1, value=self.construct(node))
            return Node("scalar", line, node.end_mark.line + 1, value=self.construct(node),
                        text=str(node.value), style=node.style)
        finally:
            self.open_nodes.pop()

    def mapping(self, node: Any, line: int) -> Node:
        end_line = node.end_mark.line + 1
        if node.tag != MAP_TAG:
            value = self.construct(node)  # raises for an unknown tag, as safe_load does
            if node.tag == SET_TAG:
                for key, _value in node.value:
                    self.build(key)
                return Node("set", line, end_line, value=sorted(value, key=str))
            raise YamlSyntaxError(f"the tag {node.tag!r} turns this mapping into a "
                                  f"{type(value).__name__}", line, hint=UNKNOWN_TAG_HINT)

        self.flatten(node)
        merged = self.merged_keys.get(id(node), set())
        release_dependent = self.release_dependent.get(id(node), set())
        items: list[tuple[Node, Node]] = []
        for key, value in node.value:
            key_node = self.build(key)
            if key_node.kind != "scalar":
                raise YamlSyntaxError(f"a key is a {key_node.kind}; yaml.safe_load rejects it as an "
                                      "unhashable key", key_node.line, hint="use a plain name as the key")
            key_node.merged = id(key) in merged
            key_node.release_dependent = key_node.merged and key.value in release_dependent
            items.append((key_node, self.build(value)))
        return Node("mapping", line, end_line, items=items)

    def flatten(self, node: Any) -> None:
        """Apply the merge keys of a mapping with PyYAML's ``flatten_mapping``, bounded and cycle-free.

        The mappings it merges are flattened first, so the keys each one brings in are known
        (``merged_keys``) and the size of the result can be checked before PyYAML builds it.
        """
        if id(node) in self.merged_keys:
            return
        if any(node is open_node for open_node in self.flattening):
            raise YamlSyntaxError(
                "a merge key ('<<') refers to a mapping that contains it (a recursive structure)",
                node.start_mark.line + 1, hint="merge a mapping defined before this one", comfyui_fails=False)

        self.flattening.append(node)
        try:
            own = {id(key) for key, _value in node.value if key.tag != MERGE_TAG}
            own_names = {str(key.value) for key, _value in node.value
                         if key.tag != MERGE_TAG and isinstance(key, self.yaml.ScalarNode)}
            size = len(own)
            for key, value in node.value:
                if key.tag != MERGE_TAG:
                    continue
                sources = value.value if isinstance(value, self.yaml.SequenceNode) else [value]
                for source in sources:
                    if not isinstance(source, self.yaml.MappingNode):
                        raise YamlSyntaxError("a merge key ('<<') needs a mapping or a list of mappings",
                                              source.start_mark.line + 1,
                                              hint="point '<<' at an anchored mapping, for example '<<: *base'")
                    self.flatten(source)
                    size += len(source.value)
                if len(sources) > 1:
                    self.note_release_dependent(node, sources, own_names)
            self.visited += size
            if size > MAX_EXPANDED_NODES or self.visited > MAX_EXPANDED_NODES:
                raise YamlSyntaxError(
                    f"merge keys expand the document to more than {MAX_EXPANDED_NODES} nodes, so wfc stops "
                    "reading it", node.start_mark.line + 1, hint="write the keys out instead of merging",
                    comfyui_fails=False)
            try:
                self.constructor.flatten_mapping(node)
            except self.yaml.YAMLError as exc:
                raise YamlSyntaxError(_reason_of(exc), _line_of(exc, self.text)) from None
            self.merged_keys[id(node)] = {id(key) for key, _value in node.value if id(key) not in own}
        finally:
            self.flattening.pop()

    def note_release_dependent(self, node: Any, sources: list[Any], own_names: set[str]) -> None:
        """Record the keys that the mappings of one ``<<: [...]`` list give different values."""
        values: dict[str, set[tuple[str, str]]] = {}
        for source in sources:
            for key, value in source.value:
                text = value.value if isinstance(value, self.yaml.ScalarNode) else value.id
                values.setdefault(str(key.value), set()).add((value.tag, str(text)))
        names = {name for name, found in values.items() if len(found) > 1 and name not in own_names}
        if names:
            self.release_dependent.setdefault(id(node), set()).update(names)

    def construct(self, node: Any) -> Any:
        """Construct a node as safe_load does; a failure becomes YamlSyntaxError at the node's line."""
        line = node.start_mark.line + 1
        try:
            return self.constructor.construct_object(node, deep=True)
        except self.yaml.YAMLError as exc:
            reason = _reason_of(exc)
            hint = UNKNOWN_TAG_HINT if "constructor for the tag" in reason else None
            raise YamlSyntaxError(reason, _line_of(exc, self.text) or line, hint=hint) from None
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
            # PyYAML's scalar constructors raise plain Python errors for a bad value of a
            # standard tag (!!int x, !!bool maybe, !!timestamp x); safe_load lets them through.
            raise YamlSyntaxError(f"{node.value!r} is not a valid value for the tag {node.tag!r}", line,
                                  hint="remove the tag or fix the value") from None
