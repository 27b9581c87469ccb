"""Catalog rules (WFC2xx): every node against its class in the node catalog, as ComfyUI checks it.

The checks follow ComfyUI 0.3.64's ``validate_inputs`` (see ``wfc.lint.comfy``), so a workflow
ComfyUI rejects is rejected here with the same error type. There are two differences. Every node
is checked, not only those an output node depends on. Faults ComfyUI lets through (unknown
inputs, values it silently converts, COMBO values it does not check) are reported as warnings.
"""

from __future__ import annotations

import math
from typing import Any

from wfc.catalog import InputSpec, NodeClass
from wfc.diagnostics import Severity
from wfc.graph import Node, as_link
from wfc.lint import comfy
from wfc.lint.context import LintContext
from wfc.lint.registry import rule
from wfc.lint.suggest import close_matches, option_slip, quote_list


@rule("WFC201", "unknown-class", comfy_type="invalid_prompt")
def _unknown_class() -> None:
    """A node's class_type is not in the catalog.

    Why:
        ComfyUI rejects the whole prompt at the first unknown class ("node X does not exist"),
        usually because a node pack is missing or was renamed. wfc reports every unknown class
        at once, with the closest known names.

    Bad:
        "class_type": "KSamplerAdvance"

    Good:
        "class_type": "KSamplerAdvanced"
    """


@rule("WFC202", "required-input-missing", comfy_type="required_input_missing")
def _required_input_missing() -> None:
    """A required input of the node's class has neither a link nor a value.

    Why:
        ComfyUI rejects the node. It happens after a node pack adds a required input (an older
        export lacks it) or renames one (the old key is then an unknown input).

    Bad:
        "117": {"class_type": "NunchakuQwenImageLoraLoader",
                "inputs": {"model": ["115", 0], "lora_name": "a.safetensors", "lora_strength": 1}}

    Good:
        "inputs": {"model": ["115", 0], "lora_name": "a.safetensors", "lora_strength": 1,
                   "cpu_offload": "disable"}
    """


@rule("WFC203", "link-type-mismatch", comfy_type="return_type_mismatch")
def _link_type_mismatch() -> None:
    """A link carries a type the input does not accept.

    Why:
        ComfyUI rejects the node ("Return type mismatch between linked nodes"). Types match when
        they are equal, when either side is "*", or when comma-separated unions overlap.

    Bad:
        "vae": ["4", 0]    (output 0 of CheckpointLoaderSimple is MODEL)

    Good:
        "vae": ["4", 2]    (output 2 is VAE)
    """


@rule("WFC204", "invalid-input-type", comfy_type="invalid_input_type")
def _invalid_input_type() -> None:
    """A value cannot be converted to the input's type (INT, FLOAT).

    Why:
        ComfyUI converts literals with Python's int() and float() and rejects the node when that
        fails. Numeric strings such as "20" pass; "abc", null and objects do not.

    Bad:
        "steps": "twenty"

    Good:
        "steps": 20
    """


@rule("WFC205", "value-below-min", comfy_type="value_smaller_than_min")
def _value_below_min() -> None:
    """A number is below the input's minimum.

    Why:
        ComfyUI rejects the node; the editor clamps such values, so they come from hand edits or
        scripts.

    Bad:
        "steps": 0     (min 1)

    Good:
        "steps": 20
    """


@rule("WFC206", "value-above-max", comfy_type="value_bigger_than_max")
def _value_above_max() -> None:
    """A number is above the input's maximum.

    Why:
        ComfyUI rejects the node. Seeds above 2**64 - 1 and sizes above 16384 are common cases.

    Bad:
        "width": 20000   (max 16384)

    Good:
        "width": 1024
    """


@rule("WFC207", "value-not-in-list", comfy_type="value_not_in_list")
def _value_not_in_list() -> None:
    """A COMBO value is not one of the input's options.

    Why:
        ComfyUI compares the value with the options exactly, so a case or separator slip
        ("Euler", "dpmpp-2m") is rejected like any other value. For model-file inputs the
        options are the files of the server the catalog came from. With a profile configured,
        the models rules check those inputs against the profile's folders instead.

    Bad:
        "sampler_name": "Euler"

    Good:
        "sampler_name": "euler"
    """


