"""``wfc compile``: compile specs into artifacts in the workflows folder.

Each spec gives ``<name>.json`` (the API-format graph) and ``<name>.manifest.json``. Files whose
bytes would not change are left alone, so a second run writes nothing. ``--check`` writes
nothing and exits 1 naming every stale or missing file, for CI and image builds.

Run over the default spec set, it also finds orphan artifacts (``wfc.artifact_orphans``): the
compile removes them and ``--check`` names them and exits 1. With explicit SPECS it leaves the
other artifacts alone, because the other specs were not built.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import click

from wfc.diagnostics import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _reproduce_flags(**options: Path | None) -> str:
    """Return `` --config X --catalog Y -o Z`` for the options given on the command line, shell-quoted."""
    spellings = {"config_path": "--config", "catalog_path": "--catalog", "output_dir": "-o"}
    parts = [f" {spellings[name]} {shlex.quote(str(value))}" for name, value in options.items() if value is not None]
    return "".join(parts)


@dataclass
class _OrphanCounts:
    stale: int = 0  # orphans found by --check
    failed: int = 0  # orphans that could not be removed


def _orphans(out_dir: Path, built: dict[Path, str], unbuilt: set[Path], root: Path, *, check: bool,
             to_stderr: bool, flags: str = "") -> _OrphanCounts:
    """Report the orphan artifacts of ``out_dir``; remove them unless ``check`` or a spec failed to build."""
    from wfc.artifact_orphans import find_orphans, remove_orphan
    from wfc.spec.codes import display_path

    counts = _OrphanCounts()
    for orphan in find_orphans(out_dir, built, unbuilt, root):
        files = " and ".join(display_path(path, root) for path in orphan.files)
        if check:
            counts.stale += 1
            click.echo(f"{files}: orphan artifact: {orphan.reason}; run `wfc compile{flags}` to remove it", err=True)
            continue
        if unbuilt:
            # A spec that failed to build may build this name, and the run fails anyway, so
            # nothing is removed yet.
            click.echo(f"{files}: orphan artifact: {orphan.reason}; not removed because "
                       f"{len(unbuilt)} spec(s) failed to build", err=True)
            continue
        try:
            removed = remove_orphan(orphan)
        except OSError as exc:
            counts.failed += 1
            click.echo(f"error: {files}: cannot remove the orphan artifact: {exc}", err=True)
            continue
        for path in removed:
            click.echo(f"{display_path(path, root)}: removed (orphan artifact: {orphan.reason})", err=to_stderr)
    return counts


@click.command("compile", context_settings={"help_option_names": ["-h", "--help"]},
               epilog="Exit codes: 0 compiled (or up to date with --check), 1 a spec failed to compile or lint, "
                      "or --check found stale or orphan files, 2 usage or configuration error.")
@click.argument("specs", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when an artifact is missing or stale, or (without SPECS) orphaned.")
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
    """Compile SPECS (default: the *.py files of [tool.wfc] specs) into artifacts.

    Without SPECS, artifacts in the output folder that no spec builds any more are removed.
    """
    from wfc.catalog import CatalogError, load_catalog
    from wfc.compiler import compile_spec, default_specs, emit, spec_path_problem
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
    # Orphans are looked for only over the whole default set, because with explicit SPECS the
    # other artifacts' specs are not built. A missing specs folder is a setting to fix, not a
    # reason to remove every artifact.
    specs_folder = config.path("specs", "specs")
    look_for_orphans = not specs and specs_folder is not None and specs_folder.exists()
    if not paths and not look_for_orphans:
        click.echo("no specs to compile", err=True)
        sys.exit(EXIT_CLEAN)
    for path in paths:
        problem = spec_path_problem(path)
        if problem is not None:
            _fail(problem)

    # The flags that decide the artifacts' bytes, so a stale message gives a command that reproduces them.
    flags = _reproduce_flags(config_path=config_path, catalog_path=catalog_path, output_dir=output_dir)

    # Machine-readable findings own standard output; progress lines then go to standard error.
    progress_to_stderr = output_format != "text"
    report = Report()
    names: dict[str, Path] = {}
    failed = stale = 0
    built: dict[Path, str] = {}
    unbuilt: set[Path] = set()
    for path in paths:
        artifact = compile_spec(path, catalog, config, lint=not no_lint)
        spec_label = display_path(path, config.root)
        report.files.append(FileResult(spec_label, "spec", artifact.diagnostics))
        if artifact.built:
            built[artifact.spec_path] = artifact.name
        else:
            unbuilt.add(artifact.spec_path)
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
            click.echo(f"{display_path(outdated, config.root)}: stale; run `wfc compile{flags} {shlex.quote(spec_label)}`",
                       err=True)
        if not result.written and not result.stale:
            click.echo(f"{spec_label}: up to date", err=progress_to_stderr)

    if look_for_orphans:
        orphan_findings = _orphans(out_dir, built, unbuilt, config.root, check=check, to_stderr=progress_to_stderr,
                                   flags=flags)
        stale += orphan_findings.stale
        failed += orphan_findings.failed

    if any(result.diagnostics for result in report.files):
        from wfc.lint.reporters import render

        click.echo(render(report, output_format, color=False), err=output_format == "text")
    sys.exit(EXIT_FINDINGS if failed or stale else EXIT_CLEAN)
