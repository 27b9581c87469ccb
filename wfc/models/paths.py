"""``extra_model_paths.yaml``: parsing with line numbers, and the search path of every folder.

The semantics follow ComfyUI 0.3.64 (``utils/extra_config.py`` ``load_extra_path_config`` and
``folder_paths.add_model_folder_path``, commit a125cd84):

- every top-level key is a section and every section is loaded; a section whose value is null
  is skipped;
- ``base_path`` is expanded (``~`` first, then ``$VAR``/``${VAR}``) and, when relative, taken
  from the folder that contains the YAML file;
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

import os
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from wfc.config import ConfigError
from wfc.models.inputs import map_legacy

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
        folder_name = map_legacy(folder)
        return [entry.path for entry in self.entries if entry.folder == folder_name]


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
    """Expand a leading ``~`` or ``~/`` from ``HOME``, as ``os.path.expanduser`` does on POSIX.

    ``~user`` forms are looked up in the password database of this machine, as ComfyUI does on
    its own machine. They are left unchanged when the user does not exist.
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


def parse_model_paths(
    text: str,
    *,
    source: str = "extra_model_paths.yaml",
    location: str = "/",
    environ: Mapping[str, str] | None = None,
    extra_folders: tuple[str, ...] = (),
) -> ModelPaths:
    """Parse YAML text; faults become ``problems``, never exceptions.

    ``location`` is the folder that contains the file on the deployment, and relative paths are
    taken from it. ``environ`` supplies ``HOME`` and the variables for ``base_path`` (default: this
    process's environment). ``extra_folders`` adds folder names that are known to exist.
    """
    from wfc.models.sections import SectionReader, known_folders

    reader = SectionReader(source, posixpath.normpath(location), os.environ if environ is None else environ,
                           known_folders(extra_folders))
    return reader.read(text)


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
        """Return whether the extension filter admits a file name (case-insensitive, as in ComfyUI)."""
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
