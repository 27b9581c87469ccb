"""One deployment target: the model-path YAML, the chosen profile, and the files really there.

Settings, all in ``[tool.wfc]`` and overridable by the caller:

- ``model_paths``: the ``extra_model_paths.yaml`` the deployment's ComfyUI loads;
- ``profile``: the section whose ``base_path`` is the deployment's volume;
- ``models_manifest``: the model manifest, the default source of the deployment's files;
- ``comfyui_root``: ComfyUI's folder on the deployment (default ``/opt/ComfyUI``), whose
  ``models/<folder>`` paths come first in every search path;
- ``model_paths_location``: the folder that contains the YAML on the deployment, which anchors
  relative paths (default: ``comfyui_root``, where ComfyUI reads ``extra_model_paths.yaml``);
- ``models_environment``: the variables (``HOME`` included) that ``base_path`` expands with on the
  deployment; without it this process's environment is used.

ComfyUI loads every section, so the search paths come from the whole file; the profile only
decides which volume the files belong to and where the manifest's files go.

A deployment may have no ``extra_model_paths.yaml`` at all (no ``model_paths`` setting, or
``no_model_paths``). ComfyUI then searches only its own folders under ``comfyui_root``, the
files are addressed from ``comfyui_root``, and the manifest's files go to
``<comfyui_root>/models/<folder>``.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from wfc.config import Config, ConfigError
from wfc.models.files import DeploymentFiles, DirectoryFiles, ListingError, VirtualFiles, read_listing
from wfc.models.manifest import Manifest, ManifestError, PlacementError, load_manifest, placement
from wfc.models.paths import (
    COMFYUI_FOLDERS,
    FolderSearch,
    ModelPaths,
    ModelPathsError,
    PathEntry,
    Section,
    load_model_paths,
    search_paths,
)
from wfc.models.resolve import Resolver

DEFAULT_COMFYUI_ROOT = "/opt/ComfyUI"


@dataclass
class Deployment:
    """Everything model checks need about one deployment target."""

    model_paths: ModelPaths | None  # None: ComfyUI without extra_model_paths.yaml
    profile: Section | None
    comfyui_root: str
    folders: dict[str, FolderSearch]
    files: DeploymentFiles
    manifest: Manifest | None
    source: str  # "root", "listing" or "manifest"
    resolver: Resolver = field(init=False)

    def __post_init__(self) -> None:
        self.resolver = Resolver(self.folders, self.files)

    @property
    def layout(self) -> Section:
        """Return the section whose paths give the place of each folder's files.

        This is the profile, or ComfyUI's own folders when there is no model-path file.
        """
        return self.profile if self.profile is not None else comfyui_layout(self.comfyui_root)

    @property
    def volume(self) -> str:
        """Return the deployment folder that ``--root`` replaces and that listings are relative to."""
        return volume_of(self.profile, self.model_paths, self.comfyui_root)


def volume_of(profile: Section | None, model_paths: ModelPaths | None, comfyui_root: str) -> str:
    """Return the profile's base_path (or the YAML's folder), or ``comfyui_root`` without a profile."""
    if profile is None:
        return comfyui_root
    if profile.base_path:
        return profile.base_path
    return model_paths.location if model_paths is not None else comfyui_root


COMFYUI_LAYOUT = "ComfyUI's own folders"


def comfyui_layout(comfyui_root: str) -> Section:
    """Return ComfyUI's own folders as a section, for a deployment without a model-path file.

    A folder with several default paths uses the one named after it (``models/diffusion_models``
    rather than the legacy ``models/unet``), otherwise its first.
    """
    root = posixpath.normpath(comfyui_root)
    section = Section(name=COMFYUI_LAYOUT, line=0, base_path=root)
    for folder, (subfolders, _extensions) in COMFYUI_FOLDERS.items():
        named = [sub for sub in subfolders if posixpath.basename(sub) == folder]
        sub = (named or list(subfolders))[0]
        section.entries.append(PathEntry(COMFYUI_LAYOUT, folder, folder, posixpath.join(root, sub), 0, False))
    return section


def deployment_from_files(
    model_paths: ModelPaths | None,
    profile: str | None,
    comfyui_root: str,
    files: DeploymentFiles,
    *,
    manifest: Manifest | None = None,
    source: str = "listing",
) -> Deployment:
    """Build a deployment from parts already in hand (a parsed YAML and a file source)."""
    section = model_paths.section(profile) if model_paths is not None and profile else None
    if profile and section is None:
        raise ModelPathsError(f"profile {profile!r} not found in the model-path file")
    folders = search_paths(model_paths, comfyui_root)
    return Deployment(model_paths, section, posixpath.normpath(comfyui_root), folders, files, manifest, source)


def _string_setting(config: Config, key: str, default: str | None) -> str | None:
    value = config.get(key, default)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{config.source}: tool.wfc.{key} must be a string, not {value!r}")
    return value


def _environment(config: Config) -> Mapping[str, str]:
    table = config.get("models_environment")
    if table is None:
        return os.environ
    if not isinstance(table, dict) or not all(isinstance(value, str) for value in table.values()):
        raise ConfigError(f"{config.source}: tool.wfc.models_environment must be a table of strings")
    return table


def comfyui_root_of(config: Config, comfyui_root: str | None = None) -> str:
    """Return ComfyUI's folder on the deployment: ``comfyui_root`` or the setting, normalised."""
    value = comfyui_root or _string_setting(config, "comfyui_root", DEFAULT_COMFYUI_ROOT) or DEFAULT_COMFYUI_ROOT
    if not posixpath.isabs(value):
        raise ConfigError(f"the ComfyUI root {value!r} must be an absolute path on the deployment, such as "
                          f"{DEFAULT_COMFYUI_ROOT}")
    return posixpath.normpath(value)


