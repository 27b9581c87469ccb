"""Reading the sections of ``extra_model_paths.yaml`` from a YAML node tree.

``SectionReader`` walks the tree the way ComfyUI 0.3.64's ``load_extra_path_config`` walks the
loaded dict and builds the sections and their path entries. It records a ``PathProblem`` for
every fault: an error where ComfyUI would fail to start, and a warning where ComfyUI would
silently do something the author probably did not mean.
"""

from __future__ import annotations

import difflib
import posixpath
from typing import Any, Mapping

from wfc.models.inputs import LEGACY_FOLDERS, map_legacy
from wfc.models.paths import (
    COMFYUI_FOLDERS,
    RESERVED_KEYS,
    ModelPaths,
    PathEntry,
    PathProblem,
    Section,
    expand_user,
    expand_variables,
)
from wfc.models.yaml_nodes import Node, YamlSyntaxError, compose


def known_folders(extra: tuple[str, ...] = ()) -> set[str]:
    """Return the folder names ComfyUI and the known node packs define, legacy names included."""
    from wfc.models.inputs import builtin_model_inputs

    names = set(COMFYUI_FOLDERS) | set(LEGACY_FOLDERS) | set(extra)
    for inputs in builtin_model_inputs().values():
        for folders in inputs.values():
            names.update(folders)
    return names


