"""``wfc catalog``: import, pull and compare node catalogs, and generate the typed node stubs.

``import`` and ``pull`` both write the normalised catalog (``wfc-catalog/1``), the first from a
saved ``object_info`` dump, the second from a running ComfyUI. ``diff`` lists the changes
between two catalogs and marks those that break existing workflows. ``stubs`` belongs to the spec engine
(``wfc.stubs``) and is only registered here.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from wfc.diagnostics import EXIT_FINDINGS, EXIT_USAGE

# Matches the ComfyUI version in a dump named like "comfyui-0.3.64-blackwell.object_info.json".
_VERSION_IN_NAME = re.compile(r"comfyui-(\d+\.\d+\.\d+)", re.IGNORECASE)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file next to ``path`` and rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _read_json(path: Path, what: str, expected: str) -> Any:
    from wfc.catalog import CatalogError, read_json_file

    try:
        return read_json_file(path, what, expected)
    except CatalogError as exc:
        _fail(str(exc))


def read_packs(path: Path | None) -> dict[str, str]:
    """Read ``{pack label: [class, ...]}`` and return ``{class: pack label}``."""
    if path is None:
        return {}
    data = _read_json(path, "pack list", "a JSON object of pack label to a list of class names")
    if not isinstance(data, dict) or not all(isinstance(names, list) for names in data.values()):
        _fail(f"{path}: a pack list must be a JSON object of pack label -> list of class names")
    return {str(name): str(pack) for pack, names in data.items() for name in names}


@click.group("catalog", context_settings={"help_option_names": ["-h", "--help"]})
def catalog() -> None:
    """Import, pull and compare node catalogs (ComfyUI object_info)."""


@catalog.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="Where to write the normalised catalog, e.g. worker/catalog.json.")
@click.option("--packs", type=click.Path(path_type=Path, dir_okay=False),
              help="JSON file mapping node pack labels to their class names.")
@click.option("--comfyui-version", help="ComfyUI version to record; default: read from FILE's name.")
def import_command(file: Path, output: Path, packs: Path | None, comfyui_version: str | None) -> None:
    """Normalise a saved object_info dump (GET /object_info) into a catalog file."""
    from wfc.catalog import CatalogError, dump_catalog, from_object_info

    data = _read_json(file, "object_info dump", "the JSON of ComfyUI's GET /object_info")
    source: dict[str, Any] = {}
    version = comfyui_version or _version_from_name(file.name)
    if version:
        source["comfyui"] = version
    source["object_info"] = file.name

    try:
        result = from_object_info(data, source=source, packs=read_packs(packs))
    except CatalogError as exc:
        _fail(f"{file}: {exc}")
    write_atomic(output, dump_catalog(result))
    click.echo(f"{output}: {len(result)} classes, {result.digest}")


def _version_from_name(name: str) -> str | None:
    match = _VERSION_IN_NAME.search(name)
    return match.group(1) if match else None


@catalog.command("pull")
@click.argument("url")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="Where to write the normalised catalog.")
@click.option("--packs", type=click.Path(path_type=Path, dir_okay=False),
              help="JSON file mapping node pack labels to their class names.")
@click.option("--timeout", type=float, default=60.0, show_default=True,
              help="Seconds to wait for each HTTP response.")
def pull_command(url: str, output: Path, packs: Path | None, timeout: float) -> None:
    """Read GET URL/object_info from a running ComfyUI and write the normalised catalog."""
    from wfc.catalog import CatalogError, dump_catalog, from_object_info
    from wfc.catalog_pull import PullError, pull_object_info

    try:
        data, version = pull_object_info(url, timeout=timeout)
    except PullError as exc:
        _fail(str(exc))
    source: dict[str, Any] = {}
    if version:
        source["comfyui"] = version
    source["url"] = url.rstrip("/")

    try:
        result = from_object_info(data, source=source, packs=read_packs(packs))
    except CatalogError as exc:
        _fail(f"{url}/object_info: {exc}")
    write_atomic(output, dump_catalog(result))
    click.echo(f"{output}: {len(result)} classes from {url}, {result.digest}")


@catalog.command("diff")
@click.argument("old", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("new", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@click.option("--breaking-only", is_flag=True, help="List only the changes that break existing workflows.")
def diff_command(old: Path, new: Path, output_format: str, breaking_only: bool) -> None:
    """Compare two catalogs (normalised or raw object_info) and mark breaking changes.

    Exits 1 when any change breaks existing workflows, 0 otherwise.
    """
    from wfc.catalog import CatalogError, load_catalog
    from wfc.catalog_diff import diff_catalogs, format_text

    try:
        before = load_catalog(old)
        after = load_catalog(new)
    except CatalogError as exc:
        _fail(str(exc))

    changes = diff_catalogs(before, after)
    if breaking_only:
        changes = [change for change in changes if change.breaking]
    if output_format == "json":
        document = {
            "version": 1,
            "old": str(old),
            "new": str(new),
            "changes": [change.to_json() for change in changes],
            "summary": {
                "changes": len(changes),
                "breaking": sum(1 for change in changes if change.breaking),
            },
        }
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        click.echo(format_text(changes, str(old), str(new)))
    sys.exit(EXIT_FINDINGS if any(change.breaking for change in changes) else 0)


@catalog.command("stubs")
@click.option("--catalog", "catalog_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Catalog to generate from; default: [tool.wfc] catalog.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Where to write the stubs.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when the stubs are stale.")
def stubs_command(catalog_path: Path | None, output: Path | None, check: bool) -> None:
    """Generate the typed node classes that specs import (implemented by wfc.stubs)."""
    try:
        import wfc.stubs as stubs
    except ModuleNotFoundError as exc:
        if exc.name not in ("wfc.stubs",):
            raise
        _fail("node stub generation is not available: the module wfc.stubs is not installed in this version of wfc")
    sys.exit(stubs.main(catalog_path, output, check) or 0)
