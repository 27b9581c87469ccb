"""``wfc convert``: lower an editor (UI-format) workflow to ComfyUI's API format.

Writes the prompt to ``-o`` (through a temporary file and a rename, so a failed run never leaves
half a file) or to standard output, and prints conversion diagnostics to standard error.
Exit codes: 0 converted cleanly, 1 conversion diagnostics at error severity, 2 usage error
(unreadable file, not a UI workflow, unusable catalog).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import click

from wfc.diagnostics import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, Diagnostic, Severity

DEFAULT_CATALOG = Path("worker") / "catalog.json"


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _load_catalog(catalog_path: str | None):  # type: ignore[no-untyped-def]
    from wfc.catalog import CatalogError, load_catalog

    path = Path(catalog_path) if catalog_path else _configured_catalog()
    try:
        return load_catalog(path)
    except CatalogError as exc:
        _fail(f"{exc}; pass a catalog with --catalog FILE")


def _configured_catalog() -> Path:
    """Return the catalog named by ``catalog`` in [tool.wfc], else the worker image's catalog."""
    from wfc.config import ConfigError, load_config

    try:
        configured = load_config().path("catalog")
    except ConfigError as exc:
        _fail(str(exc))
    return configured if configured is not None else DEFAULT_CATALOG


def _read_document(path: Path) -> dict:  # type: ignore[type-arg]
    from wfc.graph import is_ui_format, parse_document

    try:
        raw = path.read_bytes()
    except OSError as exc:
        _fail(f"{path}: cannot read the file: {exc.strerror or exc}")
    document = parse_document(raw)
    if document.problems and document.data is None:
        problem = document.problems[0]
        where = f":{problem.position.line}:{problem.position.column}" if problem.position else ""
        _fail(f"{path}{where}: {problem.message}")
    if not is_ui_format(document.data):
        _fail(f"{path}: not an editor (UI-format) workflow: it has no top-level 'nodes' list and 'links'; "
              "an API-format prompt needs no conversion")
    return document.data  # type: ignore[no-any-return]


def _format(path: Path, diagnostic: Diagnostic) -> str:
    where = f" node {diagnostic.node}" if diagnostic.node else ""
    title = f" ({diagnostic.title})" if diagnostic.title else ""
    text = f"{path}:{where}{title}: {diagnostic.code} {diagnostic.severity}: {diagnostic.message}"
    if diagnostic.hint:
        text += f" (hint: {diagnostic.hint})"
    return text


def _write_atomically(target: Path, text: str) -> None:
    directory = target.parent if str(target.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@click.command("convert", epilog="Exit codes: 0 converted, 1 conversion errors, 2 usage or configuration error.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the API-format prompt to this file instead of standard output.")
@click.option("--catalog", "catalog_path", type=click.Path(dir_okay=False),
              help="Catalog file (wfc catalog or raw object_info dump); default: [tool.wfc] catalog, "
                   "else worker/catalog.json.")
def convert(file: Path, output: Path | None, catalog_path: str | None) -> None:
    """Lower an editor (UI-format) workflow FILE to ComfyUI's API format, as ComfyUI's frontend does."""
    from wfc.convert import convert_ui

    data = _read_document(file)
    catalog = _load_catalog(catalog_path)
    conversion = convert_ui(data, catalog)

    for diagnostic in conversion.diagnostics:
        click.echo(_format(file, diagnostic), err=True)

    text = json.dumps(conversion.prompt, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        try:
            _write_atomically(output, text)
        except OSError as exc:
            _fail(f"{output}: cannot write the prompt: {exc.strerror or exc}")

    errors = sum(1 for diagnostic in conversion.diagnostics if diagnostic.severity == Severity.ERROR)
    sys.exit(EXIT_FINDINGS if errors else EXIT_CLEAN)