@rule("WFC208", "unknown-input", severity="warning")
def _unknown_input() -> None:
    """The workflow sets an input the node's class does not have.

    Why:
        ComfyUI silently ignores unknown inputs, so a renamed input loses its value without an
        error, and an input from a newer node pack release does nothing.

    Bad:
        "88": {"class_type": "VAEEncode", "inputs": {"pixels": [...], "vae": [...], "device": "cpu"}}

    Good:
        "88": {"class_type": "VAEEncode", "inputs": {"pixels": [...], "vae": [...]}}
    """


@rule("WFC209", "input-file-missing", comfy_type="custom_validation_failed")
def _input_file_missing() -> None:
    """A file input (LoadImage, LoadAudio, ...) names a file the server's folder does not have.

    Why:
        These classes check the file themselves, and ComfyUI reports custom_validation_failed
        ("Invalid image file"). The catalog lists the folder of the server it was captured on.
        The worker contract's image inputs are not checked, because the worker stores the job's
        image under a name it picks.

    Bad:
        "image": "photo_from_my_laptop.png"

    Good:
        "image": "example.png"   (a file in ComfyUI's input folder)
    """


@rule("WFC210", "literal-for-link-input")
def _literal_for_link_input() -> None:
    """An input that takes a link (MODEL, IMAGE, LATENT, ...) is given a literal value.

    Why:
        ComfyUI's validation does not check such values, and the node then fails at run time
        when it receives a string or number in place of a model or tensor.

    Bad:
        "model": "flux1-dev.safetensors"

    Good:
        "model": ["12", 0]
    """


@rule("WFC211", "value-converted", severity="warning")
def _value_converted() -> None:
    """ComfyUI accepts the value only after converting it, and the result may surprise.

    Why:
        ComfyUI passes literals through int(), float() and bool(): "20" becomes 20, 3.7 becomes
        3, and the string "false" becomes True. The workflow runs, but not always as written.

    Bad:
        "steps": "20"
        "enabled": "false"

    Good:
        "steps": 20
        "enabled": false
    """


@rule("WFC212", "combo-value-unchecked", severity="warning")
def _combo_value_unchecked() -> None:
    """A COMBO value is not one of the options, on an input ComfyUI 0.3.64 does not check.

    Why:
        ComfyUI checks membership only for options declared as a list; inputs declared as
        ["COMBO", {"options": [...]}] (newer nodes) pass validation with any value and fail
        later, inside the node.

    Bad:
        "dim": "z"     (options x, -x, y, -y, t, -t)

    Good:
        "dim": "x"
    """


@rule("WFC213", "hidden-input-set", severity="info")
def _hidden_input_set() -> None:
    """The workflow sets a hidden input, which ComfyUI fills in itself.

    Why:
        Hidden inputs (prompt, extra_pnginfo, unique_id) are supplied by ComfyUI at run time;
        a value in the workflow is ignored.

    Bad:
        "inputs": {"images": ["8", 0], "filename_prefix": "x", "prompt": "..."}

    Good:
        "inputs": {"images": ["8", 0], "filename_prefix": "x"}
    """


# Types whose inputs the editor shows as widgets; a literal is normal for these.
LITERAL_TYPES = frozenset({"INT", "FLOAT", "STRING", "BOOLEAN", "COMBO", "*"})


