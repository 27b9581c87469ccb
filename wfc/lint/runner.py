"""Run the rule families over graphs, files and folders, and collect one report.

``lint_graph`` checks one API-format graph held in memory. ``lint_file`` reads one path (API
JSON, editor JSON, a compiled artifact or a spec), and ``lint_paths`` walks files and folders.
Modules of other areas (the models rules, the spec compiler, the artifact checks, the editor
format converter) are imported only when a file needs them, and their absence is handled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from wfc.catalog import Catalog
from wfc.config import Config, ConfigError
from wfc.diagnostics import Diagnostic, FileResult, Report, Severity
from wfc.graph import Document, is_ui_format, parse_document
from wfc.lint import catalog as catalog_rules
from wfc.lint import contract as contract_rules
from wfc.lint import graph as graph_rules
from wfc.lint import structure
from wfc.lint.context import LintContext

_SPEC_MARKER = re.compile(r"\bWorkflow\s*\(")
_IGNORE_COMMENT = re.compile(r"#\s*wfc:\s*ignore\[([A-Za-z0-9_,\s-]+)\]")


class UsageError(Exception):
    """An input that cannot be linted in this installation or with these options (exit code 2)."""


@dataclass
class LintOptions:
    """Options of one lint run (the flags of ``wfc lint``): which findings to report, how to treat inputs."""

    select: set[str] | None = None  # codes to report; None means all
    ignore: set[str] = field(default_factory=set)
    convert_ui: bool = True
    profile: str | None = None  # model profile; None falls back to [tool.wfc] profile
    use_contract: bool = True

    def wants(self, code: str) -> bool:
        if code in self.ignore:
            return False
        return self.select is None or code in self.select or code == "WFC000"


def _guarded(ctx: LintContext, check_name: str, check: Callable[[], Any], node: str | None = None) -> Any:
    """Run one check; a crash becomes a WFC000 diagnostic that names the check and the node."""
    try:
        return check()
    except ConfigError:
        raise  # unusable settings are a usage error (exit 2), not a finding
    except Exception as exc:  # noqa: BLE001  (a bug in one check must not stop the others)
        import traceback

        frame = traceback.extract_tb(exc.__traceback__)[-1]
        where = f" on node {node}" if node is not None else ""
        ctx.report("WFC000", f"check {check_name} crashed{where}: {type(exc).__name__}: {exc}",
                   node=node, hint=f"please report this bug ({Path(frame.filename).name}:{frame.lineno}); the other checks ran",
                   extra={"check": check_name, "exception": type(exc).__name__})
        return None


def _model_profile(config: Config | None, options: LintOptions) -> str | None:
    if options.profile:
        return options.profile
    if config is None or not config.get("model_paths"):
        return None
    profile = config.get("profile")
    return profile if isinstance(profile, str) and profile else None


def _load_check_models() -> Callable[..., list[Diagnostic]] | None:
    try:
        from wfc.models.rules import check_models
    except ImportError:
        return None
    return check_models


def lint_graph(
    data: Any,
    catalog: Catalog | None,
    config: Config | None = None,
    *,
    path: str = "<workflow>",
    document: Document | None = None,
    spec_origins: dict[str, tuple[str, int]] | None = None,
    ui_origins: dict[str, tuple[str, str | None]] | None = None,
    manifest: Any = None,
    options: LintOptions | None = None,
) -> list[Diagnostic]:
    """Check one API-format graph (already parsed) and return its diagnostics, sorted.

    ``manifest`` is the compiled artifact's manifest, when there is one: the contract is then
    checked against its parameters instead of node titles.
    """
    options = options or LintOptions()
    ctx = LintContext(path=path, catalog=catalog, config=config, data=data, document=document,
                      spec_origins=spec_origins, ui_origins=ui_origins)

    if not _guarded(ctx, "structure.top_level", lambda: structure.check_top_level(ctx)):
        return _finish(ctx, options, set())
    _guarded(ctx, "structure.nodes", lambda: structure.check_nodes(ctx))

    known: list[Any] = []
    if catalog is not None:
        known = _guarded(ctx, "catalog.classes", lambda: catalog_rules.check_classes(ctx)) or []

    contract = contract_rules.load_contract(config) if options.use_contract else None
    if contract is not None:
        supplied = _guarded(ctx, "contract", lambda: contract_rules.check_contract(ctx, contract, manifest))
        ctx.supplied_inputs = supplied or set()

    _guarded(ctx, "structure.links", lambda: structure.check_links(ctx))

    profile = _model_profile(config, options)
    check_models = _load_check_models() if (profile and catalog is not None) else None
    ctx.models_checked = check_models is not None

    if catalog is not None:
        for node in known:
            node_class = catalog.classes[node.class_type]
            _guarded(ctx, "catalog.inputs", lambda: catalog_rules.check_node(ctx, node, node_class), node=node.id)

    _guarded(ctx, "structure.cycles", lambda: structure.check_cycles(ctx))
    feeding: set[str] = set()
    if catalog is not None:
        _guarded(ctx, "structure.output_nodes", lambda: structure.check_output_nodes(ctx))
        feeding = _guarded(ctx, "graph.output_ancestors", lambda: graph_rules.output_ancestors(ctx)) or set()
        _guarded(ctx, "graph.usage", lambda: graph_rules.check_usage(ctx, feeding))
        _guarded(ctx, "graph.lifecycle", lambda: graph_rules.check_lifecycle(ctx))

    if check_models is not None:
        found = _guarded(ctx, "models", lambda: check_models(
            ctx.graph, catalog, config, path=path, document=document, profile=profile))
        for diagnostic in found or []:
            ctx._locate(diagnostic, diagnostic.line, diagnostic.column)
            diagnostic.path = diagnostic.path or path
            ctx.diagnostics.append(diagnostic)

    has_outputs = bool(feeding)
    return _finish(ctx, options, feeding if has_outputs else None)


def _finish(ctx: LintContext, options: LintOptions, feeding: set[str] | None) -> list[Diagnostic]:
    """Mark findings on nodes that feed no output, drop unselected codes, sort."""
    kept = []
    for diagnostic in ctx.diagnostics:
        if not options.wants(diagnostic.code):
            continue
        if feeding is not None and diagnostic.node is not None and diagnostic.node in ctx.graph.nodes:
            diagnostic.extra.setdefault("feeds_output", diagnostic.node in feeding)
        kept.append(diagnostic)
    kept.sort(key=Diagnostic.sort_key)
    return kept


# --- files --------------------------------------------------------------------------------------


def classify(path: Path) -> str:
    """Name the kind of input a path is: spec, manifest, artifact or json."""
    if path.suffix == ".py":
        return "spec"
    if path.name.endswith(".manifest.json"):
        return "manifest"
    if path.with_name(path.stem + ".manifest.json").is_file():
        return "artifact"
    return "json"


def lint_file(path: Path, catalog: Catalog | None, config: Config | None, options: LintOptions | None = None,
              display: str | None = None) -> FileResult:
    """Lint one file; raise UsageError when this installation cannot lint that kind of file."""
    options = options or LintOptions()
    shown = display or str(path)
    kind = classify(path)
    if kind == "spec":
        return _lint_spec(path, shown, catalog, config, options)

    try:
        raw = path.read_bytes()
    except OSError as exc:
        result = FileResult(shown, "unknown")
        ctx = LintContext(path=shown, catalog=catalog, config=config, data=None)
        ctx.report("WFC117", f"cannot read the file: {exc.strerror or exc}", hint="check the path and its permissions")
        result.diagnostics = _finish(ctx, options, None)
        return result

    manifest = None
    extra: list[Diagnostic] = []
    if kind == "artifact":
        manifest, extra = _read_manifest(path, shown, catalog, config)
    return lint_bytes(raw, shown, catalog, config, options, manifest=manifest, extra=extra,
                      file_format="artifact" if kind == "artifact" else None)


def lint_bytes(
    raw: bytes | str,
    path: str,
    catalog: Catalog | None,
    config: Config | None,
    options: LintOptions | None = None,
    *,
    manifest: Any = None,
    extra: Iterable[Diagnostic] = (),
    file_format: str | None = None,
) -> FileResult:
    """Parse and lint the text of one JSON file (API or editor format)."""
    options = options or LintOptions()
    document = parse_document(raw)
    if document.data is None and document.problems:
        ctx = LintContext(path=path, catalog=catalog, config=config, data=None, document=document)
        structure.report_parse_problems(ctx, document.problems)
        return FileResult(path, file_format or "unknown", _finish(ctx, options, None))

    if is_ui_format(document.data):
        return _lint_ui(document, path, catalog, config, options)

    diagnostics = lint_graph(document.data, catalog, config, path=path, document=document,
                             manifest=manifest, options=options)
    parse_ctx = LintContext(path=path, catalog=catalog, config=config, data=document.data, document=document)
    structure.report_parse_problems(parse_ctx, document.problems)
    diagnostics += _finish(parse_ctx, options, None)
    diagnostics += [diag for diag in extra if options.wants(diag.code)]
    diagnostics.sort(key=Diagnostic.sort_key)
    return FileResult(path, file_format or "api", diagnostics)


def _read_manifest(path: Path, shown: str, catalog: Catalog | None, config: Config | None) -> tuple[Any, list[Diagnostic]]:
    import json

    manifest_path = path.with_name(path.stem + ".manifest.json")
    diagnostics: list[Diagnostic] = []
    try:
        from wfc.artifact import check_manifest
    except ImportError:
        pass  # an older wfc without artifact checks: the graph and contract are still linted
    else:
        if catalog is not None:
            ctx = LintContext(path=shown, catalog=catalog, config=config, data=None)
            found = _guarded(ctx, "artifact.check_manifest", lambda: check_manifest(manifest_path, catalog, config))
            diagnostics += ctx.diagnostics + list(found or [])
    try:
        return json.loads(manifest_path.read_text(encoding="utf-8")), diagnostics
    except (OSError, ValueError, RecursionError):
        return None, diagnostics  # an unreadable manifest is check_manifest's finding


def _load_converter() -> Callable[[Any, Catalog], Any] | None:
    try:
        from wfc.convert import convert_ui
    except ImportError:
        return None  # without the converter, editor files are rejected with export instructions
    return convert_ui


def _lint_ui(document: Document, path: str, catalog: Catalog | None, config: Config | None, options: LintOptions) -> FileResult:
    """Lint the conversion of an editor file, or reject it; never report it as clean."""
    ctx = LintContext(path=path, catalog=catalog, config=config, data=document.data, document=document)
    converter = _load_converter() if options.convert_ui else None
    if converter is None or catalog is None:
        structure.check_top_level(ctx)
        return FileResult(path, "ui", _finish(ctx, options, None))

    known_catalog = catalog
    conversion = _guarded(ctx, "convert.convert_ui", lambda: converter(document.data, known_catalog))
    if conversion is None:
        structure.check_top_level(ctx)
        return FileResult(path, "ui", _finish(ctx, options, None))

    ctx.report("WFC106", "this is the editor's saved format, not the API format; wfc checked the API graph "
               "it converts to, and the worker needs the API format",
               severity=Severity.WARNING, line=1, column=1,
               hint="export the API format in the editor (Workflow > Export (API)) or run `wfc convert FILE -o OUT`")
    origins = getattr(conversion, "origins", None) or {}
    diagnostics = lint_graph(conversion.prompt, catalog, config, path=path, ui_origins=dict(origins), options=options)
    for diagnostic in diagnostics:
        if diagnostic.node in origins:
            diagnostic.extra.setdefault("ui_node", origins[diagnostic.node][0])
    converted = [diag for diag in getattr(conversion, "diagnostics", []) or [] if options.wants(diag.code)]
    for diagnostic in converted:
        diagnostic.path = diagnostic.path or path
    result = _finish(ctx, options, None) + converted + diagnostics
    result.sort(key=Diagnostic.sort_key)
    return FileResult(path, "ui", result)


def _lint_spec(path: Path, shown: str, catalog: Catalog | None, config: Config | None, options: LintOptions) -> FileResult:
    try:
        from wfc.compiler import lint_spec
    except ImportError:
        raise UsageError(f"{shown}: cannot lint a spec: the spec compiler (wfc.compiler) is not installed "
                         "in this version of wfc; compile the spec and lint the JSON in workflows/") from None
    if catalog is None:
        raise UsageError(f"{shown}: linting a spec needs a catalog; pass --catalog FILE")

    ctx = LintContext(path=shown, catalog=catalog, config=config, data=None)
    compiled = _guarded(ctx, "compiler.lint_spec", lambda: _build_spec(lint_spec, path, shown, catalog, config))
    if isinstance(compiled, Diagnostic):
        return FileResult(shown, "spec", [compiled] if options.wants(compiled.code) else [])
    if compiled is None:
        return FileResult(shown, "spec", _finish(ctx, options, None))
    prompt, origins = compiled
    origins = {str(node): (str(file), int(line)) for node, (file, line) in (origins or {}).items()}
    diagnostics = lint_graph(prompt, catalog, config, path=shown, spec_origins=origins, options=options)
    diagnostics = [diag for diag in diagnostics if not _silenced(diag)]
    return FileResult(shown, "spec", _finish(ctx, options, None) + diagnostics)


def _build_spec(lint_spec: Callable[..., Any], path: Path, shown: str, catalog: Catalog, config: Config | None) -> Any:
    """Call the compiler; a spec that cannot be built becomes the compiler's own finding at its line."""
    from wfc.compiler import build_failure
    from wfc.spec.errors import SpecError

    try:
        return lint_spec(path, catalog, config)
    except SpecError as exc:
        diagnostic = build_failure(path, exc, config.root if config is not None else None)
        diagnostic.path = shown
        return diagnostic


