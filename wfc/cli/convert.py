"""``wfc convert``: lower an editor (UI-format) workflow to ComfyUI's API format.

Writes the prompt to ``-o`` (through a temporary file and a rename, so a failed run never leaves
half a file) or to standard output, and prints conversion diagnostics to standard error.
The exit codes follow ``wfc lint``. 0: converted cleanly. 1: findings, which are a file that is
not valid JSON or not an editor workflow, or conversion diagnostics at error severity. 2: usage
or configuration error, such as a file that does not exist or cannot be read, or an unusable
catalog or settings file.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from wfc.diagnostics import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, Diagnostic, Severity

if TYPE_CHECKING:
    from wfc.graph import Document

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


def _read_document(path: Path) -> dict | None:  # type: ignore[type-arg]
    """Return the editor document in ``path``, or None after reporting why its content is not one."""
    from wfc.convert.codes import NOT_UI_FORMAT, make
    from wfc.graph import is_ui_format, parse_document

    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        _fail(f"{path}: file not found")
    except OSError as exc:
        _fail(f"{path}: cannot read the file: {exc.strerror or exc}")
    document = parse_document(raw)
    if document.problems and document.data is None:
        for diagnostic in _parse_findings(path, document):
            click.echo(_format(path, diagnostic), err=True)
        return None
    if not is_ui_format(document.data):
        found = "an API-format prompt, which needs no conversion" if _looks_like_api(document.data) else \
            "it has no top-level 'nodes' list and 'links'"
        click.echo(_format(path, make(NOT_UI_FORMAT, f"not an editor (UI-format) workflow: {found}",
                                      hint="pass a workflow saved by ComfyUI's editor (Workflow > Save)")), err=True)
        return None
    return document.data  # type: ignore[no-any-return]


def _parse_findings(path: Path, document: Document) -> list[Diagnostic]:
    """Report why a file is not readable JSON, with the codes and wording of ``wfc lint``."""
    from wfc.lint.context import LintContext
    from wfc.lint.structure import report_parse_problems

    ctx = LintContext(path=str(path), catalog=None, config=None, data=None, document=document)
    report_parse_problems(ctx, document.problems)
    for problem, diagnostic in zip(document.problems, ctx.diagnostics):
        if problem.kind == "invalid_json":  # lint's hint names the API export, which this file is not
            diagnostic.hint = "save the workflow again from ComfyUI's editor (Workflow > Save)"
    return ctx.diagnostics


def _looks_like_api(data: object) -> bool:
    return isinstance(data, dict) and bool(data) and all(
        isinstance(node, dict) and "class_type" in node for node in data.values())


def _format(path: Path, diagnostic: Diagnostic) -> str:
    """Render one finding as ``path[:line:col]: [node N (title): ]CODE severity: message (hint: ...)``."""
    from wfc.lint.reporters.text_format import escape_controls

    text = str(path)
    if diagnostic.line is not None:
        text += f":{diagnostic.line}:{diagnostic.column or 1}"
    if diagnostic.node:
        text += f": node {diagnostic.node}"
    if diagnostic.title:
        text += f" ({diagnostic.title})"
    text += f": {diagnostic.code} {diagnostic.severity}: {diagnostic.message}"
    if diagnostic.hint:
        text += f" (hint: {diagnostic.hint})"
    return escape_controls(text)


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


@click.command("convert", epilog="Exit codes: 0 converted, 1 findings (a file that is not an editor workflow, "
                                 "conversion errors), 2 usage or configuration error.")
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
    if data is None:
        sys.exit(EXIT_FINDINGS)
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
