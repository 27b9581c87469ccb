"""Folder listings and name lookup, computed the way ComfyUI 0.3.64 computes them.

A folder's listing (the options of its loaders' COMBO inputs) is the sorted union of the files
below every path of its search path that pass the folder's extension filter. ComfyUI accepts an
input value only when it is in that listing, and loads the file from the first path, in search
order, where the name is a file (``folder_paths.get_full_path``).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from wfc.models.files import DeploymentFiles
from wfc.models.inputs import map_legacy
from wfc.models.paths import FolderSearch, SearchPath


@dataclass(frozen=True)
class Location:
    """The place of one listed name: the search path that lists it and the file's full path."""

    search: SearchPath
    full_path: str


class Resolver:
    """Listings and lookups of every folder against one deployment's files."""

    def __init__(self, folders: dict[str, FolderSearch], files: DeploymentFiles) -> None:
        self.folders = folders
        self.files = files
        self._entries: dict[str, dict[str, list[Location]]] = {}

    def folder(self, name: str) -> FolderSearch | None:
        return self.folders.get(map_legacy(name))

    def entries(self, folder: str) -> dict[str, list[Location]]:
        """Map each listed name of a folder to every place it appears, in search order."""
        folder = map_legacy(folder)
        cached = self._entries.get(folder)
        if cached is not None:
            return cached
        result: dict[str, list[Location]] = {}
        search = self.folders.get(folder)
        if search is not None:
            for entry in search.paths:
                for name in self.files.files_under(entry.path):
                    if search.accepts(name):
                        result.setdefault(name, []).append(Location(entry, posixpath.join(entry.path, name)))
        self._entries[folder] = result
        return result

    def listing(self, folder: str) -> list[str]:
        """Return the names a loader of this folder offers, sorted as ComfyUI sorts them."""
        return sorted(self.entries(folder))

    def locate(self, folder: str, name: str) -> Location | None:
        """Return where ComfyUI loads ``name`` from: the first path where it is a file."""
        for location in self.entries(folder).get(name, []):
            if self.files.is_file(location.full_path):
                return location
        return None

    def unfiltered(self, folder: str) -> dict[str, list[Location]]:
        """Map every file below the folder's paths, extension filter ignored, to its places."""
        result: dict[str, list[Location]] = {}
        search = self.folders.get(map_legacy(folder))
        if search is not None:
            for entry in search.paths:
                for name in self.files.files_under(entry.path):
                    result.setdefault(name, []).append(Location(entry, posixpath.join(entry.path, name)))
        return result