_source_lines: dict[str, list[str]] = {}


def _silenced(diagnostic: Diagnostic) -> bool:
    """Return True when the spec line of a diagnostic carries ``# wfc: ignore[CODE]`` for its code."""
    if diagnostic.line is None or not diagnostic.path.endswith(".py"):
        return False
    lines = _source_lines.get(diagnostic.path)
    if lines is None:
        try:
            lines = Path(diagnostic.path).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            lines = []
        _source_lines[diagnostic.path] = lines
    if not 0 < diagnostic.line <= len(lines):
        return False
    match = _IGNORE_COMMENT.search(lines[diagnostic.line - 1])
    if match is None:
        return False
    codes = {code.strip().upper() for code in match.group(1).split(",")}
    return diagnostic.code in codes or diagnostic.rule.upper() in codes


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[str]]:
    """Expand folders into the files to lint; return the files and the paths that do not exist."""
    files: list[Path] = []
    missing: list[str] = []
    for path in paths:
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                if any(part.startswith(".") or part == "__pycache__" for part in found.relative_to(path).parts):
                    continue
                if not found.is_file() or found.name.endswith(".manifest.json"):
                    continue
                if found.suffix == ".json":
                    files.append(found)
                elif found.suffix == ".py" and not found.name.startswith("_") and _looks_like_spec(found):
                    files.append(found)
        elif path.exists():
            files.append(path)
        else:
            missing.append(str(path))
    return files, missing


