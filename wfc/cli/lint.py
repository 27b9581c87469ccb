"""``wfc lint``: check API JSON, editor JSON, compiled artifacts and specs against the catalog."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from wfc.diagnostics import EXIT_USAGE, Severity

HELP_EPILOG = """\b
Exit codes: 0 clean, 1 findings at or above the failing severity (errors; warnings too with
--strict), 2 usage or configuration error (bad flag, unreadable catalog or settings, a path
that does not exist, a folder with no file to lint, a file kind this installation cannot lint).
\b
Rule selectors for --select and --ignore: a code (WFC202), a code prefix (WFC2), a rule name
(required-input-missing) or a family (structure, catalog, graph, contract, models). Specs
silence one line with a comment: # wfc: ignore[WFC208]."""


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _selectors(values: tuple[str, ...]) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def _resolve(values: tuple[str, ...]) -> set[str] | None:
    from wfc.lint.registry import resolve_selector

    tokens = _selectors(values)
    if not tokens:
        return None
    codes: set[str] = set()
    for token in tokens:
        try:
            codes |= resolve_selector(token)
        except ValueError as exc:
            _fail(str(exc))
    return codes


def _list_rules() -> None:
    from wfc.lint.registry import load_all

    for code, declared in sorted(load_all().items()):
        click.echo(f"{code}  {declared.name:28} {declared.family:9} {str(declared.severity):8} {declared.summary}")


def _explain(code: str) -> None:
    from wfc.lint.registry import NAMES, load_all

    rules = load_all()
    key = NAMES.get(code, code.upper())
    if key not in rules:
        _fail(f"unknown rule {code!r}; see `wfc lint --list-rules`")
    click.echo(rules[key].explain())


@click.command("lint", epilog=HELP_EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--catalog", "catalog_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Node catalog: a file from `wfc catalog import` or a raw object_info dump. Default: [tool.wfc] catalog.")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Settings file (pyproject.toml or wfc.toml). Default: the nearest pyproject.toml with [tool.wfc].")
@click.option("--profile", help="Model profile (a section of extra_model_paths.yaml) for the model-file checks.")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "sarif", "github"]), default="text",
              show_default=True, help="Output format.")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.option("--select", multiple=True, metavar="RULES", help="Report only these rules (comma-separated, repeatable).")
@click.option("--ignore", multiple=True, metavar="RULES", help="Do not report these rules (comma-separated, repeatable).")
@click.option("--no-convert", is_flag=True, help="Reject editor-format (UI) files instead of linting their conversion.")
@click.option("--no-contract", is_flag=True, help="Skip the [tool.wfc.contract] checks.")
@click.option("--color/--no-color", default=None, help="Colour the text output. Default: when writing to a terminal.")
@click.option("--list-rules", is_flag=True, help="List every rule and exit.")
@click.option("--explain", metavar="CODE", help="Print a rule's documentation (reason, bad and good example) and exit.")
def lint(
    paths: tuple[Path, ...],
    catalog_path: Path | None,
    config_path: Path | None,
    profile: str | None,
    output_format: str,
    strict: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    no_convert: bool,
    no_contract: bool,
    color: bool | None,
    list_rules: bool,
    explain: str | None,
) -> None:
    """Lint ComfyUI workflows: API JSON, editor JSON, compiled artifacts and specs.

    PATHS are files or folders (searched for *.json and spec *.py files). Without PATHS, the
    [tool.wfc] workflows and specs folders are linted.
    """
    if list_rules:
        _list_rules()
        return
    if explain:
        _explain(explain)
        return

    from wfc.catalog import CatalogError, load_catalog
    from wfc.config import ConfigError, load_config
    from wfc.lint.reporters import render
    from wfc.lint.runner import LintOptions, UsageError, lint_paths

    try:
        config = load_config(config_path)
        catalog_file = catalog_path or config.path("catalog")
    except ConfigError as exc:
        _fail(str(exc))
    if catalog_file is None:
        _fail("no catalog: pass --catalog FILE or set catalog in [tool.wfc] of pyproject.toml")
        return
    try:
        catalog = load_catalog(catalog_file)
    except CatalogError as exc:
        _fail(str(exc))

    options = LintOptions(
        select=_resolve(select),
        ignore=_resolve(ignore) or set(),
        convert_ui=not no_convert,
        profile=profile,
        use_contract=not no_contract,
    )
    targets = list(paths) or _default_targets(config)
    if not targets:
        _fail("nothing to lint: pass files or folders, or create the [tool.wfc] workflows and specs folders "
              f"({config.path('workflows', 'workflows')}, {config.path('specs', 'specs')})")
    try:
        report = lint_paths(targets, catalog, config, options, fail_on=Severity.WARNING if strict else Severity.ERROR)
    except (UsageError, ConfigError) as exc:
        _fail(str(exc))

    use_color = sys.stdout.isatty() if color is None else color
    click.echo(render(report, output_format, color=use_color), color=use_color)
    sys.exit(report.exit_code)


def _default_targets(config: object) -> list[Path]:
    from wfc.config import Config

    assert isinstance(config, Config)
    targets = []
    for key, default in (("workflows", "workflows"), ("specs", "specs")):
        folder = config.path(key, default)
        if folder is None or not folder.exists():
            continue
        try:
            folder = folder.relative_to(Path.cwd())
        except ValueError:
            pass  # outside the current folder: keep the absolute path
        targets.append(folder)
    return targets