def check_classes(ctx: LintContext) -> list[Node]:
    """Report every unknown class; return the nodes whose class is known."""
    catalog = ctx.catalog
    assert catalog is not None
    known = []
    suggested: dict[str, list[str]] = {}
    for node in ctx.graph:
        if node.class_type in catalog:
            known.append(node)
            continue
        if node.class_type not in suggested:
            suggested[node.class_type] = close_matches(node.class_type, catalog.classes)
        suggestions = suggested[node.class_type]
        hint = f"did you mean {' or '.join(repr(name) for name in suggestions)}?" if suggestions else (
            "install the node pack that provides it in the worker image, then refresh the catalog (wfc catalog pull)"
        )
        ctx.report("WFC201", f"{ctx.node_subject(node.id)}: class {node.class_type!r} is not in the catalog",
                   node=node.id, at=f"/{_escape(node.id)}/class_type", hint=hint,
                   extra={"suggestions": suggestions} if suggestions else None)
    return known


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def check_node(ctx: LintContext, node: Node, node_class: NodeClass) -> None:
    """Check one node's inputs against its class, all faults at once."""
    subject = ctx.subject(node.id)
    missing = [spec for spec in node_class.required if spec.name not in node.inputs]
    unknown = [name for name in node.inputs if name not in node_class.inputs or node_class.inputs[name].section == "hidden"]
    renames = _rename_candidates(ctx, node, node_class, missing, unknown)

    for spec in missing:
        old_name = next((old for old, new in renames.items() if new == spec.name), None)
        if old_name is not None:
            hint = f"the workflow sets '{old_name}', which looks like the old name of this input: rename it to '{spec.name}'"
        elif spec.default is not None:
            hint = f"set '{spec.name}' (its default is {spec.default!r})"
        elif spec.is_widget:
            hint = f"set a value for '{spec.name}'"
        else:
            hint = f"link an output of type {spec.type} into '{spec.name}'"
        ctx.report("WFC202", f"{subject}: required input '{spec.name}' ({spec.type}) is missing",
                   node=node.id, input=spec.name, hint=hint)

    for name in unknown:
        _report_unknown(ctx, node, node_class, name, subject, renames.get(name))

    for name, value in node.inputs.items():
        declared = node_class.inputs.get(name)
        if declared is None or declared.section == "hidden":
            continue
        if isinstance(value, list):
            _check_link_type(ctx, node, node_class, declared, value, subject)
        else:
            _check_literal(ctx, node, node_class, declared, value, subject)


def _rename_candidates(
    ctx: LintContext, node: Node, node_class: NodeClass, missing: list[InputSpec], unknown: list[str]
) -> dict[str, str]:
    """Map stray keys to the missing required input they were most likely renamed to.

    A stray key is a rename candidate only when exactly one missing required input has a
    compatible type and a close name.
    """
    if not missing or not unknown:
        return {}
    renames = {}
    for name in unknown:
        value = node.inputs[name]
        compatible = [spec for spec in missing if _value_fits(ctx, value, spec)]
        close = set(close_matches(name, [spec.name for spec in compatible], count=len(compatible) or 1, cutoff=0.6))
        matches = [spec for spec in compatible if spec.name in close]
        if len(matches) == 1:
            renames[name] = matches[0].name
    return renames


def _value_fits(ctx: LintContext, value: Any, spec: InputSpec) -> bool:
    link = as_link(value)
    if link is not None:
        carried = _carried_type(ctx, link.source, link.output)
        return carried is not None and _types_match(carried, spec)
    if isinstance(value, list):
        return False
    if spec.is_combo:
        return spec.options is None or value in spec.options or not spec.options
    if spec.type in comfy.CONVERTERS:
        return comfy.convert(comfy.unwrap(value), spec.type).error is None
    return spec.type == "*"


def _carried_type(ctx: LintContext, source: str, output: int) -> str | None:
    source_node = ctx.graph.nodes.get(source)
    if source_node is None or ctx.catalog is None:
        return None
    source_class = ctx.catalog.get(source_node.class_type)
    if source_class is None or not -len(source_class.outputs) <= output < len(source_class.outputs):
        return None
    return source_class.outputs[output].type


def _types_match(carried: str, spec: InputSpec) -> bool:
    from wfc.catalog import types_match

    return types_match(carried, spec.type)


def _report_unknown(ctx: LintContext, node: Node, node_class: NodeClass, name: str, subject: Any, rename: str | None) -> None:
    spec = node_class.inputs.get(name)
    if spec is not None and spec.section == "hidden":
        ctx.report("WFC213", f"{subject}: input '{name}' is a hidden input that ComfyUI fills in; this value is ignored",
                   node=node.id, input=name, hint=f"remove '{name}' from the workflow")
        return

    value = node.inputs[name]
    if rename is not None:
        link = as_link(value)
        target = node_class.inputs[rename]
        if link is not None:
            carried = _carried_type(ctx, link.source, link.output)
            what = f"a link carrying {carried}, the type of the missing required input '{rename}'"
        else:
            what = f"a {target.type} value, the type of the missing required input '{rename}'"
        ctx.report("WFC208", f"{subject}: {node_class.name} has no input '{name}'; the value is {what}",
                   node=node.id, input=name, hint=f"rename input '{name}' to '{rename}'",
                   extra={"rename_to": rename})
        return

    suggestions = close_matches(name, [spec.name for spec in node_class.visible_inputs])
    hint = f"did you mean {' or '.join(repr(item) for item in suggestions)}?" if suggestions else (
        f"remove it; {node_class.name} takes {quote_list(spec.name for spec in node_class.visible_inputs)}"
        if node_class.visible_inputs else f"remove it; {node_class.name} takes no inputs"
    )
    ctx.report("WFC208", f"{subject}: {node_class.name} has no input '{name}'; ComfyUI ignores its value",
               node=node.id, input=name, hint=hint,
               extra={"suggestions": suggestions} if suggestions else None)