def _looks_like_spec(path: Path) -> bool:
    try:
        return bool(_SPEC_MARKER.search(path.read_text(encoding="utf-8", errors="replace")))
    except OSError:
        return False


def lint_paths(paths: Iterable[Path], catalog: Catalog | None, config: Config | None,
               options: LintOptions | None = None, fail_on: Severity = Severity.ERROR) -> Report:
    """Lint every file under ``paths``.

    Raise UsageError when ``paths`` is empty, a path does not exist, a folder contains no file
    to lint, or a file cannot be linted in this installation.
    """
    options = options or LintOptions()
    paths = list(paths)
    if not paths:
        raise UsageError("nothing to lint: pass files or folders, or set workflows and specs in [tool.wfc]")
    files: list[Path] = []
    missing: list[str] = []
    empty: list[str] = []
    for path in paths:
        found, absent = discover([path])
        files += found
        missing += absent
        if not found and not absent:
            empty.append(str(path))
    if missing:
        raise UsageError(f"path not found: {', '.join(missing)}")
    if empty:
        raise UsageError(f"no workflow files in {', '.join(empty)}: a folder is searched for *.json files "
                         "(not *.manifest.json) and *.py specs that call Workflow(...)")
    report = Report(fail_on=fail_on)
    for path in files:
        report.files.append(lint_file(path, catalog, config, options))
    return report
