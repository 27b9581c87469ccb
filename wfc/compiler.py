"""Compile specs into artifacts: build the spec, lower it, resolve its parameters, lint, write.

``compile_spec`` returns the two files of an artifact as bytes without writing anything.
``emit`` writes them into the output folder and rewrites only files whose bytes change. With
``check`` it writes nothing and lists the stale files instead. An artifact with lint errors or
compile errors is never written. ``lint_spec`` is the entry point of ``wfc lint`` for spec
files: it returns the graph and the spec line of each node without linting it.
"""

from __future__ import annotations

import os
import runpy
import sys
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wfc import __version__
from wfc.artifact import ARTIFACT_FORMAT, MANIFEST_SUFFIX, build_input_schema, dump_json, sha256_digest
from wfc.catalog import Catalog
from wfc.config import Config
from wfc.diagnostics import Diagnostic, Severity
from wfc.spec.codes import display_path, make_diagnostic
from wfc.spec.errors import SpecError
from wfc.spec.lower import Lowered, id_sort_key, lower_workflow
from wfc.spec.params import model_folder_lookup, resolve_parameters
from wfc.spec.workflow import Workflow


@dataclass
class CompiledArtifact:
    """The files of one artifact, as bytes, and the findings of compiling it."""

    name: str
    spec_path: Path
    graph_bytes: bytes | None
    manifest_bytes: bytes | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def built(self) -> bool:
        """Whether the spec ran and built a workflow, so ``name`` is the workflow's name."""
        return self.manifest_bytes is not None

    @property
    def ok(self) -> bool:
        return self.graph_bytes is not None and not any(d.severity >= Severity.ERROR for d in self.diagnostics)


# --- building a spec -------------------------------------------------------------------------


def _spec_origin(exc: BaseException, path: Path) -> tuple[str, int] | None:
    """Return the deepest traceback line that lies in the spec file."""
    target = str(path.resolve())
    found = None
    for frame, line in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == target:
            found = (target, line)
    if isinstance(exc, SyntaxError) and exc.lineno is not None:
        found = (target, exc.lineno)
    return found


def spec_path_problem(path: Path) -> str | None:
    """Return why ``path`` cannot be a spec (missing, not a file, not ``.py``), or None when it can."""
    if not path.exists():
        return f"{path}: spec file not found"
    if not path.is_file():
        return f"{path}: not a file; a spec is a Python module (.py)"
    if path.suffix != ".py":
        return f"{path}: not a spec: a spec is a Python module ending in .py; lint a workflow JSON with `wfc lint`"
    return None


def _exit_message(exc: SystemExit) -> str:
    code = exc.code
    call = "sys.exit()" if code is None else f"sys.exit({code!r})"
    return (f"building the spec failed: the spec called {call} (SystemExit); a spec must not exit, "
            "so remove the call or raise an exception that says what is wrong")


def build_workflow(path: Path, root: Path | None = None) -> Workflow:
    """Run the spec at ``path`` and return the one workflow it builds; raise SpecError otherwise.

    Everything the spec raises becomes a SpecError, ``SystemExit`` and other ``BaseException``
    subclasses included, so one spec cannot end the run of the others. ``KeyboardInterrupt``
    propagates so that Ctrl-C still stops the run.
    """
    problem = spec_path_problem(path)
    if problem is not None:
        raise SpecError(problem)
    path = path.resolve()
    if root is not None and str(root) not in sys.path:
        sys.path.insert(0, str(root))

    try:
        namespace = runpy.run_path(str(path), run_name=f"wfc_spec_{path.stem}")
    except SpecError as exc:
        raise SpecError(exc.message, exc.origin or _spec_origin(exc, path), code=exc.code, related=exc.related) from None
    except KeyboardInterrupt:
        raise
    except SystemExit as exc:
        raise SpecError(_exit_message(exc), _spec_origin(exc, path)) from None
    except BaseException as exc:
        origin = _spec_origin(exc, path)
        raise SpecError(f"building the spec failed: {type(exc).__name__}: {exc}", origin) from None

    workflows = [value for value in namespace.values() if isinstance(value, Workflow)]
    unique = list({id(workflow): workflow for workflow in workflows}.values())
    if not unique:
        raise SpecError(f"{path}: the spec defines no workflow; build one with `with Workflow(name) as wf:` at module level")
    if len(unique) > 1:
        names = ", ".join(repr(workflow.name) for workflow in unique)
        raise SpecError(f"{path}: the spec defines {len(unique)} workflows ({names}); put each in its own file")
    return unique[0]


