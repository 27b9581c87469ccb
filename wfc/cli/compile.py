"""``wfc compile``: compile specs into artifacts in the workflows folder.

Each spec gives ``<name>.json`` (the API-format graph) and ``<name>.manifest.json``. Files whose
bytes would not change are left alone, so a second run writes nothing. ``--check`` writes
nothing and exits 1 naming every stale or missing file, for CI and image builds.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

from wfc.diagnostics import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_USAGE)


@click.command("compile", context_settings={"help_option_names": ["-h", "--help"]},
               epilog="Exit codes: 0 compiled (or up to date with --check), 1 a spec failed to compile or lint, "
                      "or --check found stale files, 2 usage or configuration error.")
@click.argument("specs", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when an artifact is missing or stale.")
@click.option("-o", "--output", "output_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Folder for the artifacts. Default: [tool.wfc] workflows.")
@click.option("--catalog", "catalog_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Catalog to compile against (normalised catalog or raw object_info). Default: [tool.wfc] catalog.")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Settings file (pyproject.toml or wfc.toml). Default: the nearest pyproject.toml.")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "sarif", "github"]), default="text",
              help="Format of the findings.")
@click.option("--no-lint", is_flag=True, help="Skip the lint of the compiled graph (compile findings still apply).")
def compile_command(specs: tuple[Path, ...], check: bool, output_dir: Path | None, catalog_path: Path | None,
                    config_path: Path | None, output_format: str, no_lint: bool) -> None:
    """Compile SPECS (default: the *.py files of [tool.wfc] specs) into artifacts."""
    from wfc.catalog import CatalogError, load_catalog
    from wfc.compiler import compile_spec, default_specs, emit
    from wfc.config import ConfigError, load_config
    from wfc.diagnostics import FileResult, Report
    from wfc.spec.codes import display_path

    try:
        config = load_config(config_path)
        catalog_file = catalog_path or config.path("catalog")
        out_dir = output_dir or config.path("workflows", "workflows")
    except ConfigError as exc:
        _fail(str(exc))
    if catalog_file is None:
        _fail("no catalog: pass --catalog FILE or set catalog in [tool.wfc] of pyproject.toml")
    try:
        catalog = load_catalog(catalog_file)
    except CatalogError as exc:
        _fail(str(exc))
    assert out_dir is not None

    paths = list(specs) or default_specs(config)
    if not paths:
        click.echo("no specs to compile", err=True)
        sys.exit(EXIT_CLEAN)
    for path in paths:
        if not path.is_file():
            _fail(f"{path}: spec file not found")

    # Machine-readable findings own standard output; progress lines then go to standard error.
    progress_to_stderr = output_format != "text"
    report = Report()
    names: dict[str, Path] = {}
    failed = stale = 0
    for path in paths:
        artifact = compile_spec(path, catalog, config, lint=not no_lint)
        spec_label = display_path(path, config.root)
        report.files.append(FileResult(spec_label, "spec", artifact.diagnostics))
        if artifact.ok and artifact.name in names:
            click.echo(f"error: {spec_label}: workflow name {artifact.name!r} is also used by "
                       f"{display_path(names[artifact.name], config.root)}; rename one", err=True)
            failed += 1
            continue
        names[artifact.name] = path
        if not artifact.ok:
            failed += 1
            click.echo(f"{spec_label}: not compiled: it has errors", err=True)
            continue
        result = emit(artifact, out_dir, check=check)
        for written in result.written:
            click.echo(f"{display_path(written, config.root)}: written", err=progress_to_stderr)
        for outdated in result.stale:
            stale += 1
            click.echo(f"{display_path(outdated, config.root)}: stale; run `wfc compile {spec_label}`", err=True)
        if not result.written and not result.stale:
            click.echo(f"{spec_label}: up to date", err=progress_to_stderr)

    if any(result.diagnostics for result in report.files):
        from wfc.lint.reporters import render

        click.echo(render(report, output_format, color=False), err=output_format == "text")
    sys.exit(EXIT_FINDINGS if failed or stale else EXIT_CLEAN)
