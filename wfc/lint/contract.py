"""Contract rules (WFC4xx): what the consumer of a workflow requires of it.

The worker's handler stores the job's images and writes their names into ``LoadImage`` nodes it
finds by parameter name, and it collects the images of the ``SaveImage`` nodes. ``[tool.wfc.contract]``
declares those needs::

    [tool.wfc.contract]
    output_classes = ["SaveImage"]      # at least min_outputs nodes of these classes
    min_outputs = 1
    forbidden_classes = []              # classes the consumer cannot run
    assign_by_order = true              # unclaimed LoadImage nodes fill the remaining images by id

    [tool.wfc.contract.images.load_image]
    class_type = "LoadImage"
    input = "image"
    titles = ["load_image", "Load Image", "이미지 로드"]
    node = "78"                         # optional: an explicit node id wins over titles

A raw API workflow is matched by explicit node id, then by title (case-insensitive), then, when
``assign_by_order`` is on, by taking the remaining nodes of that class in ascending id order. A
compiled artifact is matched by its manifest: an ``image`` parameter of that name bound to the
class's input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wfc.config import Config, ConfigError
from wfc.lint.context import LintContext
from wfc.lint.registry import rule


@rule("WFC401", "contract-image-missing")
def _contract_image_missing() -> None:
    """The workflow lacks a node for an image input the contract requires.

    Why:
        The worker writes each job image into its own LoadImage node. Without the node it fails
        every job ("Missing nodes in workflow: background_load_image") or, at start, boot-loops.

    Bad:
        one LoadImage node, when the contract needs load_image and background_load_image

    Good:
        two LoadImage nodes titled "load_image" and "background_load_image"
    """


@rule("WFC402", "contract-image-wrong-node")
def _contract_image_wrong_node() -> None:
    """A contract image input is bound to a node that is missing or of the wrong class.

    Why:
        The worker writes a file name into that node's input; a node of another class has no such
        input, and a missing node fails every job.

    Bad:
        [tool.wfc.contract.images.load_image] node = "12"   (node 12 is a VAELoader)

    Good:
        node = "78"   (node 78 is a LoadImage)
    """


@rule("WFC403", "contract-output-missing")
def _contract_output_missing() -> None:
    """The workflow has fewer output nodes of the required classes than the contract needs.

    Why:
        The worker returns the images of SaveImage nodes; a workflow that only previews its
        result finishes "successfully" with no image.

    Bad:
        VAEDecode -> PreviewImage

    Good:
        VAEDecode -> SaveImage
    """


@rule("WFC404", "contract-image-ambiguous")
def _contract_image_ambiguous() -> None:
    """Several nodes match the same contract image input.

    Why:
        The worker would write the job image into one of them and leave the others with a stale
        file name from the editor, so the result depends on node order.

    Bad:
        two LoadImage nodes both titled "load_image"

    Good:
        one node titled "load_image", or an explicit node id in the contract
    """


@rule("WFC405", "contract-forbidden-class")
def _contract_forbidden_class() -> None:
    """The workflow uses a class the contract's consumer cannot run.

    Why:
        Some nodes need a display, a browser or a local service the serverless worker does not
        have; they fail or hang there.

    Bad:
        a class listed in [tool.wfc.contract] forbidden_classes

    Good:
        the headless equivalent
    """


@dataclass
class ImageInput:
    """One image the consumer supplies: its parameter name and how to find its node."""

    name: str
    class_type: str = "LoadImage"
    input: str = "image"
    titles: list[str] = field(default_factory=list)
    node: str | None = None


@dataclass
class Contract:
    """The needs of one consumer of workflows, from ``[tool.wfc.contract]``."""

    images: list[ImageInput] = field(default_factory=list)
    output_classes: list[str] = field(default_factory=lambda: ["SaveImage"])
    min_outputs: int = 1
    forbidden_classes: list[str] = field(default_factory=list)
    assign_by_order: bool = True


def _strings(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where} must be a string or a list of strings, not {value!r}")
    return list(value)


def load_contract(config: Config | None) -> Contract | None:
    """Read ``[tool.wfc.contract]``; return None when the project declares no contract."""
    if config is None:
        return None
    section = config.section("contract")
    if not section:
        return None
    where = f"{config.source or 'settings'}: [tool.wfc.contract]"

    images = []
    raw_images = section.get("images", {})
    if not isinstance(raw_images, dict):
        raise ConfigError(f"{where} images must be a table of image name to its settings")
    for name, raw in raw_images.items():
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}.images.{name} must be a table (class_type, input, titles, node)")
        node = raw.get("node")
        if node is not None and not isinstance(node, (str, int)):
            raise ConfigError(f"{where}.images.{name}.node must be a node id string, not {node!r}")
        images.append(ImageInput(
            name=name,
            class_type=str(raw.get("class_type", "LoadImage")),
            input=str(raw.get("input", "image")),
            titles=_strings(raw.get("titles", [name]), f"{where}.images.{name}.titles"),
            node=str(node) if node not in (None, "") else None,
        ))

    min_outputs = section.get("min_outputs", 1)
    if not isinstance(min_outputs, int) or isinstance(min_outputs, bool) or min_outputs < 0:
        raise ConfigError(f"{where} min_outputs must be a non-negative integer, not {min_outputs!r}")
    assign_by_order = section.get("assign_by_order", True)
    if not isinstance(assign_by_order, bool):
        raise ConfigError(f"{where} assign_by_order must be true or false, not {assign_by_order!r}")

    return Contract(
        images=images,
        output_classes=_strings(section.get("output_classes", ["SaveImage"]), f"{where} output_classes"),
        min_outputs=min_outputs,
        forbidden_classes=_strings(section.get("forbidden_classes", []), f"{where} forbidden_classes"),
        assign_by_order=assign_by_order,
    )


def _id_order(node_id: str) -> tuple[int, int | str]:
    return (0, int(node_id)) if node_id.isdigit() else (1, node_id)


def _fold(title: str | None) -> str:
    return (title or "").strip().casefold()


def resolve_images(ctx: LintContext, contract: Contract) -> dict[str, str]:
    """Find the node of each contract image in a raw API graph; return ``{image name: node id}``.

    Reports explicit ids that point nowhere or at the wrong class, and titles that several nodes
    share. Images left unresolved are reported by ``check_contract``.
    """
    graph = ctx.graph
    found: dict[str, str] = {}
    claimed: set[str] = set()

    for image in contract.images:
        if image.node is None:
            continue
        node = graph.nodes.get(image.node)
        if node is None or node.class_type != image.class_type:
            what = "is not in the workflow" if node is None else f"is a {node.class_type}"
            ctx.report("WFC402", f"contract image '{image.name}' is bound to node '{image.node}', which {what}; "
                       f"it must be a {image.class_type}", node=image.node if node else None,
                       hint=f"set [tool.wfc.contract.images.{image.name}] node to the id of a {image.class_type} node",
                       line=1 if node is None and ctx.document else None, column=1 if node is None and ctx.document else None)
            continue
        found[image.name] = image.node
        claimed.add(image.node)

    candidates = sorted((node for node in graph if node.id not in claimed), key=lambda node: _id_order(node.id))
    for image in contract.images:
        if image.name in found or image.node is not None:
            continue
        titles = {_fold(title) for title in image.titles}
        matches = [node for node in candidates if node.class_type == image.class_type and _fold(node.title) in titles
                   and node.id not in claimed]
        if len(matches) > 1:
            listed = ", ".join(f'{node.id} "{node.title}"' for node in matches)
            ctx.report("WFC404", f"contract image '{image.name}' matches {len(matches)} {image.class_type} nodes by title ({listed})",
                       node=matches[0].id,
                       hint=f"give only one node a title from {image.titles!r}, or set [tool.wfc.contract.images.{image.name}] node")
        if matches:
            found[image.name] = matches[0].id
            claimed.add(matches[0].id)

    if contract.assign_by_order:
        all_titles = {_fold(title) for image in contract.images for title in image.titles}
        for image in contract.images:
            if image.name in found or image.node is not None:
                continue
            spare = [node for node in candidates if node.class_type == image.class_type and node.id not in claimed
                     and _fold(node.title) not in all_titles]
            if spare:
                found[image.name] = spare[0].id
                claimed.add(spare[0].id)
    return found


def manifest_images(manifest: Any) -> dict[str, list[tuple[str, str]]]:
    """Return ``{parameter name: [(node id, input), ...]}`` for the image parameters of a manifest.

    Accepts parameters as an object keyed by name or as a list of objects with a ``name``, and
    bindings as ``[node, input]`` pairs or ``{"node", "input"}`` objects.
    """
    if not isinstance(manifest, dict):
        return {}
    parameters = manifest.get("parameters", {})
    if isinstance(parameters, list):
        parameters = {entry.get("name"): entry for entry in parameters if isinstance(entry, dict)}
    if not isinstance(parameters, dict):
        return {}
    images: dict[str, list[tuple[str, str]]] = {}
    for name, entry in parameters.items():
        if not isinstance(entry, dict) or entry.get("kind") != "image" or not isinstance(name, str):
            continue
        bindings = []
        for binding in entry.get("bindings", []) or []:
            if isinstance(binding, (list, tuple)) and len(binding) == 2:
                bindings.append((str(binding[0]), str(binding[1])))
            elif isinstance(binding, dict) and "node" in binding and "input" in binding:
                bindings.append((str(binding["node"]), str(binding["input"])))
        images[name] = bindings
    return images


def check_contract(ctx: LintContext, contract: Contract, manifest: Any = None) -> set[tuple[str, str]]:
    """Check the contract; return the ``(node id, input)`` pairs the consumer supplies at run time."""
    supplied: set[tuple[str, str]] = set()
    # Findings about the whole file point at its first line, so text output still has a location.
    at_start = 1 if ctx.document is not None and ctx.spec_origins is None else None

    if manifest is not None:
        declared = manifest_images(manifest)
        for image in contract.images:
            bindings = declared.get(image.name)
            valid = [(node_id, name) for node_id, name in bindings or []
                     if (node := ctx.graph.nodes.get(node_id)) is not None
                     and node.class_type == image.class_type and name == image.input]
            if valid:
                supplied.update(valid)
                continue
            reason = ("the manifest has no image parameter of that name" if bindings is None
                      else f"its bindings {bindings!r} are not {image.class_type}.{image.input} inputs of the graph")
            ctx.report("WFC401", f"the contract needs the image parameter '{image.name}' bound to "
                       f"{image.class_type}.{image.input}, but {reason}",
                       hint=f"declare it in the spec: an image parameter named '{image.name}' passed to a {image.class_type} node",
                       extra={"image": image.name}, line=at_start, column=at_start)
    else:
        found = resolve_images(ctx, contract)
        for image in contract.images:
            if image.name in found:
                supplied.add((found[image.name], image.input))
                continue
            if image.node is not None:
                continue  # already reported as WFC402
            present = [node for node in ctx.graph if node.class_type == image.class_type]
            serving = {node_id: name for name, node_id in found.items()}
            described = []
            for node in present:
                text = f'{node.id} "{node.title}"' if node.title else node.id
                if node.id in serving:
                    text += f" (used for '{serving[node.id]}')"
                described.append(text)
            listed = ", ".join(described)
            message = (f"the contract needs a {image.class_type} node for the image input '{image.name}', but the workflow has "
                       + (f"only {listed}" if present else f"no {image.class_type} node"))
            ctx.report("WFC401", message,
                       hint=f"add a {image.class_type} node titled {image.titles[0]!r} (titles accepted: {', '.join(repr(t) for t in image.titles)}), "
                            f"or set [tool.wfc.contract.images.{image.name}] node to its id",
                       extra={"image": image.name}, line=at_start, column=at_start)

    outputs = [node for node in ctx.graph if node.class_type in contract.output_classes]
    if len(outputs) < contract.min_outputs:
        classes = " or ".join(contract.output_classes)
        ctx.report("WFC403", f"the contract needs at least {contract.min_outputs} {classes} node"
                   f"{'s' if contract.min_outputs != 1 else ''}, and the workflow has {len(outputs)}",
                   hint=f"link the final image into a {contract.output_classes[0]} node", line=at_start, column=at_start)

    for node in ctx.graph:
        if node.class_type in contract.forbidden_classes:
            ctx.report("WFC405", f"{ctx.node_subject(node.id)}: class {node.class_type} is not allowed by the contract",
                       node=node.id, hint="remove it or replace it with a class the worker can run")
    return supplied