def build_failure(path: Path, exc: SpecError, root: Path | None) -> Diagnostic:
    """Turn a spec that cannot be built into its finding at the spec's line (WFC701 or a specific code)."""
    line = exc.origin[1] if exc.origin is not None and Path(exc.origin[0]).resolve() == path.resolve() else None
    message = exc.message
    if exc.origin is not None and line is None:
        message += f" (at {display_path(exc.origin[0], root)}:{exc.origin[1]})"
    if exc.code == "WFC711":
        if exc.related is not None:
            message += f"; first declared at {display_path(exc.related[0], root)}:{exc.related[1]}"
        return make_diagnostic("WFC711", message, path=display_path(path, root), line=line,
                               hint="give each parameter and alias its own name, or remove the second declaration")
    return make_diagnostic(exc.code, message, path=display_path(path, root), line=line,
                           hint="fix the spec so that it runs: `python " + display_path(path, root) + "`")


def lint_spec(path: str | Path, catalog: Catalog | None, config: Config | None) -> tuple[dict[str, Any], dict[str, tuple[str, int]]]:
    """Build the spec at ``path`` and return (API graph, {node id: (spec file, line)}).

    Raise SpecError (with ``origin``) when the spec cannot be built. Compile findings such as an
    unknown input do not raise: the graph keeps them for the linter to report.
    """
    root = config.root if config is not None else None
    path = Path(path)
    try:
        workflow = build_workflow(path, root)
    except SpecError as exc:
        origin = (display_path(exc.origin[0], root), exc.origin[1]) if exc.origin is not None else None
        related = (display_path(exc.related[0], root), exc.related[1]) if exc.related is not None else None
        raise SpecError(exc.message, origin, code=exc.code, related=related) from None
    lowered = lower_workflow(workflow, catalog, display_path(path, root))
    return lowered.graph, _spec_label_origins(lowered.origins, root)


def _spec_label_origins(origins: dict[str, tuple[str, int]], root: Path | None) -> dict[str, tuple[str, int]]:
    """Return node origins with file paths relative to the project root, as diagnostics show them."""
    return {node_id: (display_path(file, root), line) for node_id, (file, line) in origins.items()}


# --- compiling -------------------------------------------------------------------------------


def _models(graph: dict[str, dict[str, Any]], bindings: dict[str, list[tuple[str, str]]],
            config: Config | None) -> list[dict[str, Any]]:
    folders_of = model_folder_lookup(config)
    bound = {binding: name for name, pairs in bindings.items() for binding in pairs}
    entries = []
    for node_id, entry in graph.items():
        for input_name, value in entry["inputs"].items():
            folders = folders_of(entry["class_type"], input_name)
            if not folders or not isinstance(value, str):
                continue
            model: dict[str, Any] = {"folder": folders[0], "name": value, "node": node_id, "input": input_name}
            if (node_id, input_name) in bound:
                model["parameter"] = bound[(node_id, input_name)]
            entries.append(model)
    return entries


def _outputs(workflow: Workflow, lowered: Lowered, catalog: Catalog | None, path: str) -> tuple[dict[str, Any], list[Diagnostic]]:
    outputs: dict[str, Any] = {}
    diagnostics = []
    for name, (node, origin) in workflow.outputs.items():
        node_id = lowered.node_ids.get(id(node))
        line = origin[1] if origin else None
        if node_id is None:
            diagnostics.append(make_diagnostic("WFC709", f"output {name!r} names a node that is not in the workflow",
                                               path=path, line=line))
            continue
        node_class = catalog.get(node._class_type) if catalog is not None else None
        if node_class is not None and not node_class.output_node:
            diagnostics.append(make_diagnostic(
                "WFC709", f"output {name!r} is a {node._class_type} node, which is not an output node; name a node "
                "such as SaveImage", path=path, line=line, node=node_id, class_type=node._class_type))
            continue
        outputs[name] = {"node": node_id, "class_type": node._class_type}
    if not workflow.outputs:
        diagnostics.append(make_diagnostic(
            "WFC710", f"workflow {workflow.name!r} names no output; call wf.output(name, node) for each SaveImage",
            path=path, line=workflow.origin[1] if workflow.origin else None))
    ordered = dict(sorted(outputs.items(), key=lambda item: (id_sort_key(item[1]["node"]), item[0])))
    return ordered, diagnostics


def run_lint(graph: dict[str, Any], catalog: Catalog | None, config: Config | None, path: str,
             origins: dict[str, tuple[str, int]], manifest: dict[str, Any] | None = None) -> list[Diagnostic]:
    """Lint a compiled graph with wfc.lint; return its findings, lines mapped to the spec."""
    from wfc.lint.runner import lint_graph

    return list(lint_graph(graph, catalog, config, path=path, spec_origins=origins, manifest=manifest))


