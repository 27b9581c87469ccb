"""The files of a deployment: a real folder, a saved ``find`` listing, or the model manifest.

Paths are deployment paths (``/runpod-volume/vae/x.safetensors``), the ones ComfyUI uses on the
worker. A real folder on this machine is used in place of one deployment folder (``--root DIR`` for the
profile's ``base_path``); a listing is the output of ``find VOLUME -type f`` taken on the
deployment; the manifest places each of its files in the profile's layout.

Listings under a folder follow ComfyUI's ``recursive_search``: recursive, ``/``-separated,
symbolic links to folders followed, ``.git`` folders skipped.
"""

from __future__ import annotations

import bisect
import os
import posixpath
from pathlib import Path
from typing import Iterable

EXCLUDED_FOLDERS = (".git",)


def _under(path: str, directory: str) -> str | None:
    """Return ``path`` relative to ``directory``, or None when it is not inside it."""
    if directory == "/":
        return path[1:] if path.startswith("/") and len(path) > 1 else None
    if path.startswith(directory + "/"):
        return path[len(directory) + 1:]
    return None


class DeploymentFiles:
    """The files of one deployment, addressed by deployment path."""

    description = "deployment"

    def files_under(self, directory: str) -> list[str]:
        """Return every file below ``directory``, relative and ``/``-separated, unsorted."""
        raise NotImplementedError

    def is_file(self, path: str) -> bool:
        raise NotImplementedError

    def all_files(self) -> Iterable[str]:
        """Return the deployment path of every file this source contains."""
        raise NotImplementedError


class VirtualFiles(DeploymentFiles):
    """A fixed set of file paths (from a listing or the manifest)."""

    def __init__(self, paths: Iterable[str], description: str) -> None:
        self.paths = sorted({posixpath.normpath(path) for path in paths})
        self.lookup = set(self.paths)
        self.description = description

    def files_under(self, directory: str) -> list[str]:
        directory = posixpath.normpath(directory)
        prefix = "/" if directory == "/" else directory + "/"
        start = bisect.bisect_left(self.paths, prefix)
        result = []
        for path in self.paths[start:]:
            if not path.startswith(prefix):
                break
            relative = path[len(prefix):]
            if any(part in EXCLUDED_FOLDERS for part in relative.split("/")[:-1]):
                continue
            result.append(relative)
        return result

    def is_file(self, path: str) -> bool:
        return posixpath.normpath(path) in self.lookup

    def all_files(self) -> Iterable[str]:
        return list(self.paths)


class DirectoryFiles(DeploymentFiles):
    """A real folder on this machine, used in place of deployment folder ``mount``."""

    def __init__(self, local_root: str | Path, mount: str) -> None:
        self.local_root = Path(local_root)
        self.mount = posixpath.normpath(mount)
        self.description = f"folder {self.local_root} (as {self.mount})"
        self._cache: dict[str, list[str]] = {}

    def local(self, path: str) -> Path | None:
        path = posixpath.normpath(path)
        if path == self.mount:
            return self.local_root
        relative = _under(path, self.mount)
        return None if relative is None else self.local_root / relative

    def files_under(self, directory: str) -> list[str]:
        directory = posixpath.normpath(directory)
        if directory in self._cache:
            return self._cache[directory]
        local = self.local(directory)
        result: list[str] = []
        if local is not None and local.is_dir():
            base = str(local)
            for current, subdirs, filenames in os.walk(base, followlinks=True):
                subdirs[:] = [name for name in subdirs if name not in EXCLUDED_FOLDERS]
                relative_dir = os.path.relpath(current, base)
                for name in filenames:
                    relative = name if relative_dir == "." else f"{relative_dir}/{name}"
                    result.append(relative.replace(os.sep, "/"))
        self._cache[directory] = result
        return result

    def is_file(self, path: str) -> bool:
        local = self.local(path)
        return local is not None and local.is_file()

    def all_files(self) -> Iterable[str]:
        prefix = "" if self.mount == "/" else self.mount
        return [f"{prefix}/{relative}" for relative in self.files_under(self.mount)]


class ListingError(ValueError):
    """A saved listing cannot be read."""


def read_listing(path: str | Path, base: str) -> VirtualFiles:
    """Read the output of ``find DIR -type f``; relative lines are taken from ``base``.

    Lines that ``find`` writes for its own errors (``find: ...``) and empty lines are skipped.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
    except FileNotFoundError:
        raise ListingError(f"{path}: listing not found") from None
    except OSError as exc:
        raise ListingError(f"{path}: cannot read the listing: {exc.strerror}") from None
    return parse_listing(text, base, f"listing {path}")


def parse_listing(text: str, base: str, description: str = "listing") -> VirtualFiles:
    paths = []
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if not line.strip() or line.startswith("find: "):
            continue
        if line.startswith("/"):
            paths.append(line)
        else:
            paths.append(posixpath.join(base, line[2:] if line.startswith("./") else line))
    return VirtualFiles(paths, description)
