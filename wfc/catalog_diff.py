"""Compare two node catalogs and mark the changes that break existing workflows.

A change is breaking when a workflow that validated against the old catalog can fail
validation, or silently change behaviour, against the new one. These are: a removed class,
input, output or COMBO option, a new required input, an optional input made required, a changed
input or output type, a narrowed range, and a class that stopped being an output node.
Everything else (new classes, new optional inputs, new options, wider ranges, changed
defaults) is compatible.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wfc.catalog import Catalog, InputSpec, NodeClass


@dataclass(frozen=True)
class Change:
    """One difference between two catalogs."""

    kind: str  # e.g. "class_removed", "input_added", "range_narrowed"
    class_type: str
    breaking: bool
    detail: str
    input: str | None = None
    output: int | None = None
    old: Any = None
    new: Any = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "breaking": self.breaking,
            "class_type": self.class_type,
            "input": self.input,
            "output": self.output,
            "old": self.old,
            "new": self.new,
            "detail": self.detail,
        }

    @property
    def where(self) -> str:
        if self.input is not None:
            return f"{self.class_type}.{self.input}"
        if self.output is not None:
            return f"{self.class_type} output {self.output}"
        return self.class_type


def diff_catalogs(old: Catalog, new: Catalog) -> list[Change]:
    """Return every change from ``old`` to ``new``, classes in name order."""
    changes: list[Change] = []
    for name in sorted(set(old.classes) | set(new.classes)):
        before = old.classes.get(name)
        after = new.classes.get(name)
        if before is None and after is not None:
            changes.append(Change("class_added", name, False, f"new class ({after.pack})"))
        elif after is None and before is not None:
            changes.append(Change("class_removed", name, True,
                                  f"class removed ({before.pack}); workflows that use it fail with invalid_prompt"))
        elif before is not None and after is not None:
            changes.extend(_diff_class(before, after))
    return changes


def _diff_class(before: NodeClass, after: NodeClass) -> list[Change]:
    name = before.name
    changes: list[Change] = []
    for input_name in before.inputs:
        if input_name not in after.inputs:
            spec = before.inputs[input_name]
            if spec.section == "hidden":
                changes.append(Change("input_removed", name, False, "hidden input removed", input=input_name))
            else:
                changes.append(Change("input_removed", name, True,
                                      f"{spec.section} input removed; ComfyUI ignores the value workflows still set",
                                      input=input_name, old=spec.type))
    for input_name, spec in after.inputs.items():
        if input_name in before.inputs:
            changes.extend(_diff_input(name, before.inputs[input_name], spec))
        elif spec.section == "required":
            default = f" (default {spec.default!r})" if spec.default is not None else ""
            changes.append(Change("input_added", name, True,
                                  f"new required input of type {spec.type}{default}; workflows without it fail with "
                                  "required_input_missing", input=input_name, new=spec.type))
        else:
            changes.append(Change("input_added", name, False, f"new {spec.section} input of type {spec.type}",
                                  input=input_name, new=spec.type))

    changes.extend(_diff_outputs(before, after))
    if before.output_node and not after.output_node:
        changes.append(Change("output_node_changed", name, True, "no longer an output node; workflows ending in it have no output",
                              old=True, new=False))
    elif after.output_node and not before.output_node:
        changes.append(Change("output_node_changed", name, False, "became an output node", old=False, new=True))
    if after.deprecated and not before.deprecated:
        changes.append(Change("deprecated", name, False, "marked deprecated"))
    if before.pack != after.pack:
        changes.append(Change("pack_changed", name, False, f"node pack {before.pack} -> {after.pack}",
                              old=before.pack, new=after.pack))
    return changes


def _diff_input(class_type: str, before: InputSpec, after: InputSpec) -> list[Change]:
    name = before.name
    changes: list[Change] = []
    if before.section != after.section:
        breaking = after.section == "required"
        changes.append(Change("input_section_changed", class_type, breaking,
                              f"moved from {before.section} to {after.section} inputs"
                              + ("; workflows without it now fail" if breaking else ""),
                              input=name, old=before.section, new=after.section))
    if before.type != after.type:
        widened = _parts(before.type) <= _parts(after.type) or "*" in _parts(after.type)
        changes.append(Change("type_changed", class_type, not widened, f"type {before.type} -> {after.type}",
                              input=name, old=before.type, new=after.type))
    if before.is_combo and after.is_combo:
        changes.extend(_diff_options(class_type, name, before, after))
    for bound in ("min", "max"):
        old_limit, new_limit = before.config.get(bound), after.config.get(bound)
        if old_limit == new_limit:
            continue
        narrowed = _narrows(bound, old_limit, new_limit)
        changes.append(Change("range_narrowed" if narrowed else "range_widened", class_type, narrowed,
                              f"{bound} {old_limit!r} -> {new_limit!r}", input=name, old=old_limit, new=new_limit))
    if before.default != after.default:
        changes.append(Change("default_changed", class_type, False, f"default {before.default!r} -> {after.default!r}",
                              input=name, old=before.default, new=after.default))
    return changes


def _parts(type_name: str) -> set[str]:
    return {part.strip() for part in type_name.split(",")}


def _narrows(bound: str, old: Any, new: Any) -> bool:
    if new is None:
        return False
    if old is None:
        return True
    try:
        return new > old if bound == "min" else new < old
    except TypeError:
        return True


def _diff_options(class_type: str, name: str, before: InputSpec, after: InputSpec) -> list[Change]:
    old_options = list(before.options or ())
    new_options = list(after.options or ())
    removed = [option for option in old_options if option not in new_options]
    added = [option for option in new_options if option not in old_options]
    changes = []
    if removed:
        changes.append(Change("options_removed", class_type, True,
                              f"{len(removed)} option{'s' if len(removed) != 1 else ''} removed: {_preview(removed)}",
                              input=name, old=removed))
    if added:
        changes.append(Change("options_added", class_type, False,
                              f"{len(added)} option{'s' if len(added) != 1 else ''} added: {_preview(added)}",
                              input=name, new=added))
    return changes


def _preview(values: list[Any], limit: int = 6) -> str:
    text = ", ".join(repr(value) for value in values[:limit])
    return text + (f", ... ({len(values) - limit} more)" if len(values) > limit else "")


def _diff_outputs(before: NodeClass, after: NodeClass) -> list[Change]:
    changes = []
    for index, output in enumerate(before.outputs):
        if index >= len(after.outputs):
            changes.append(Change("output_removed", before.name, True,
                                  f"output removed ({output.type}); links that read it fail",
                                  output=index, old=output.type))
            continue
        new_type = after.outputs[index].type
        if new_type != output.type:
            narrowed = not (_parts(output.type) <= _parts(new_type))
            changes.append(Change("output_type_changed", before.name, narrowed,
                                  f"output type {output.type} -> {new_type}",
                                  output=index, old=output.type, new=new_type))
    for index in range(len(before.outputs), len(after.outputs)):
        changes.append(Change("output_added", before.name, False,
                              f"new output ({after.outputs[index].type})", output=index,
                              new=after.outputs[index].type))
    return changes


def format_text(changes: list[Change], old_name: str, new_name: str) -> str:
    """Render changes one per line, breaking ones first, with a summary line.

    A line is ``LABEL where: detail``; each detail names its kind of change ("1 option added:
    'x'", "type INT -> FLOAT"), so the kind is not printed again.
    """
    lines = []
    ordered = sorted(changes, key=lambda change: (not change.breaking, change.class_type, change.input or "", change.kind))
    for change in ordered:
        label = "BREAKING  " if change.breaking else "compatible"
        lines.append(f"{label} {change.where}: {change.detail}")
    breaking = sum(1 for change in changes if change.breaking)
    lines.append(f"{old_name} -> {new_name}: {len(changes)} change{'s' if len(changes) != 1 else ''}, {breaking} breaking")
    return "\n".join(lines)
