"""Lint rules of the models family (WFC5xx): does every model input name a file ComfyUI lists?

ComfyUI rejects a model input whose value is not in its folder's listing
(``value_not_in_list``). The value is almost always wrong for one specific reason: a Windows
separator, a case slip, a file one level outside its folder, a file in another folder, or an
absolute path. Each reason has its own code, so the message can say what to change.
``check_models`` diagnoses one graph; ``resolve_graph`` also returns where every resolved input
is loaded from, which ``wfc models check`` prints.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wfc.diagnostics import Diagnostic, Severity
from wfc.graph import as_link, looks_like_link, pointer
from wfc.models.inputs import model_folders, model_inputs

if TYPE_CHECKING:
    from wfc.catalog import Catalog
    from wfc.config import Config
    from wfc.graph import Document, Graph
    from wfc.models.deployment import Deployment
    from wfc.models.paths import ModelPaths
    from wfc.models.resolve import Location

VALUE_NOT_IN_LIST = "value_not_in_list"


@dataclass(frozen=True)
class Rule:
    """One rule of the models family, with what the docs show for it."""

    code: str
    name: str
    severity: Severity
    summary: str
    reason: str
    bad: str
    good: str
    family: str = "models"


RULES: dict[str, Rule] = {rule.code: rule for rule in (
    Rule("WFC501", "model-missing", Severity.ERROR,
         "The model file is not in its folder's listing on the deployment.",
         "ComfyUI rejects the value with value_not_in_list and the job fails before it starts.",
         '"vae_name": "qwen_image_vae.safetensors"  (no such file)',
         '"vae_name": "qwen_image_vae.1.safetensors"  (the file in vae/)'),
    Rule("WFC502", "model-wrong-folder", Severity.ERROR,
         "The file is listed only under another model folder than the one the input reads.",
         "Each loader lists one folder; a diffusion model under checkpoints is invisible to UNETLoader.",
         "CheckpointLoaderSimple ckpt_name 'flux1-dev.safetensors' with the file in models/unet",
         "UNETLoader unet_name 'flux1-dev.safetensors'"),
    Rule("WFC503", "model-outside-folder", Severity.ERROR,
         "The file exists on the deployment but outside every path registered for the folder.",
         "ComfyUI lists only files below the registered paths; a file one level up is invisible.",
         "/runpod-volume/qwen_image_vae.1.safetensors",
         "/runpod-volume/vae/qwen_image_vae.1.safetensors"),
    Rule("WFC504", "model-windows-separator", Severity.ERROR,
         "The value uses '\\' between folders, but the Linux listing uses '/'.",
         "ComfyUI compares names exactly and does not normalise separators.",
         '"ckpt_name": "sdxl\\\\base.safetensors"', '"ckpt_name": "sdxl/base.safetensors"'),
    Rule("WFC505", "model-case-mismatch", Severity.ERROR,
         "The value differs only in letter case from a listed file.",
         "Linux volumes are case-sensitive, so a name that works on Windows or macOS is rejected.",
         '"lora_name": "qwen-anime-v1.safetensors"', '"lora_name": "Qwen-Anime-V1.safetensors"'),
    Rule("WFC506", "model-shadowed", Severity.WARNING,
         "The same name is listed by several paths of the folder; ComfyUI loads the first.",
         "A stale copy earlier in the search path silently wins over the file you meant.",
         "models/vae/x.safetensors and /runpod-volume/vae/x.safetensors both present",
         "one copy of x.safetensors"),
    Rule("WFC507", "model-not-in-manifest", Severity.WARNING,
         "The file resolves on the deployment but the model manifest does not list it.",
         "A fresh volume provisioned from the manifest will lack it.",
         "a LoRA copied onto the volume by hand", "the LoRA added to worker/models.toml"),
    Rule("WFC508", "model-absolute-path", Severity.ERROR,
         "The value is an absolute path; model inputs take a name relative to a registered folder.",
         "ComfyUI lists names relative to each folder, so an absolute path never matches.",
         '"ckpt_name": "/runpod-volume/models/checkpoints/x.safetensors"', '"ckpt_name": "x.safetensors"'),
    Rule("WFC509", "model-parent-reference", Severity.ERROR,
         "The value contains a '..' part.",
         "Listings never contain '..', so ComfyUI rejects the value; it also points outside the folder.",
         '"lora_name": "../loras/x.safetensors"', '"lora_name": "x.safetensors"'),
    Rule("WFC510", "model-subfolder-mismatch", Severity.ERROR,
         "The file is listed under another subfolder path than the value names.",
         "A file moved one level up or down changes its listed name (clip/x becomes x).",
         '"clip_name": "clip/qwen.safetensors" with the file moved up to checkpoints/',
         '"clip_name": "qwen.safetensors"'),
    Rule("WFC511", "model-extension-filtered", Severity.ERROR,
         "The file is in the folder but its extension is not one the folder lists.",
         "Folders list only model extensions (.safetensors, .ckpt, .pt, ...); a .part or .gguf file is skipped.",
         "vae/qwen_image_vae.safetensors.part (an interrupted download)",
         "vae/qwen_image_vae.safetensors"),
    Rule("WFC520", "model-paths-invalid", Severity.ERROR,
         "extra_model_paths.yaml has a fault that makes ComfyUI fail to start.",
         "ComfyUI reads the file at start; a crash there is a boot loop on a serverless worker.",
         "checkpoints: [a, b]", "checkpoints: |\n  a\n  b"),
    Rule("WFC521", "model-paths-suspicious", Severity.WARNING,
         "extra_model_paths.yaml has an entry ComfyUI accepts but probably not as intended.",
         "ComfyUI silently creates a folder no loader reads, folds lines, or keeps odd characters.",
         "Checkpoints: models/checkpoints", "checkpoints: models/checkpoints"),
)}


@dataclass
class InputResolution:
    """The resolution of one model input of one node."""

    node: str
    class_type: str
    input: str
    value: str
    folders: list[str]
    folder: str | None = None  # the folder whose listing contains the value
    location: Location | None = None
    title: str | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)


_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def _legacy_note(path: str, folder: str) -> str:
    """Explain a ComfyUI folder named after a legacy key (``models/unet`` for diffusion_models)."""
    from wfc.models.inputs import LEGACY_FOLDERS

    name = posixpath.basename(path)
    if LEGACY_FOLDERS.get(name) == folder:
        return f" ({posixpath.join(posixpath.basename(posixpath.dirname(path)), name)} is the legacy {name!r} alias)"
    return ""


class _Checker:
    def __init__(self, deployment: Deployment, config: Config | None, path: str, document: Document | None,
                 catalog: Catalog | None = None) -> None:
        self.deployment = deployment
        self.catalog = catalog
        self.resolver = deployment.resolver
        self.config = config
        self.path = path
        self.document = document

    def diagnostic(self, code: str, item: InputResolution, message: str, hint: str | None = None,
                   title: str | None = None, **extra: Any) -> Diagnostic:
        rule = RULES[code]
        node_pointer = pointer(item.node, "inputs", item.input)
        position = self.document.position(node_pointer) if self.document is not None else None
        return Diagnostic(
            code=code, rule=rule.name, severity=rule.severity, message=message, path=self.path,
            pointer=node_pointer, node=item.node, class_type=item.class_type, input=item.input,
            line=position.line if position else None, column=position.column if position else None,
            comfy_type=VALUE_NOT_IN_LIST if rule.severity == Severity.ERROR else None,
            hint=hint, title=title or item.title, extra={key: value for key, value in extra.items() if value is not None},
        )

    def searched(self, folder: str) -> str:
        search = self.resolver.folder(folder)
        if search is None or not search.paths:
            # NOTE: node packs can register folders when ComfyUI imports them. wfc reads only
            # ComfyUI's own folders and the YAML's, so such a folder is reported as unregistered.
            return (f"folder {folder!r} is registered neither by ComfyUI nor by the YAML; if a node pack "
                    f"registers it when it loads, add a '{folder}:' key to the profile so wfc can check it")
        return f"ComfyUI searches {folder!r} in: " + ", ".join(entry.path for entry in search.paths)

    def where(self, folder: str) -> str:
        """Return the path where the deployment's layout puts files of ``folder``.

        A profile without a key for the folder falls back to ComfyUI's own folder for it.
        """
        from wfc.models.deployment import comfyui_layout

        paths = (self.deployment.layout.folder_paths(folder)
                 or comfyui_layout(self.deployment.comfyui_root).folder_paths(folder))
        if paths:
            return paths[0]
        search = self.resolver.folder(folder)
        return search.paths[0].path if search and search.paths else folder

    def resolve(self, item: InputResolution, title: str | None) -> None:
        for folder in item.folders:
            entries = self.resolver.entries(folder)
            if item.value in entries:
                item.folder = folder
                item.location = self.resolver.locate(folder, item.value)
                self.check_resolved(item, folder, entries[item.value], title)
                return
        item.diagnostics.append(self.diagnose_missing(item, title))

    def check_resolved(self, item: InputResolution, folder: str, places: list[Location], title: str | None) -> None:
        if item.location is None:
            item.diagnostics.append(self.diagnostic(
                "WFC501", item,
                f"{item.class_type} {item.input} {item.value!r} is listed in {folder!r} at "
                f"{places[0].full_path}, but that is not a readable file (a broken link?); ComfyUI fails "
                "when it loads it",
                "replace the link with the file", title))
            return
        full_paths = list(dict.fromkeys(place.full_path for place in places))
        if len(full_paths) > 1:
            item.diagnostics.append(self.diagnostic(
                "WFC506", item,
                f"{item.class_type} {item.input} {item.value!r} is listed by {len(full_paths)} paths of "
                f"{folder!r}; ComfyUI loads {item.location.full_path} and ignores "
                + ", ".join(path for path in full_paths if path != item.location.full_path),
                "delete the copies you do not mean, or rename one", title))
        manifest = self.deployment.manifest
        if self.deployment.source != "manifest" and manifest is not None and manifest.files:
            listed = any(
                model.folder in self.resolver.folders
                and item.value in self.resolver.entries(model.folder)
                and model.name == item.value
                for model in manifest.files
            ) or any(self.manifest_path(model) == item.location.full_path for model in manifest.files)
            if not listed:
                item.diagnostics.append(self.diagnostic(
                    "WFC507", item,
                    f"{item.class_type} {item.input} {item.value!r} resolves to {item.location.full_path}, "
                    f"but the model manifest {manifest.path} does not list it",
                    f"add it to the manifest with folder {folder!r} and its URL, then run 'wfc models lock'",
                    title))

    def manifest_path(self, model: Any) -> str | None:
        from wfc.models.manifest import PlacementError, placement

        try:
            return placement(model, self.deployment.profile)
        except PlacementError:
            return None

    def diagnose_missing(self, item: InputResolution, title: str | None) -> Diagnostic:
        value = item.value
        folder = item.folders[0]
        listing = {name for candidate in item.folders for name in self.resolver.entries(candidate)}
        searched = self.searched(folder)

        if value.startswith("/") or value.startswith("\\\\") or _DRIVE.match(value):
            return self.absolute(item, title, searched)
        if ".." in re.split(r"[\\/]", value):
            return self.diagnostic(
                "WFC509", item,
                f"{item.class_type} {item.input} {value!r} contains '..'; ComfyUI lists names inside "
                f"{folder!r} only and rejects it", searched, title)

        if "\\" in value:
            forward = value.replace("\\", "/")
            if forward in listing:
                return self.diagnostic(
                    "WFC504", item,
                    f"{item.class_type} {item.input} {value!r} uses the Windows path separator '\\' between "
                    f"folders, but ComfyUI on Linux lists the file as {forward!r} and compares names exactly",
                    f"write {forward!r}", title, suggestion=forward, fix={"value": forward})

        lowered = {name.lower(): name for name in sorted(listing)}
        exact_case = [name for name in sorted(listing) if name.lower() == value.replace("\\", "/").lower()]
        if exact_case:
            return self.diagnostic(
                "WFC505", item,
                f"{item.class_type} {item.input} {value!r} differs only in case from the listed "
                f"{exact_case[0]!r}; the deployment's file system is case-sensitive",
                f"write {exact_case[0]!r}, or rename the file", title, suggestion=exact_case[0])

        base = posixpath.basename(value.replace("\\", "/"))
        same_base = sorted(name for name in listing if posixpath.basename(name) == base)
        if same_base:
            choice = same_base[0]
            return self.diagnostic(
                "WFC510", item,
                f"{item.class_type} {item.input} {value!r} is not listed, but the same file is listed as "
                f"{choice!r}: it sits at another folder level than the value names",
                f"write {choice!r}, or move the file so its path inside {folder!r} is {value!r}; {searched}",
                title, suggestion=choice)

        filtered = self.extension_filtered(item, value)
        if filtered is not None:
            return filtered

        elsewhere = self.other_folders(item, value)
        if elsewhere is not None:
            return elsewhere

        outside = self.outside(item, base)
        if outside is not None:
            return outside

        close = difflib.get_close_matches(value, sorted(listing), n=3, cutoff=0.6)
        if lowered and not close:
            close = difflib.get_close_matches(value.lower(), list(lowered), n=3, cutoff=0.6)
            close = [lowered[name] for name in close]
        source = {
            "manifest": f"the model manifest {self.deployment.manifest.path if self.deployment.manifest else ''} places no such file",
            "root": f"no such file in {self.deployment.files.description}",
            "listing": f"no such file in the {self.deployment.files.description}",
        }[self.deployment.source]
        listed = "the listing is empty" if not listing else f"{len(listing)} names are listed"
        hint = (f"did you mean {close[0]!r}? " if close else "") + searched
        search = self.resolver.folder(folder)
        return self.diagnostic(
            "WFC501", item,
            f"{item.class_type} {item.input} {value!r} is not in the {folder!r} listing ({listed}; {source})",
            hint, title, suggestion=close[0] if close else None,
            searched=[entry.path for entry in search.paths] if search is not None else [])

    def absolute(self, item: InputResolution, title: str | None, searched: str) -> Diagnostic:
        value = item.value.replace("\\", "/")
        for folder in item.folders:
            search = self.resolver.folder(folder)
            for entry in search.paths if search else []:
                prefix = entry.path.rstrip("/") + "/"
                if value.startswith(prefix):
                    relative = value[len(prefix):]
                    if relative in self.resolver.entries(folder):
                        return self.diagnostic(
                            "WFC508", item,
                            f"{item.class_type} {item.input} {item.value!r} is an absolute path; model inputs "
                            f"take a name relative to a registered folder of {folder!r}",
                            f"write {relative!r} (strip the registered search path {prefix})", title,
                            suggestion=relative)
        return self.diagnostic(
            "WFC508", item,
            f"{item.class_type} {item.input} {item.value!r} is an absolute path; model inputs take a name "
            f"relative to a registered folder of {item.folders[0]!r}, and this path is inside none of them",
            f"move the file into a registered folder and write its name relative to it; {searched}", title)

    def extension_filtered(self, item: InputResolution, value: str) -> Diagnostic | None:
        for folder in item.folders:
            places = self.resolver.unfiltered(folder).get(value)
            search = self.resolver.folder(folder)
            if places and search is not None:
                allowed = ", ".join(sorted(search.extensions)) or "any"
                return self.diagnostic(
                    "WFC511", item,
                    f"{item.class_type} {item.input} {value!r} exists at {places[0].full_path}, but {folder!r} "
                    f"lists only files ending in {allowed}",
                    "finish the download or rename the file to a model extension", title=None)
        return None

    def other_folders(self, item: InputResolution, value: str) -> Diagnostic | None:
        from wfc.models.wrong_folder import wrong_folder_advice

        for other in sorted(self.resolver.folders):
            if other in item.folders:
                continue
            places = self.resolver.entries(other).get(value)
            if not places:
                continue
            place = places[0]
            folder = item.folders[0]
            empty = f" (the {folder!r} listing is empty)" if not self.resolver.listing(folder) else ""
            registered = [name for name, search in sorted(self.resolver.folders.items())
                          if any(entry.path == place.search.path for entry in search.paths)]
            if registered == [other]:
                registration = f"registered only for {other!r}"
            else:
                registration = "registered for " + " and ".join(repr(name) for name in registered)
            message = (
                f"{item.class_type} {item.input} {value!r} is not in the {folder!r} listing{empty}, but the "
                f"same file name is listed under {other!r}: a file with this name exists in "
                f"{place.search.path}, which is {registration}{_legacy_note(place.search.path, other)}"
            )
            advice = wrong_folder_advice(self.deployment, item.class_type, value, folder, other, place.search,
                                         self.where, self.loaders_of("diffusion_models"))
            return self.diagnostic("WFC502", item, message, advice.hint, None, folder=other,
                                   suggestion=advice.suggestion, found=place.full_path)
        return None

    def loaders_of(self, folder: str) -> list[str]:
        """Return the loader classes that read ``folder``, core classes first when a catalog is given."""
        table = model_inputs(self.config)
        classes = [class_type for class_type, inputs in table.items()
                   if any(folders == [folder] for folders in inputs.values())]

        def order(class_type: str) -> tuple[int, str]:
            node_class = self.catalog.get(class_type) if self.catalog is not None else None
            return (0 if node_class is not None and node_class.pack == "core" else 1, class_type)

        return sorted(classes, key=order)

    def outside(self, item: InputResolution, base: str) -> Diagnostic | None:
        folder = item.folders[0]
        search = self.resolver.folder(folder)
        registered = [entry.path for entry in search.paths] if search else []
        matches = [path for path in self.deployment.files.all_files() if posixpath.basename(path) == base]
        if not matches:
            return None

        def distance(path: str) -> int:
            """Return 0 for a file one level above a registered path, 1 for any other place."""
            parent = posixpath.dirname(path)
            for registered_path in registered:
                if posixpath.dirname(registered_path) == parent:
                    return 0
            return 1

        matches.sort(key=lambda path: (distance(path), path))
        found = matches[0]
        level = "one level above" if distance(found) == 0 else "outside"
        target = self.where(folder)
        return self.diagnostic(
            "WFC503", item,
            f"{item.class_type} {item.input} {item.value!r} is at {found}, {level} every path registered "
            f"for {folder!r}, so ComfyUI does not list it",
            f"move it to {posixpath.join(target, item.value)}; {self.searched(folder)}", None,
            found=found, suggestion=posixpath.join(target, item.value))


def _model_input_items(graph: Graph, config: Config | None) -> list[tuple[Any, str, Any, list[str]]]:
    items = []
    for node in graph:
        for name, value in node.inputs.items():
            folders = model_folders(node.class_type, name, config)
            if folders is None or as_link(value) is not None or looks_like_link(value):
                continue
            items.append((node, name, value, folders))
    return items


def resolve_graph(
    graph: Graph,
    deployment: Deployment,
    config: Config | None,
    *,
    path: str = "",
    document: Document | None = None,
    folders_override: dict[tuple[str, str], list[str]] | None = None,
    catalog: Catalog | None = None,
) -> list[InputResolution]:
    """Resolve every model input of a graph against a deployment.

    ``folders_override`` maps ``(node id, input)`` to folders, for inputs that a compiled
    artifact's manifest declares; other inputs use ``model_folders``.
    """
    checker = _Checker(deployment, config, path, document, catalog)
    results = []
    items = _model_input_items(graph, config)
    seen = {(node.id, name) for node, name, _value, _folders in items}
    for (node_id, name), folders in (folders_override or {}).items():
        node = graph.nodes.get(node_id)
        if node is not None and (node_id, name) not in seen and name in node.inputs:
            items.append((node, name, node.inputs[name], folders))
    for node, name, value, folders in items:
        if folders_override and (node.id, name) in folders_override:
            folders = folders_override[(node.id, name)]
        if not isinstance(value, str):
            continue  # the catalog rules report values of the wrong type
        item = InputResolution(node.id, node.class_type, name, value, list(folders), title=node.title)
        checker.resolve(item, node.title)
        results.append(item)
    return results


def check_models(
    graph: Graph,
    catalog: Catalog | None,
    config: Config,
    *,
    path: str,
    document: Document | None,
    profile: str | None,
    root: str | None = None,
    listing: str | None = None,
) -> list[Diagnostic]:
    """Return the models-family diagnostics of one graph.

    The files of the deployment come from ``root`` (a folder standing in for the profile's
    ``base_path``), ``listing`` (saved ``find`` output) or, by default, the model manifest.
    ``profile`` None means ``[tool.wfc] profile``; without any profile the result is empty.
    Raises ``wfc.config.ConfigError`` (ModelPathsError, ManifestError) when the YAML, the
    profile or the manifest is unusable: that is a configuration error, not a finding.
    """
    from wfc.models.deployment import cached_deployment

    if not (profile or config.get("profile")):
        return []
    options: dict[str, Any] = {}
    if root is not None:
        options["root"] = root
    if listing is not None:
        options["listing"] = listing
    deployment = cached_deployment(config, profile, **options)
    diagnostics = []
    for item in resolve_graph(graph, deployment, config, path=path, document=document, catalog=catalog):
        diagnostics.extend(item.diagnostics)
    return diagnostics


def model_paths_diagnostics(model_paths: ModelPaths) -> list[Diagnostic]:
    """Turn the problems of a parsed YAML into WFC520 (errors) and WFC521 (warnings)."""
    result = []
    for problem in model_paths.problems:
        code = "WFC520" if problem.severity == "error" else "WFC521"
        rule = RULES[code]
        result.append(Diagnostic(
            code=code, rule=rule.name, severity=rule.severity, message=problem.message,
            path=model_paths.source, line=problem.line, hint=problem.hint,
            extra={key: value for key, value in (("section", problem.section), ("key", problem.key)) if value},
        ))
    return result


def _register_rules() -> None:
    """Declare the models family in the lint registry, so ``--select``, ``--explain`` and the docs see it."""
    try:
        from wfc.lint import registry
    except ImportError:  # wfc.models works without the lint package
        return

    def indented(text: str) -> str:
        return "\n".join("    " + line for line in text.splitlines())

    for item in RULES.values():
        if item.code in registry.RULES:
            continue

        def documentation() -> None:
            pass

        documentation.__doc__ = (
            f"{item.summary}\n\nWhy:\n{indented(item.reason)}\n\nBad:\n{indented(item.bad)}\n\n"
            f"Good:\n{indented(item.good)}\n"
        )
        comfy_type = VALUE_NOT_IN_LIST if item.severity == Severity.ERROR and item.code < "WFC520" else None
        registry.rule(item.code, item.name, severity=str(item.severity), comfy_type=comfy_type)(documentation)


_register_rules()
