"""Settings from ``[tool.wfc]`` in the nearest ``pyproject.toml``, overridable by flags.

Each area of wfc reads its own subsection (``[tool.wfc.contract]``, ``[tool.wfc.model_inputs]``)
through ``Config.section``, so adding a setting needs no change here. Relative paths in the
settings are taken from the folder of the file that declares them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    """A settings file cannot be read or holds an invalid value."""


@dataclass
class Config:
    """The ``[tool.wfc]`` table of one project, with its root folder."""

    root: Path
    data: dict[str, Any] = field(default_factory=dict)
    source: Path | None = None

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def section(self, name: str) -> dict[str, Any]:
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{self.source}: [tool.wfc.{name}] must be a table, not {type(value).__name__}")
        return value

    def path(self, key: str, default: str | None = None) -> Path | None:
        """Return a path setting resolved against the project root, or None when unset."""
        value = self.data.get(key, default)
        if value is None:
            return None
        if not isinstance(value, str):
            raise ConfigError(f"{self.source}: tool.wfc.{key} must be a path string, not {value!r}")
        return (self.root / value).resolve()


def find_pyproject(start: Path) -> Path | None:
    """Return the nearest ``pyproject.toml`` with a ``[tool.wfc]`` table at or above ``start``."""
    start = start.resolve()
    for folder in [start, *start.parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                with candidate.open("rb") as handle:
                    if "wfc" in tomllib.load(handle).get("tool", {}):
                        return candidate
            except (OSError, tomllib.TOMLDecodeError):
                continue
    return None


def load_config(config_file: str | Path | None = None, start: Path | None = None) -> Config:
    """Load settings from ``config_file`` or the nearest ``pyproject.toml``.

    ``config_file`` may be a ``pyproject.toml`` (its ``[tool.wfc]`` table is used) or a
    standalone ``wfc.toml`` (its top level is the table). Without either, defaults apply and the
    root is the current folder.
    """
    if config_file is None:
        found = find_pyproject(start or Path.cwd())
        if found is None:
            return Config(root=(start or Path.cwd()).resolve())
        config_file = found

    path = Path(config_file)
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: settings file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the settings file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None

    if path.name == "pyproject.toml":
        data = document.get("tool", {}).get("wfc", {})
    else:
        data = document.get("tool", {}).get("wfc", document)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: [tool.wfc] must be a table")
    return Config(root=path.resolve().parent, data=data, source=path)
