"""``extra_model_paths.yaml``: parsing with line numbers, and the search path of every folder.

The semantics follow ComfyUI 0.3.64 (``utils/extra_config.py`` ``load_extra_path_config`` and
``folder_paths.add_model_folder_path``, commit a125cd84):

- every top-level key is a section and every section is loaded; a section whose value is null
  is skipped;
- ``base_path`` is expanded (``~`` first, then ``$VAR``/``${VAR}``) and, when relative, taken
  from the folder that holds the YAML file;
- every other key is a folder; its value holds one path per line, empty lines skipped; a path is
  joined to ``base_path`` (an absolute path stays as it is) or, without ``base_path``, to the
  YAML's folder, then normalised;
- ``is_default`` (any true value) puts the section's paths first in their folder;
- ``clip`` means ``text_encoders`` and ``unet`` means ``diffusion_models``;
- a key that is not a known folder creates a new folder that accepts every file.

ComfyUI's own folders under its root (``models/<folder>``) come first, then the YAML's paths in
file order, then ``output/checkpoints``, ``output/clip`` and ``output/vae``, which ``main.py``
adds after loading the YAML.

Faults that make ComfyUI crash on start (a scalar where a section belongs, a list or number
where a path belongs, an empty file) are errors; faults it silently accepts with a surprising
result (a key that differs only in case from a folder, a plain scalar folded over several lines,
backslashes, a quoted ``"false"`` for ``is_default``) are warnings. Each names the line.
"""

from __future__ import annotations

import difflib
import os
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from wfc.config import ConfigError
from wfc.models.inputs import LEGACY_FOLDERS, map_legacy

# ComfyUI 0.3.64 folder_paths.supported_pt_extensions.
PT_EXTENSIONS = frozenset({".ckpt", ".pt", ".pt2", ".bin", ".pth", ".safetensors", ".pkl", ".sft"})

# ComfyUI 0.3.64's built-in folders: folder -> (paths relative to the ComfyUI root, extensions).
# An empty extension set accepts every file; {""} accepts only files without an extension.
COMFYUI_FOLDERS: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "checkpoints": (("models/checkpoints",), PT_EXTENSIONS),
    "configs": (("models/configs",), frozenset({".yaml"})),
    "loras": (("models/loras",), PT_EXTENSIONS),
    "vae": (("models/vae",), PT_EXTENSIONS),
    "text_encoders": (("models/text_encoders", "models/clip"), PT_EXTENSIONS),
    "diffusion_models": (("models/unet", "models/diffusion_models"), PT_EXTENSIONS),
    "clip_vision": (("models/clip_vision",), PT_EXTENSIONS),
    "style_models": (("models/style_models",), PT_EXTENSIONS),
    "embeddings": (("models/embeddings",), PT_EXTENSIONS),
    "diffusers": (("models/diffusers",), frozenset({"folder"})),
    "vae_approx": (("models/vae_approx",), PT_EXTENSIONS),
    "controlnet": (("models/controlnet", "models/t2i_adapter"), PT_EXTENSIONS),
    "gligen": (("models/gligen",), PT_EXTENSIONS),
    "upscale_models": (("models/upscale_models",), PT_EXTENSIONS),
    "custom_nodes": (("custom_nodes",), frozenset()),
    "hypernetworks": (("models/hypernetworks",), PT_EXTENSIONS),
    "photomaker": (("models/photomaker",), PT_EXTENSIONS),
    "classifiers": (("models/classifiers",), frozenset({""})),
    "model_patches": (("models/model_patches",), PT_EXTENSIONS),
    "audio_encoders": (("models/audio_encoders",), PT_EXTENSIONS),
}

# Folders ComfyUI's main.py adds after the YAML: folder -> path relative to the output folder.
OUTPUT_FOLDERS = {"checkpoints": "checkpoints", "text_encoders": "clip", "vae": "vae"}

RESERVED_KEYS = ("base_path", "is_default")