class SectionReader:
    """Interprets a YAML node tree as ComfyUI's load_extra_path_config does, collecting problems."""

    def __init__(self, source: str, location: str, environ: Mapping[str, str], folders: set[str]) -> None:
        self.result = ModelPaths(source=source, location=location)
        self.environ = environ
        self.folders = folders
        self.folders_lower = {name.lower(): name for name in folders}

    def problem(self, severity: str, message: str, node: Node | None = None, **extra: Any) -> None:
        line = node.line if node is not None else None
        self.result.problems.append(PathProblem(severity, message, line, **extra))

    def read(self, text: str) -> ModelPaths:
        self.check_tabs(text)
        try:
            root = compose(text)
        except YamlSyntaxError as exc:
            if not any(problem.line == exc.line for problem in self.result.problems):
                if exc.comfyui_fails:
                    message = f"invalid YAML: {exc.reason}; ComfyUI fails to start on this file"
                else:
                    message = f"cannot check this file: {exc.reason}"
                self.result.problems.append(PathProblem("error", message, exc.line, hint=exc.hint))
            return self.result

        if root is None or (root.kind == "scalar" and root.value is None):
            self.problem("error", "the file holds no sections; ComfyUI 0.3.64 fails to start on an empty "
                         "extra_model_paths.yaml", hint="add a section such as 'comfyui:' with a "
                         "base_path and folder keys, or delete the file")
            return self.result
        if root.kind != "mapping":
            self.problem("error", "the top level must be a mapping of section names to sections, "
                         f"not a {root.kind}; ComfyUI fails to start on it", root)
            return self.result

        seen: dict[str, int] = {}
        for key_node, value_node in root.items:
            name = self.scalar_text(key_node)
            if name in seen and not key_node.merged:
                self.problem("warning", f"section {name!r} appears again (first at line {seen[name]}); "
                             "ComfyUI loads only the last one", key_node, section=name)
            elif not key_node.merged:
                seen[name] = key_node.line
            self.read_section(name, key_node, value_node)
        return self.result

    def check_tabs(self, text: str) -> None:
        for number, line in enumerate(text.splitlines(), start=1):
            indent = line[: len(line) - len(line.lstrip(" \t"))]
            if "\t" in indent:
                self.result.problems.append(PathProblem(
                    "error", "a tab in the indentation; YAML allows only spaces there and ComfyUI "
                    "fails to start on this file", number, hint="replace the tab with spaces"))

    def scalar_text(self, node: Node) -> str:
        return node.text if node.kind == "scalar" else f"<{node.kind}>"

    def read_section(self, name: str, key_node: Node, value_node: Node) -> None:
        line = key_node.line
        if value_node.kind == "scalar":
            value = value_node.value
            if value is None or value == "":
                self.problem("warning", f"section {name!r} is empty; ComfyUI skips it", key_node, section=name)
                return
            if name in RESERVED_KEYS or map_legacy(name) in self.folders:
                self.problem(
                    "error",
                    f"{name!r} sits at the top level, where ComfyUI expects a section name; "
                    "ComfyUI fails to start on this file",
                    key_node, section=name,
                    hint=f"put '{name}: {value}' under a section name, indented, for example 'comfyui:'",
                )
            else:
                self.problem(
                    "error",
                    f"section {name!r} holds the scalar {value!r} where a mapping of "
                    "folder keys belongs; ComfyUI fails to start on this file",
                    key_node, section=name,
                    hint="write the section as indented 'base_path: ...' and 'folder: path' lines",
                )
            return
        if value_node.kind != "mapping":
            self.problem("error", f"section {name!r} holds a {value_node.kind} where a mapping of folder "
                         "keys belongs; ComfyUI fails to start on this file", value_node, section=name)
            return

        section = Section(name=name, line=line)
        self.result.sections.append(section)
        pairs = [(self.scalar_text(key), key, value) for key, value in value_node.items]
        self.check_repeats(name, pairs)
        self.check_merged(name, key_node, pairs)

        # PyYAML keeps the last value of a repeated key at the place of the first one.
        last: dict[str, tuple[Node, Node]] = {}
        order: list[str] = []
        for key, key_item, value_item in pairs:
            if key not in last:
                order.append(key)
            last[key] = (key_item, value_item)

        base_path = self.parse_base_path(section, last)
        section.base_path = base_path
        section.is_default = self.parse_is_default(section, last)

        for key in order:
            if key in RESERVED_KEYS:
                continue
            key_item, value_item = last[key]
            self.check_folder_key(section, key, key_item)
            self.read_folder(section, key, key_item, value_item, base_path)

    def check_repeats(self, section: str, pairs: list[tuple[str, Node, Node]]) -> None:
        first: dict[str, int] = {}
        for key, key_item, _value in pairs:
            if key_item.merged:
                continue  # a key of the mapping itself overrides a merged one without a warning
            if key in first:
                self.problem("warning", f"key {key!r} appears again in section {section!r} (first at line "
                             f"{first[key]}); ComfyUI uses only the last value", key_item,
                             section=section, key=key)
            else:
                first[key] = key_item.line

    def check_merged(self, section: str, section_key: Node, pairs: list[tuple[str, Node, Node]]) -> None:
        """Warn about a key whose value depends on the PyYAML release (see wfc.models.yaml_safe)."""
        names = dict.fromkeys(key for key, key_item, _value in pairs if key_item.release_dependent)
        for key in names:
            self.problem("warning", f"key {key!r} of section {section!r} comes from several mappings of one "
                         "'<<: [...]' list with different values; PyYAML 6.0.4 uses the last of them and older "
                         "releases the first, so the path depends on the deployment's PyYAML", section_key,
                         section=section, key=key, hint=f"write {key!r} in the section itself")

    def parse_base_path(self, section: Section, pairs: dict[str, tuple[Node, Node]]) -> str | None:
        if "base_path" not in pairs:
            return None
        key_item, value_item = pairs["base_path"]
        value = value_item.value if value_item.kind == "scalar" else None
        if not isinstance(value, str):
            self.problem("error", f"base_path of section {section.name!r} must be a path string, not "
                         f"{_describe(value_item, value)}; ComfyUI fails to start on it", key_item,
                         section=section.name, key="base_path")
            return None

        expanded, unset = expand_variables(expand_user(value, self.environ), self.environ)
        for name in unset:
            self.problem("warning", f"base_path of section {section.name!r} uses ${name}, which is not set; "
                         "ComfyUI keeps the text unchanged when a variable is unset", key_item,
                         section=section.name, key="base_path",
                         hint=f"set {name} in the environment wfc runs in, as on the deployment")
        if "\\" in expanded:
            self.problem("warning", f"base_path {value!r} contains a backslash, which is an ordinary "
                         "character in a Linux path", key_item, section=section.name, key="base_path",
                         hint="use '/' between folders")
        if not expanded:
            return None
        if not posixpath.isabs(expanded):
            expanded = posixpath.normpath(posixpath.join(self.result.location, expanded))
        return expanded

    def parse_is_default(self, section: Section, pairs: dict[str, tuple[Node, Node]]) -> bool:
        if "is_default" not in pairs:
            return False
        key_item, value_item = pairs["is_default"]
        value = bool(value_item.items) if value_item.kind == "mapping" else value_item.value
        if isinstance(value, str) and value.strip().lower() in {"false", "no", "off", "0", ""}:
            self.problem("warning", f"is_default of section {section.name!r} is the string {value!r}, which "
                         "Python treats as true, so ComfyUI puts this section's paths first", key_item,
                         section=section.name, key="is_default",
                         hint="write is_default: false without quotes, or remove the key")
        return bool(value)

    def check_folder_key(self, section: Section, key: str, key_item: Node) -> None:
        if key in self.folders:
            return
        lower = key.lower()
        if lower in self.folders_lower or lower in RESERVED_KEYS:
            intended = self.folders_lower.get(lower, lower)
            self.problem(
                "warning",
                f"key {key!r} in section {section.name!r} differs only in case from {intended!r}; "
                f"ComfyUI compares keys exactly, so it creates a separate folder {key!r} that no "
                "loader lists",
                key_item, section=section.name, key=key, hint=f"write {intended!r}",
            )
            return
        close = difflib.get_close_matches(key, sorted(self.folders), n=1, cutoff=0.75)
        if close:
            self.problem(
                "warning",
                f"key {key!r} in section {section.name!r} is not a known folder; ComfyUI creates a new "
                "folder of that name that accepts every file, and the loaders of known node packs do "
                "not list it",
                key_item, section=section.name, key=key, hint=f"did you mean {close[0]!r}?",
            )

    def read_folder(self, section: Section, key: str, key_item: Node, value_item: Node, base_path: str | None) -> None:
        value = value_item.value if value_item.kind == "scalar" else None
        if not isinstance(value, str):
            self.problem(
                "error",
                f"folder key {key!r} in section {section.name!r} holds {_describe(value_item, value)} where "
                "a path string belongs; ComfyUI fails to start on it",
                key_item, section=section.name, key=key,
                hint="give one path, or several paths one per line in a literal block ('key: |')",
            )
            return

        spans_lines = value_item.end_line > value_item.line
        if value_item.style in (None, ">") and spans_lines and "\n" not in value.strip("\n"):
            self.problem(
                "warning",
                f"the value of {key!r} in section {section.name!r} spans several lines but YAML folds it "
                f"into the single path {value!r}",
                key_item, section=section.name, key=key,
                hint=f"write '{key}: |' and put one path per line below it",
            )

        line = key_item.line
        folder = map_legacy(key)
        for piece in value.split("\n"):
            if not piece:
                continue
            self.check_piece(section, key, key_item, piece)
            if base_path:
                full = posixpath.join(base_path, piece)
            elif posixpath.isabs(piece):
                full = piece
            else:
                full = posixpath.join(self.result.location, piece)
            section.entries.append(PathEntry(
                section.name, key, folder, posixpath.normpath(full), line, section.is_default))

    def check_piece(self, section: Section, key: str, key_item: Node, piece: str) -> None:
        if piece != piece.strip():
            self.problem("warning", f"path {piece!r} of {key!r} in section {section.name!r} has leading or "
                         "trailing spaces, which ComfyUI keeps as part of the folder name", key_item,
                         section=section.name, key=key, hint="remove the spaces")
        if "\\" in piece:
            self.problem("warning", f"path {piece!r} of {key!r} in section {section.name!r} contains a "
                         "backslash, which is an ordinary character in a Linux path", key_item,
                         section=section.name, key=key, hint=f"write {piece.replace(chr(92), '/')!r}")
        if piece.startswith("~") or "$" in piece:
            self.problem("warning", f"path {piece!r} of {key!r} in section {section.name!r} is not expanded; "
                         "ComfyUI expands '~' and variables only in base_path", key_item,
                         section=section.name, key=key, hint="move the expandable part into base_path")


def _describe(node: Node, value: Any) -> str:
    if node.kind == "list":
        return "a list"
    if node.kind == "mapping":
        return "a mapping"
    if node.kind == "set":
        return "a set"
    if value is None:
        return "nothing (null)"
    return f"the {type(value).__name__} {value!r}"
