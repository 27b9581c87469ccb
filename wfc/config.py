"""Settings from ``[tool.wfc]`` in the nearest ``pyproject.toml``, overridable by flags.

Each area of wfc reads its own subsection (``[tool.wfc.contract]``, ``[tool.wfc.model_inputs]``)
through ``Config.section`` and validates it there. The top-level keys of every area are listed in
``KNOWN_KEYS``, so a misspelt key is a configuration error instead of a setting that silently
does nothing. A new setting needs its key added there. Relative paths in the settings are taken
from the folder of the file that declares them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    """A settings file cannot be read or holds an invalid value."""


# Every top-level key of [tool.wfc], with the area that reads it. Sub-tables (contract,
# model_inputs, models_environment) are validated by their own areas.
KNOWN_KEYS: dict[str, str] = {
    "catalog": "node catalog file (lint, compile, import, convert, graph, catalog stubs)",
    "specs": "folder of workflow specs (lint, compile)",
    "workflows": "folder of compiled workflows (lint, compile, models check)",
    "stubs": "generated node classes module (catalog stubs, compile, import)",
    "contract": "table: what the consumer of compiled workflows requires (lint)",
    "model_inputs": "table: extra model-file inputs of node classes (lint, models)",
    "model_paths": "extra_model_paths.yaml of the deployment (models, lint)",
    "profile": "section of extra_model_paths.yaml that is the deployment (models, lint)",
    "models_manifest": "model manifest file (models)",
    "comfyui_root": "ComfyUI's folder on the deployment (models)",
    "model_paths_location": "folder of extra_model_paths.yaml on the deployment (models)",
    "models_environment": "table: variables base_path expands with on the deployment (models)",
}


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
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue  # an unreadable pyproject.toml declares no settings; look further up
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
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a settings file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the settings file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: the settings file is not UTF-8 text (byte {exc.start} is invalid); "
                          "pass a pyproject.toml or wfc.toml saved as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None

    if path.name == "pyproject.toml":
        data = document.get("tool", {}).get("wfc", {})
    else:
        data = document.get("tool", {}).get("wfc", document)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: [tool.wfc] must be a table")
    check_keys(data, path)
    return Config(root=path.resolve().parent, data=data, source=path)


def check_keys(data: dict[str, Any], source: Path | str) -> None:
    """Raise ConfigError naming every key of ``data`` that is not in ``KNOWN_KEYS``."""
    unknown = [key for key in data if key not in KNOWN_KEYS]
    if not unknown:
        return

    import difflib

    problems = []
    for key in unknown:
        guesses = difflib.get_close_matches(key, list(KNOWN_KEYS), n=1, cutoff=0.6)
        problems.append(f"{key!r} (did you mean {guesses[0]!r}?)" if guesses else repr(key))
    noun = "key" if len(unknown) == 1 else "keys"
    raise ConfigError(f"{source}: unknown {noun} in [tool.wfc]: {', '.join(problems)}; "
                      f"known keys: {', '.join(KNOWN_KEYS)}")