_VARIABLE = re.compile(r"\$(\w+|\{[^}]*\})", re.ASCII)


class ModelPathsError(ConfigError):
    """An ``extra_model_paths.yaml`` cannot be read, or ComfyUI would fail on it."""


@dataclass(frozen=True)
class PathProblem:
    """A fault in the YAML file, with its 1-based line (None when the whole file is at fault)."""

    severity: str  # "error" (ComfyUI fails to start) or "warning" (ComfyUI accepts it silently)
    message: str
    line: int | None = None
    section: str | None = None
    key: str | None = None
    hint: str | None = None

    def describe(self, source: str) -> str:
        where = f"{source}:{self.line}" if self.line else source
        text = f"{where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


@dataclass(frozen=True)
class PathEntry:
    """One path of one folder key of one section, as ComfyUI registers it."""

    section: str
    key: str  # the key as written (``clip``)
    folder: str  # the folder it registers into (``text_encoders``)
    path: str  # absolute and normalised
    line: int
    is_default: bool


@dataclass
class Section:
    """One top-level section of the YAML (a profile)."""

    name: str
    line: int
    base_path: str | None = None
    is_default: bool = False
    entries: list[PathEntry] = field(default_factory=list)

    def folder_paths(self, folder: str) -> list[str]:
        """Return this section's paths for ``folder`` in file order (legacy names mapped)."""
        wanted = map_legacy(folder)
        return [entry.path for entry in self.entries if entry.folder == wanted]


@dataclass
class ModelPaths:
    """A parsed ``extra_model_paths.yaml``."""

    source: str  # how messages name the file
    location: str  # the folder the file sits in on the deployment (anchors relative paths)
    sections: list[Section] = field(default_factory=list)
    problems: list[PathProblem] = field(default_factory=list)

    @property
    def errors(self) -> list[PathProblem]:
        return [problem for problem in self.problems if problem.severity == "error"]

    def section(self, name: str) -> Section | None:
        for section in reversed(self.sections):  # PyYAML keeps the last of repeated keys
            if section.name == name:
                return section
        return None

    def section_names(self) -> list[str]:
        return list(dict.fromkeys(section.name for section in self.sections))

    def entries(self) -> list[PathEntry]:
        return [entry for section in self.loaded_sections() for entry in section.entries]

    def loaded_sections(self) -> list[Section]:
        """Return the sections ComfyUI loads: for a repeated name only the last, at the first's place."""
        seen: dict[str, Section] = {}
        for section in self.sections:
            seen.setdefault(section.name, section)
        return [self.section(name) or seen[name] for name in seen]

    def require_valid(self) -> "ModelPaths":
        """Return self, or raise ModelPathsError listing every error."""
        if self.errors:
            lines = [problem.describe(self.source) for problem in self.errors]
            raise ModelPathsError("\n".join(lines))
        return self


# --- expansion ----------------------------------------------------------------------------------


def expand_user(path: str, environ: Mapping[str, str]) -> str:
    """Expand a leading ``~`` or ``~/`` as ``os.path.expanduser`` does on POSIX, from ``HOME``.

    ``~user`` forms are looked up in the password database of this machine, as ComfyUI does on
    its own; they are left unchanged when the user does not exist.
    """
    if not path.startswith("~"):
        return path
    end = path.find("/", 1)
    if end < 0:
        end = len(path)
    if end == 1:
        home = environ.get("HOME")
        if home is None:
            return path
    else:
        try:
            import pwd

            home = pwd.getpwnam(path[1:end]).pw_dir
        except (ImportError, KeyError):
            return path
    home = home.rstrip("/")
    return (home + path[end:]) or "/"


def expand_variables(path: str, environ: Mapping[str, str]) -> tuple[str, list[str]]:
    """Expand ``$NAME`` and ``${NAME}`` as ``os.path.expandvars``; return the text and unset names."""
    unset: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("{"):
            name = name[1:-1]
        if name in environ:
            return environ[name]
        unset.append(name)
        return match.group(0)

    return _VARIABLE.sub(replace, path), unset