def load_profile(config: Config, profile: str | None, model_paths_file: str | Path | None = None, *,
                 comfyui_root: str | None = None) -> tuple[ModelPaths, Section, str]:
    """Load the YAML and pick the profile; raise ModelPathsError when either is unusable.

    The YAML is read before the profile is looked up, so its faults are reported even when no
    profile is given.
    """
    path = Path(model_paths_file) if model_paths_file else config.path("model_paths")
    if path is None:
        raise ConfigError("no model-path file: set tool.wfc.model_paths to the extra_model_paths.yaml")

    root = comfyui_root_of(config, comfyui_root)
    location = _string_setting(config, "model_paths_location", None) or root
    model_paths = load_model_paths(path, location=location, environ=_environment(config))
    model_paths.require_valid()

    name = profile or _string_setting(config, "profile", None)
    names = ", ".join(model_paths.section_names()) or "none"
    if not name:
        raise ConfigError(f"no profile given: pass --profile NAME (sections of {path}: {names}) or set "
                          "tool.wfc.profile")
    section = model_paths.section(name)
    if section is None:
        raise ModelPathsError(f"{path}: profile {name!r} not found; sections: {names}")
    return model_paths, section, root


def manifest_files(manifest: Manifest, section: Section) -> VirtualFiles:
    """Return the manifest's files placed in a profile's layout (or ``comfyui_layout``'s)."""
    try:
        paths = [placement(model, section) for model in manifest.files]
    except PlacementError as exc:
        raise ManifestError(f"{manifest.path}: {exc}") from None
    return VirtualFiles(paths, f"manifest {manifest.path}")


def load_deployment(
    config: Config,
    profile: str | None = None,
    *,
    root: str | Path | None = None,
    listing: str | Path | None = None,
    model_paths_file: str | Path | None = None,
    manifest_file: str | Path | None = None,
    no_model_paths: bool = False,
    comfyui_root: str | None = None,
) -> Deployment:
    """Build the deployment for a profile; the files come from ``root``, ``listing`` or the manifest.

    Without a model-path file (``no_model_paths``, or neither ``model_paths_file`` nor the
    ``model_paths`` setting), the deployment is ComfyUI's own folders under ``comfyui_root``
    (default: the ``comfyui_root`` setting), and ``root`` replaces that folder.
    Raises ConfigError (ModelPathsError, ManifestError) for settings, YAML or manifest faults.
    """
    if root is not None and listing is not None:
        raise ConfigError("give either a folder (--root) or a listing (--listing), not both")
    model_paths: ModelPaths | None = None
    section: Section | None = None
    if no_model_paths:
        if model_paths_file is not None or profile:
            raise ConfigError("--no-model-paths checks ComfyUI's own folders only, so it takes no "
                              "--model-paths or --profile")
        root_folder = comfyui_root_of(config, comfyui_root)
    elif model_paths_file is None and config.path("model_paths") is None:
        configured = profile or _string_setting(config, "profile", None)
        if configured:
            raise ConfigError(f"profile {configured!r} needs a model-path file: pass --model-paths FILE or "
                              "set tool.wfc.model_paths, or pass --no-model-paths to check ComfyUI's own "
                              "folders only")
        root_folder = comfyui_root_of(config, comfyui_root)
    else:
        model_paths, section, root_folder = load_profile(config, profile, model_paths_file,
                                                         comfyui_root=comfyui_root)
    folders = search_paths(model_paths, root_folder)

    manifest: Manifest | None = None
    manifest_path = Path(manifest_file) if manifest_file else config.path("models_manifest")
    if manifest_path is not None and (manifest_file or manifest_path.exists() or (root is None and listing is None)):
        manifest = load_manifest(manifest_path)

    volume = volume_of(section, model_paths, root_folder)
    files: DeploymentFiles
    if root is not None:
        if not Path(root).is_dir():
            raise ConfigError(f"{root}: --root must be an existing folder")
        files, source = DirectoryFiles(root, volume), "root"
    elif listing is not None:
        try:
            files, source = read_listing(listing, volume), "listing"
        except ListingError as exc:
            raise ConfigError(str(exc)) from None
    else:
        if manifest is None:
            raise ConfigError("no files to check against: pass --root DIR or --listing FILE, "
                              "or set tool.wfc.models_manifest")
        layout = section if section is not None else comfyui_layout(root_folder)
        files, source = manifest_files(manifest, layout), "manifest"
    return Deployment(model_paths, section, root_folder, folders, files, manifest, source)


_CACHE: dict[Any, Deployment] = {}


def cached_deployment(config: Config, profile: str | None, **options: Any) -> Deployment:
    """Return ``load_deployment``'s result, reused while the files it read are unchanged.

    ``wfc lint`` checks many workflows against one deployment. The cache key contains the
    settings and the modification times of the YAML and the manifest, so an edit is noticed.
    """
    def stamp(path: Path | None) -> float | None:
        try:
            return path.stat().st_mtime if path is not None else None
        except OSError:
            return None

    yaml_path = Path(options["model_paths_file"]) if options.get("model_paths_file") else config.path("model_paths")
    manifest_path = Path(options["manifest_file"]) if options.get("manifest_file") else config.path("models_manifest")
    key = (
        str(config.root), repr(sorted(config.data.items(), key=lambda item: item[0])), profile,
        tuple(sorted((name, str(value)) for name, value in options.items())),
        stamp(yaml_path), stamp(manifest_path),
    )
    found = _CACHE.get(key)
    if found is None:
        found = load_deployment(config, profile, **options)
        _CACHE.clear()
        _CACHE[key] = found
    return found