def _without_repeats(lint_findings: list[Diagnostic], compile_findings: list[Diagnostic]) -> list[Diagnostic]:
    """Drop lint's unknown-input warnings (WFC208) for inputs the compiler already reported as WFC703."""
    unknown = {(finding.node, finding.input) for finding in compile_findings if finding.code == "WFC703"}
    return [finding for finding in lint_findings
            if not (finding.code == "WFC208" and (finding.node, finding.input) in unknown)]


def compile_spec(path: str | Path, catalog: Catalog, config: Config | None, *, lint: bool = True) -> CompiledArtifact:
    """Compile one spec into the bytes of its graph and manifest; write nothing."""
    root = config.root if config is not None else None
    path = Path(path).resolve()
    spec_label = display_path(path, root)
    try:
        workflow = build_workflow(path, root)
    except SpecError as exc:
        return CompiledArtifact(path.stem, path, None, None, [build_failure(path, exc, root)])

    lowered = lower_workflow(workflow, catalog, spec_label)
    if any(diagnostic.code == "WFC705" for diagnostic in lowered.diagnostics):
        # The graph lacks every node whose id was taken, so parameter checks and lint would
        # only report the consequences (dropped links, missing inputs) of the duplicate ids.
        return CompiledArtifact(workflow.name, path, None, None, sorted(lowered.diagnostics, key=Diagnostic.sort_key))

    parameters, parameter_findings = resolve_parameters(
        workflow, lowered.graph, lowered.bindings, catalog, config, spec_label)
    outputs, output_findings = _outputs(workflow, lowered, catalog, spec_label)
    diagnostics = [*lowered.diagnostics, *parameter_findings, *output_findings]

    graph_bytes = dump_json(lowered.graph)
    source_bytes = path.read_bytes()
    manifest = {
        "format": ARTIFACT_FORMAT,
        "name": workflow.name,
        "wfc_version": __version__,
        "description": workflow.description,
        "graph": f"{workflow.name}.json",
        "graph_digest": sha256_digest(graph_bytes),
        "catalog_digest": catalog.digest,
        "source": {"path": spec_label, "digest": sha256_digest(source_bytes)},
        "parameters": parameters,
        "input_schema": build_input_schema(workflow.name, parameters),
        "outputs": outputs,
        "models": _models(lowered.graph, lowered.bindings, config),
    }
    if lint:
        findings = run_lint(lowered.graph, catalog, config, spec_label, _spec_label_origins(lowered.origins, root), manifest)
        diagnostics += _without_repeats(findings, lowered.diagnostics)
    diagnostics.sort(key=lambda diagnostic: diagnostic.sort_key())
    return CompiledArtifact(workflow.name, path, graph_bytes, dump_json(manifest), diagnostics)


# --- writing ---------------------------------------------------------------------------------


@dataclass
class WriteResult:
    """The files one compile run wrote, found stale, or left unchanged."""

    artifact: CompiledArtifact
    written: list[Path] = field(default_factory=list)
    stale: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` through a temporary file and a rename; skip when the bytes are the same."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, _file_mode())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def _file_mode() -> int:
    """Return the mode a plain ``open()`` would give a new file (0o666 less the umask)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _current_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def emit(artifact: CompiledArtifact, out_dir: Path, *, check: bool) -> WriteResult:
    """Write an artifact into ``out_dir`` (graph first, then manifest), or compare it with ``check``."""
    result = WriteResult(artifact)
    if not artifact.ok:
        return result
    assert artifact.graph_bytes is not None and artifact.manifest_bytes is not None
    files = [
        (out_dir / f"{artifact.name}.json", artifact.graph_bytes),
        (out_dir / f"{artifact.name}{MANIFEST_SUFFIX}", artifact.manifest_bytes),
    ]
    for path, data in files:
        if check:
            (result.unchanged if _current_bytes(path) == data else result.stale).append(path)
        elif write_if_changed(path, data):
            result.written.append(path)
        else:
            result.unchanged.append(path)
    return result


def default_specs(config: Config) -> list[Path]:
    """Return the spec files of [tool.wfc] ``specs``: a folder's ``*.py`` files, except the generated node module."""
    folder = config.path("specs", "specs")
    assert folder is not None
    if folder.is_file():
        return [folder]
    if not folder.is_dir():
        return []
    stubs = (config.root / str(config.get("stubs", "specs/nodes.py"))).resolve()
    return sorted(
        path for path in folder.glob("*.py")
        if not path.name.startswith("_") and path.resolve() != stubs
    )