def _check_link_type(ctx: LintContext, node: Node, node_class: NodeClass, spec: InputSpec, value: list[Any], subject: Any) -> None:
    link = as_link(value)
    if link is None or not comfy.checks_link_types(node_class.name):
        return  # malformed links are structure findings
    carried = _carried_type(ctx, link.source, link.output)
    if carried is None or _types_match(carried, spec):
        return
    source_class = ctx.graph.nodes[link.source].class_type
    ctx.report("WFC203", f"{subject}: input '{spec.name}' expects {spec.type}, but output {link.output} of node "
               f"'{link.source}' ({source_class}) carries {carried}",
               node=node.id, input=spec.name, hint=_link_hint(ctx, link.source, spec),
               extra={"expected": spec.type, "received": carried})


def _link_hint(ctx: LintContext, source: str, spec: InputSpec) -> str:
    source_class = ctx.catalog.get(ctx.graph.nodes[source].class_type) if ctx.catalog else None
    if source_class is not None:
        for output in source_class.outputs:
            if _types_match(output.type, spec):
                return f'node \'{source}\' has a {output.type} output at index {output.index}: use ["{source}", {output.index}]'
    return f"link an output of type {spec.type} into '{spec.name}'"


def _check_literal(ctx: LintContext, node: Node, node_class: NodeClass, spec: InputSpec, raw: Any, subject: Any) -> None:
    name = spec.name
    value = comfy.unwrap(raw)

    if isinstance(value, float) and not math.isfinite(value):
        ctx.report("WFC104", f"{subject}: input '{name}' is {value!r}, which is not a finite JSON number",
                   node=node.id, input=name, hint="write a finite number")
        return

    if spec.type not in LITERAL_TYPES and "," not in spec.type and not spec.is_combo:
        ctx.report("WFC210", f"{subject}: input '{name}' takes a link of type {spec.type}, not the literal {_short(value)}",
                   node=node.id, input=name, hint=f'link an output of type {spec.type} into it, for example ["4", 0]')
        return

    conversion = comfy.convert(value, spec.type)
    if conversion.error is not None:
        ctx.report("WFC204", f"{subject}: input '{name}' expects {spec.type}, but {_short(value)} cannot be converted: {conversion.error}",
                   node=node.id, input=name, hint=f"write a {spec.type} value" + _default_note(spec))
        return
    _report_conversion(ctx, node, spec, value, conversion.value, subject)
    converted = conversion.value

    if name in comfy.validated_inputs(node_class.name):
        _check_file_input(ctx, node, node_class, spec, converted, subject)
        return

    if _check_range(ctx, node, spec, converted, subject):
        return

    if spec.is_combo and spec.options is not None:
        if (node.id, name) in ctx.supplied_inputs:
            return
        if _in_options(converted, spec.options):
            return
        is_model_input = ctx.model_folders(node_class.name, name) is not None
        if is_model_input and ctx.models_checked:
            return
        _report_not_in_list(ctx, node, spec, converted, subject, is_model_input)


def _in_options(value: Any, options: tuple[Any, ...]) -> bool:
    try:
        return value in options
    except Exception:  # noqa: BLE001  (an exotic __eq__ cannot come from JSON, but never crash)
        return False


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _default_note(spec: InputSpec) -> str:
    return f" (default {spec.default!r})" if spec.default is not None else ""


