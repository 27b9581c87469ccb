"""``wfc graph``: draw a workflow as Graphviz DOT, or SVG when Graphviz's ``dot`` is installed.

Nodes show their id, title and class type; links are edges labelled ``output -> input``. For a
compiled artifact the job parameters appear as notes with dashed edges to the inputs they bind.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from wfc.diagnostics import EXIT_FINDINGS, EXIT_USAGE

# Seconds that `dot` may take to lay out one workflow.
DOT_TIMEOUT = 60


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def quote(text: str) -> str:
    """Return a DOT string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(graph: dict[str, Any], name: str, manifest: dict[str, Any] | None = None,
           output_names: dict[str, list[str]] | None = None) -> str:
    """Render an API-format graph (and its manifest's parameters) as DOT text."""
    output_names = output_names or {}
    lines = [f"digraph {quote(name)} {{", "  rankdir=LR;", '  node [shape=box, fontname="sans-serif"];',
             '  edge [fontname="sans-serif", fontsize=10];']

    for node_id, node in graph.items():
        if not isinstance(node, dict):
            continue
        class_type = str(node.get("class_type", "?"))
        meta = node.get("_meta")
        title = meta.get("title") if isinstance(meta, dict) else None
        label = f"{node_id}: {title}\n{class_type}" if title and title != class_type else f"{node_id}: {class_type}"
        lines.append(f"  {quote('n' + node_id)} [label={quote(label)}];")

    for node_id, node in graph.items():
        inputs = node.get("inputs") if isinstance(node, dict) else None
        if not isinstance(inputs, dict):
            continue
        for input_name, value in inputs.items():
            if isinstance(value, list) and len(value) == 2 and isinstance(value[0], str) and isinstance(value[1], int):
                source, index = value
                source_class = graph.get(source, {}).get("class_type") if isinstance(graph.get(source), dict) else None
                names = output_names.get(str(source_class), [])
                output = names[index] if 0 <= index < len(names) else str(index)
                lines.append(f"  {quote('n' + source)} -> {quote('n' + node_id)} "
                             f"[label={quote(f'{output} -> {input_name}')}];")

    for param_name, entry in ((manifest or {}).get("parameters") or {}).items():
        if not isinstance(entry, dict):
            continue
        note = f"{param_name} ({entry.get('kind')})"
        lines.append(f"  {quote('p' + param_name)} [shape=note, label={quote(note)}];")
        for binding in entry.get("bindings") or []:
            if isinstance(binding, dict) and binding.get("node") in graph:
                lines.append(f"  {quote('p' + param_name)} -> {quote('n' + str(binding['node']))} "
                             f"[style=dashed, label={quote(str(binding.get('input')))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def read_workflow(path: Path) -> tuple[dict[str, Any], dict[str, Any] | None, str]:
    """Read a graph file or an artifact manifest; return (graph, manifest or None, name)."""
    from wfc.artifact import MANIFEST_SUFFIX, ArtifactError, load_artifact, manifest_path_for

    if path.name.endswith(MANIFEST_SUFFIX):
        manifest_path = path
    elif path.suffix == ".json" and manifest_path_for(path).is_file():
        manifest_path = manifest_path_for(path)
    else:
        manifest_path = None

    if manifest_path is not None:
        try:
            artifact = load_artifact(manifest_path)
        except ArtifactError as exc:
            _fail(str(exc), EXIT_FINDINGS)
        return artifact.graph, artifact.manifest, artifact.name

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        _fail(f"{path}: file not found")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        _fail(f"{path}: cannot read the workflow as JSON: {exc}", EXIT_FINDINGS)
    if not isinstance(data, dict) or not all(isinstance(node, dict) and "class_type" in node for node in data.values()):
        _fail(f"{path}: not an API-format workflow (an object of node id to node with class_type)", EXIT_FINDINGS)
    return data, None, path.stem


@click.command("graph", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("artifact", type=click.Path(path_type=Path, dir_okay=False))
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="File to write; a .svg name renders SVG with Graphviz. Default: DOT on standard output.")
@click.option("--format", "output_format", type=click.Choice(["dot", "svg"]),
              help="Output format. Default: from the output file's suffix, else dot.")
def graph(artifact: Path, output: Path | None, output_format: str | None) -> None:
    """Draw ARTIFACT (workflows/NAME.json, its manifest, or any API-format JSON) as DOT or SVG."""
    data, manifest, name = read_workflow(artifact)
    output_names: dict[str, list[str]] = {}
    try:
        from wfc.catalog import CatalogError, load_catalog
        from wfc.config import ConfigError, load_config

        catalog_file = load_config().path("catalog")
        if catalog_file is not None and catalog_file.is_file():
            catalog = load_catalog(catalog_file)
            output_names = {node_class.name: [out.name for out in node_class.outputs] for node_class in catalog}
    except (ConfigError, CatalogError):
        output_names = {}

    text = to_dot(data, name, manifest, output_names)
    output_format = output_format or ("svg" if output is not None and output.suffix.lower() == ".svg" else "dot")
    if output_format == "svg":
        dot = shutil.which("dot")
        if dot is None:
            _fail("SVG needs Graphviz's `dot`, which is not installed; install graphviz or write DOT (--format dot)")
        try:
            rendered = subprocess.run([dot, "-Tsvg"], input=text.encode("utf-8"), capture_output=True,
                                      timeout=DOT_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            _fail(f"`dot` timed out after {DOT_TIMEOUT} s", EXIT_FINDINGS)
        if rendered.returncode != 0:
            _fail(f"`dot` failed: {rendered.stderr.decode('utf-8', 'replace').strip()}", EXIT_FINDINGS)
        payload = rendered.stdout
    else:
        payload = text.encode("utf-8")

    if output is None:
        sys.stdout.buffer.write(payload)
        return
    from wfc.compiler import write_if_changed

    write_if_changed(output, payload)
    click.echo(f"{output}: written ({output_format})")