# --- parsing ------------------------------------------------------------------------------------


def known_folders(extra: tuple[str, ...] = ()) -> set[str]:
    """Return the folder names ComfyUI and the known node packs define, legacy names included."""
    from wfc.models.inputs import builtin_model_inputs

    names = set(COMFYUI_FOLDERS) | set(LEGACY_FOLDERS) | set(extra)
    for inputs in builtin_model_inputs().values():
        for folders in inputs.values():
            names.update(folders)
    return names


class _Parser:
    def __init__(self, source: str, location: str, environ: Mapping[str, str], folders: set[str]) -> None:
        self.result = ModelPaths(source=source, location=location)
        self.environ = environ
        self.folders = folders
        self.folders_lower = {name.lower(): name for name in folders}

    def problem(self, severity: str, message: str, node: Any = None, **extra: Any) -> None:
        line = node.start_mark.line + 1 if node is not None else None
        self.result.problems.append(PathProblem(severity, message, line, **extra))

    def parse(self, text: str) -> ModelPaths:
        import yaml

        self.check_tabs(text)
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            reason = getattr(exc, "problem", None) or str(exc)
            if not any(problem.line == line for problem in self.result.problems):
                self.result.problems.append(PathProblem(
                    "error", f"invalid YAML: {reason}; ComfyUI fails to start on this file", line))
            return self.result

        if root is None or (isinstance(root, yaml.ScalarNode) and root.tag.endswith(":null")):
            self.problem("error", "the file holds no sections; ComfyUI 0.3.64 fails to start on an empty "
                         "extra_model_paths.yaml", hint="add a section such as 'comfyui:' with a "
                         "base_path and folder keys, or delete the file")
            return self.result
        if not isinstance(root, yaml.MappingNode):
            self.problem("error", "the top level must be a mapping of section names to sections, "
                         f"not a {_kind(root)}; ComfyUI fails to start on it", root)
            return self.result

        seen: dict[str, int] = {}
        for key_node, value_node in root.value:
            name = self.scalar_text(key_node)
            if name in seen:
                self.problem("warning", f"section {name!r} appears again (first at line {seen[name]}); "
                             "ComfyUI loads only the last one", key_node, section=name)
            else:
                seen[name] = key_node.start_mark.line + 1
            self.parse_section(name, key_node, value_node)
        return self.result

    def check_tabs(self, text: str) -> None:
        for number, line in enumerate(text.splitlines(), start=1):
            indent = line[: len(line) - len(line.lstrip(" \t"))]
            if "\t" in indent:
                self.result.problems.append(PathProblem(
                    "error", "a tab in the indentation; YAML allows only spaces there and ComfyUI "
                    "fails to start on this file", number, hint="replace the tab with spaces"))

    def scalar_text(self, node: Any) -> str:
        import yaml

        if isinstance(node, yaml.ScalarNode):
            return str(node.value)
        return f"<{_kind(node)}>"

    def construct(self, node: Any) -> Any:
        import yaml

        return yaml.SafeLoader("").construct_object(node, deep=True)

    def parse_section(self, name: str, key_node: Any, value_node: Any) -> None:
        import yaml

        line = key_node.start_mark.line + 1
        if isinstance(value_node, yaml.ScalarNode):
            value = self.construct(value_node)
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
                    f"section {name!r} holds the {_kind(value_node)} {value!r} where a mapping of "
                    "folder keys belongs; ComfyUI fails to start on this file",
                    key_node, section=name,
                    hint="write the section as indented 'base_path: ...' and 'folder: path' lines",
                )
            return
        if not isinstance(value_node, yaml.MappingNode):
            self.problem("error", f"section {name!r} holds a {_kind(value_node)} where a mapping of folder "
                         "keys belongs; ComfyUI fails to start on this file", value_node, section=name)
            return

        section = Section(name=name, line=line)
        self.result.sections.append(section)
        pairs = [(self.scalar_text(key), key, value) for key, value in value_node.value]
        self.check_repeats(name, pairs)

        # PyYAML keeps the last value of a repeated key at the place of the first one.
        last: dict[str, tuple[Any, Any]] = {}
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
            self.parse_folder(section, key, key_item, value_item, base_path)

    def check_repeats(self, section: str, pairs: list[tuple[str, Any, Any]]) -> None:
        first: dict[str, int] = {}
        for key, key_item, _value in pairs:
            if key in first:
                self.problem("warning", f"key {key!r} appears again in section {section!r} (first at line "
                             f"{first[key]}); ComfyUI uses only the last value", key_item,
                             section=section, key=key)
            else:
                first[key] = key_item.start_mark.line + 1

    def parse_base_path(self, section: Section, pairs: dict[str, tuple[Any, Any]]) -> str | None:
        import yaml

        if "base_path" not in pairs:
            return None
        key_item, value_item = pairs["base_path"]
        value = self.construct(value_item) if isinstance(value_item, yaml.ScalarNode) else None
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

    def parse_is_default(self, section: Section, pairs: dict[str, tuple[Any, Any]]) -> bool:
        if "is_default" not in pairs:
            return False
        key_item, value_item = pairs["is_default"]
        value = self.construct(value_item)
        if isinstance(value, str) and value.strip().lower() in {"false", "no", "off", "0", ""}:
            self.problem("warning", f"is_default of section {section.name!r} is the string {value!r}, which "
                         "Python treats as true, so ComfyUI puts this section's paths first", key_item,
                         section=section.name, key="is_default",
                         hint="write is_default: false without quotes, or remove the key")
        return bool(value)

    def check_folder_key(self, section: Section, key: str, key_item: Any) -> None:
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

    def parse_folder(self, section: Section, key: str, key_item: Any, value_item: Any, base_path: str | None) -> None:
        import yaml

        value = self.construct(value_item) if isinstance(value_item, yaml.ScalarNode) else None
        if not isinstance(value, str):
            self.problem(
                "error",
                f"folder key {key!r} in section {section.name!r} holds {_describe(value_item, value)} where "
                "a path string belongs; ComfyUI fails to start on it",
                key_item, section=section.name, key=key,
                hint="give one path, or several paths one per line in a literal block ('key: |')",
            )
            return

        spans_lines = value_item.end_mark.line > value_item.start_mark.line
        if value_item.style in (None, ">") and spans_lines and "\n" not in value.strip("\n"):
            self.problem(
                "warning",
                f"the value of {key!r} in section {section.name!r} spans several lines but YAML folds it "
                f"into the single path {value!r}",
                key_item, section=section.name, key=key,
                hint=f"write '{key}: |' and put one path per line below it",
            )

        line = key_item.start_mark.line + 1
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

    def check_piece(self, section: Section, key: str, key_item: Any, piece: str) -> None:
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