def _report_conversion(ctx: LintContext, node: Node, spec: InputSpec, value: Any, converted: Any, subject: Any) -> None:
    name = spec.name
    message = None
    if spec.type in ("INT", "FLOAT") and isinstance(value, str):
        message = f"input '{name}' is the string {_short(value)}, which ComfyUI converts to {converted!r}"
        if isinstance(converted, float) and not math.isfinite(converted):
            message += ", not a usable number"
    elif spec.type == "INT" and isinstance(value, float) and value != converted:
        message = f"input '{name}' is {value!r}, which ComfyUI truncates to {converted!r}"
    elif spec.type in ("INT", "FLOAT") and isinstance(value, bool):
        message = f"input '{name}' is {str(value).lower()}, which ComfyUI reads as {converted!r}"
    elif spec.type == "BOOLEAN" and not isinstance(value, bool):
        if isinstance(value, str):
            message = f"input '{name}' is the string {_short(value)}, which ComfyUI reads as {converted} (any non-empty string is true)"
        elif not (isinstance(value, int) and value in (0, 1)):
            message = f"input '{name}' is {_short(value)}, which ComfyUI reads as {converted}"
    elif spec.type == "STRING" and not isinstance(value, (str, int, float)):
        message = f"input '{name}' is {_short(value)}, which ComfyUI turns into the text {str(value)!r}"
    if message is None:
        return
    ctx.report("WFC211", f"{subject}: {message}", node=node.id, input=name,
               hint=f"write {_json_literal(converted)}" if not isinstance(converted, float) or math.isfinite(converted) else "write a number")


def _json_literal(value: Any) -> str:
    import json

    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def _check_range(ctx: LintContext, node: Node, spec: InputSpec, value: Any, subject: Any) -> bool:
    """Report a value outside min/max; return whether one was reported."""
    for bound, code, word in (("min", "WFC205", "below the minimum"), ("max", "WFC206", "above the maximum")):
        limit = spec.config.get(bound)
        if limit is None:
            continue
        try:
            outside = value < limit if bound == "min" else value > limit
        except TypeError:
            continue
        if outside:
            ctx.report(code, f"{subject}: input '{spec.name}' is {value!r}, {word} {limit!r}",
                       node=node.id, input=spec.name,
                       hint=f"use a value from {spec.config.get('min', '-inf')} to {spec.config.get('max', 'inf')}",
                       extra={bound: limit, "value": value})
            return True
    return False


def _report_not_in_list(ctx: LintContext, node: Node, spec: InputSpec, value: Any, subject: Any, is_model_input: bool) -> None:
    options = spec.options or ()
    slip = option_slip(value, options)
    if slip is not None:
        option, kind = slip
        hint = f"{kind} differs from the option {option!r}: write {option!r}"
    else:
        suggestions = close_matches(value, options) if isinstance(value, str) else []
        if suggestions:
            hint = f"did you mean {' or '.join(repr(item) for item in suggestions)}?"
        elif not options:
            hint = "the catalog lists no options for this input"
        else:
            hint = f"options: {quote_list(options)}"
    if is_model_input:
        hint += ("; the catalog lists the model files of the server it was captured on: "
                 "configure a profile (--profile) to check against your model folders")

    code = "WFC212" if spec.declared_as_combo else "WFC207"
    reason = ("is not one of its options; ComfyUI 0.3.64 does not check this input, so the node fails when it runs"
              if spec.declared_as_combo else f"is not one of its {len(options)} options")
    ctx.report(code, f"{subject}: input '{spec.name}' value {_short(value)} {reason}",
               node=node.id, input=spec.name, hint=hint,
               extra={"suggestion": slip[0]} if slip else None)


def _check_file_input(ctx: LintContext, node: Node, node_class: NodeClass, spec: InputSpec, value: Any, subject: Any) -> None:
    """Mirror the file checks of LoadImage and its kin, which run instead of the COMBO check."""
    if comfy.FILE_CHECKED_INPUTS.get(node_class.name) != spec.name or not isinstance(value, str):
        return
    if (node.id, spec.name) in ctx.supplied_inputs or spec.options is None:
        return
    filename, folder = comfy.strip_folder_annotation(value)
    if folder != "input" or filename in spec.options or value in spec.options:
        return
    ctx.report("WFC209", f"{subject}: input '{spec.name}' names {value!r}, which is not in the server's input folder "
               "as the catalog lists it", node=node.id, input=spec.name,
               hint="upload the file to ComfyUI's input folder, or let the job supply it "
                    "(declare this node as an image input of the worker contract)")
