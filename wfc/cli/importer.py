"""``wfc import``: write a typed spec from an API-format or editor-format workflow.

Editor (UI) files are lowered to the API format first with ``wfc.convert`` when it is
available. The spec calls the generated node classes when the catalog is the one they were
generated from, and the generic ``node(...)`` call otherwise. The image inputs of the project's
``[tool.wfc.contract]`` become image parameters (see ``wfc.importer``).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import NoReturn

import click

from wfc.diagnostics import EXIT_FINDINGS, EXIT_USAGE

_DIGEST_LINE = re.compile(r'^CATALOG_DIGEST = "([^"]+)"$', re.MULTILINE)


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _stubs_digest(path: Path) -> str | None:
    """Read the catalog digest the generated node module was built from, without importing it."""
    try:
        match = _DIGEST_LINE.search(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None
    return match.group(1) if match else None


@click.command("import", context_settings={"help_option_names": ["-h", "--help"]},
               epilog="Exit codes: 0 written, 1 the workflow cannot be imported, 2 usage or configuration error.")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="Spec file to write, e.g. specs/my_workflow.py.")
@click.option("--name", help="Workflow name (the artifact's file name). Default: the output file's name.")
@click.option("--catalog", "catalog_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Catalog of the workflow's node classes. Default: [tool.wfc] catalog.")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Settings file (pyproject.toml or wfc.toml). Default: the nearest pyproject.toml.")
@click.option("--generic", is_flag=True, help="Use node(\"ClassType\", ...) calls even where generated classes exist.")
@click.option("--force", is_flag=True, help="Overwrite OUTPUT when it exists.")
def import_command(file: Path, output: Path, name: str | None, catalog_path: Path | None, config_path: Path | None,
                   generic: bool, force: bool) -> None:
    """Write a spec from FILE, an API-format or editor-format workflow JSON."""
    from wfc.catalog import CatalogError, load_catalog
    from wfc.compiler import write_if_changed
    from wfc.config import ConfigError, load_config
    from wfc.graph import is_ui_format, parse_document
    from wfc.importer import WorkflowImportError, import_workflow

    try:
        config = load_config(config_path)
        catalog_file = catalog_path or config.path("catalog")
    except ConfigError as exc:
        _fail(str(exc))
    if catalog_file is None:
        _fail("no catalog: pass --catalog FILE or set catalog in [tool.wfc] of pyproject.toml")
    try:
        catalog = load_catalog(catalog_file)
    except CatalogError as exc:
        _fail(str(exc))
    if output.exists() and not force:
        _fail(f"{output} exists; pass --force to overwrite it")

    try:
        raw = file.read_bytes()
    except OSError as exc:
        _fail(f"{file}: cannot read the workflow: {exc}")
    document = parse_document(raw)
    if document.data is None:
        problem = document.problems[0]
        where = f":{problem.position.line}" if problem.position else ""
        _fail(f"{file}{where}: {problem.message}", EXIT_FINDINGS)
    data = document.data

    if is_ui_format(data):
        try:
            from wfc.convert import convert_ui
        except ImportError:
            _fail(f"{file} is an editor-format (UI) workflow; export it with Export (API) in the ComfyUI "
                  "menu and import that file", EXIT_FINDINGS)
        conversion = convert_ui(data, catalog)
        for diagnostic in conversion.diagnostics:
            click.echo(f"{file}: {diagnostic.code} {diagnostic.severity}: {diagnostic.message}", err=True)
        data = conversion.prompt

    stubs_path = config.root / str(config.get("stubs", "specs/nodes.py"))
    use_stubs = not generic and _stubs_digest(stubs_path) == catalog.digest
    workflow_name = name or re.sub(r"\W", "_", output.stem)
    try:
        result = import_workflow(data, catalog, name=workflow_name, use_stubs=use_stubs, source=file.name,
                                 config=config)
    except WorkflowImportError as exc:
        _fail(f"{file}: {exc}", EXIT_FINDINGS)
    except ConfigError as exc:
        _fail(str(exc))

    try:
        write_if_changed(output, result.text.encode("utf-8"))
    except OSError as exc:
        _fail(f"{output}: cannot write the spec: {exc}")
    for note in result.notes:
        click.echo(f"{file}: note: {note}", err=True)
    style = "generated node classes" if use_stubs else "generic node() calls"
    click.echo(f"{output}: wrote workflow {workflow_name!r} ({len(data)} nodes, {style})")