def _kind(node: Any) -> str:
    import yaml

    if isinstance(node, yaml.MappingNode):
        return "mapping"
    if isinstance(node, yaml.SequenceNode):
        return "list"
    return "scalar"


def _describe(node: Any, value: Any) -> str:
    import yaml

    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if value is None:
        return "nothing (null)"
    return f"the {type(value).__name__} {value!r}"


def parse_model_paths(
    text: str,
    *,
    source: str = "extra_model_paths.yaml",
    location: str = "/",
    environ: Mapping[str, str] | None = None,
    extra_folders: tuple[str, ...] = (),
) -> ModelPaths:
    """Parse YAML text; faults become ``problems``, never exceptions.

    ``location`` is the folder that holds the file on the deployment; relative paths are taken
    from it. ``environ`` supplies ``HOME`` and the variables for ``base_path`` (default: this
    process's environment). ``extra_folders`` adds folder names that are known to exist.
    """
    parser = _Parser(source, posixpath.normpath(location), os.environ if environ is None else environ,
                     known_folders(extra_folders))
    return parser.parse(text)


def load_model_paths(
    path: str | Path,
    *,
    location: str | None = None,
    environ: Mapping[str, str] | None = None,
    extra_folders: tuple[str, ...] = (),
) -> ModelPaths:
    """Read and parse a YAML file; raise ModelPathsError only when it cannot be read.

    ``location`` defaults to the file's own folder on this machine.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ModelPathsError(f"{path}: model-path file not found") from None
    except OSError as exc:
        raise ModelPathsError(f"{path}: cannot read the model-path file: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ModelPathsError(f"{path}: the model-path file is not UTF-8 text ({exc.reason} at byte "
                              f"{exc.start}); ComfyUI reads it as UTF-8") from None
    if location is None:
        location = str(path.resolve().parent)
    return parse_model_paths(text, source=str(path), location=location, environ=environ,
                             extra_folders=extra_folders)


# --- search paths -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchPath:
    """One folder ComfyUI searches for one model folder, and where it was registered."""

    path: str
    origin: str  # "comfyui" (its root), "yaml" (a section), "output" (main.py's output folders)
    section: str | None = None
    key: str | None = None
    line: int | None = None

    def describe(self) -> str:
        if self.origin == "yaml":
            return f"{self.path} (section {self.section!r}, key {self.key!r})"
        if self.origin == "output":
            return f"{self.path} (ComfyUI's output folder)"
        return f"{self.path} (ComfyUI's own folder)"


@dataclass
class FolderSearch:
    """The search path and extension filter of one model folder."""

    name: str
    paths: list[SearchPath]
    extensions: frozenset[str]  # empty: every file

    def accepts(self, name: str) -> bool:
        """Whether the extension filter admits a file name (case-insensitive, as in ComfyUI)."""
        if not self.extensions:
            return True
        return posixpath.splitext(name)[1].lower() in self.extensions


def _register(folders: dict[str, FolderSearch], folder: str, entry: SearchPath, is_default: bool) -> None:
    folder = map_legacy(folder)
    existing = folders.get(folder)
    if existing is None:
        folders[folder] = FolderSearch(folder, [entry], frozenset())
        return
    paths = [item.path for item in existing.paths]
    if entry.path in paths:
        if is_default and paths[0] != entry.path:
            index = paths.index(entry.path)
            existing.paths.insert(0, existing.paths.pop(index))
        return
    if is_default:
        existing.paths.insert(0, entry)
    else:
        existing.paths.append(entry)


def search_paths(
    model_paths: ModelPaths | None,
    comfyui_root: str,
    *,
    output_folders: bool = True,
    output_directory: str | None = None,
) -> dict[str, FolderSearch]:
    """Return every folder's search path, in ComfyUI's order, as ComfyUI 0.3.64 builds it at start.

    ``output_folders`` adds the ``output/checkpoints``, ``output/clip`` and ``output/vae`` paths
    that ``main.py`` registers after the YAML (``output_directory`` defaults to
    ``<comfyui_root>/output``).
    """
    root = posixpath.normpath(comfyui_root)
    folders = {
        name: FolderSearch(name, [SearchPath(posixpath.join(root, sub), "comfyui") for sub in subs], extensions)
        for name, (subs, extensions) in COMFYUI_FOLDERS.items()
    }
    if model_paths is not None:
        for entry in model_paths.entries():
            _register(folders, entry.folder,
                      SearchPath(entry.path, "yaml", entry.section, entry.key, entry.line), entry.is_default)
    if output_folders:
        output = posixpath.normpath(output_directory or posixpath.join(root, "output"))
        for folder, sub in OUTPUT_FOLDERS.items():
            _register(folders, folder, SearchPath(posixpath.join(output, sub), "output"), False)
    return folders
