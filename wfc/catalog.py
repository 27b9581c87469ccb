"""Node catalog: the node definitions of one ComfyUI installation.

A catalog is read from ComfyUI's ``GET /object_info`` (a raw dump) or from the normalised
file that ``wfc catalog import`` writes (``{"format": "wfc-catalog/1", ...}``). Both load into
the same ``Catalog`` object, so every command accepts either.

The normalised form keeps what validation and code generation need (input order, sections,
types, COMBO options, bounds, flags, outputs, output nodes, node packs) and drops the
documentation text (tooltips, descriptions), which changes between releases without changing
behaviour. Its digest is the sha256 of its canonical JSON without the digest field, so it does
not depend on key order or whitespace of the source dump.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wfc.graph import json_type_name

CATALOG_FORMAT = "wfc-catalog/1"

# Keys of an input's options dict that are documentation, not behaviour.
DOC_KEYS = frozenset({"tooltip", "description", "placeholder"})

# Flags that mark a COMBO whose values are files the job uploads at run time.
UPLOAD_FLAGS = ("image_upload", "video_upload", "audio_upload", "upload")

SECTIONS = ("required", "optional", "hidden")

# Largest catalog file read. The object_info of ComfyUI 0.3.64 with the worker's node packs is
# about 0.6 MB; an installation with many packs and model lists is a few MB.
MAX_CATALOG_BYTES = 64 * 1024 * 1024

# Keys of one class entry in a normalised catalog, as NodeClass.to_json writes them.
NORMALISED_CLASS_KEYS = frozenset({
    "display_name", "category", "python_module", "pack", "output_node", "inputs", "outputs", "deprecated", "experimental",
})

# Description of the files every catalog reader accepts, for messages that reject another file.
CATALOG_KINDS = "the JSON of ComfyUI's GET /object_info or a catalog written by `wfc catalog import`"


class CatalogError(Exception):
    """A catalog file cannot be read or is not a catalog."""


@dataclass(frozen=True)
class InputSpec:
    """One input of a node class, as ComfyUI declares it."""

    name: str
    section: str  # "required", "optional" or "hidden"
    type: str  # "INT", "MODEL", "IMAGE,MASK", "*", or "COMBO" for a list of options
    options: tuple[Any, ...] | None = None  # COMBO options, None for other types
    config: dict[str, Any] = field(default_factory=dict)  # default, min, max, step, flags
    # True when object_info spells the COMBO as ["COMBO", {"options": [...]}] (V3 nodes) rather
    # than as a list of options in place of the type. ComfyUI 0.3.64 checks a value's membership
    # in the options only for the list spelling.
    declared_as_combo: bool = False

    @property
    def is_combo(self) -> bool:
        return self.options is not None

    @property
    def is_widget(self) -> bool:
        """Whether the editor shows this input as a widget (a literal value) by default."""
        if self.section == "hidden" or self.config.get("forceInput"):
            return False
        return self.is_combo or self.type in ("INT", "FLOAT", "STRING", "BOOLEAN")

    @property
    def is_upload(self) -> bool:
        return any(self.config.get(flag) for flag in UPLOAD_FLAGS)

    @property
    def default(self) -> Any:
        return self.config.get("default")

    @property
    def min(self) -> Any:
        return self.config.get("min")

    @property
    def max(self) -> Any:
        return self.config.get("max")

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "section": self.section, "type": self.type}
        if self.options is not None:
            data["options"] = list(self.options)
        if self.declared_as_combo:
            data["declared_as_combo"] = True
        if self.config:
            data["config"] = self.config
        return data


@dataclass(frozen=True)
class OutputSpec:
    """One output slot of a node class."""

    index: int
    name: str
    type: str
    is_list: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "is_list": self.is_list}


@dataclass
class NodeClass:
    """One node class: its inputs in declaration order and its outputs."""

    name: str
    inputs: dict[str, InputSpec]
    outputs: list[OutputSpec]
    output_node: bool = False
    display_name: str | None = None
    category: str = ""
    python_module: str = ""
    pack: str = "core"
    deprecated: bool = False
    experimental: bool = False

    def input(self, name: str) -> InputSpec | None:
        return self.inputs.get(name)

    def section(self, section: str) -> list[InputSpec]:
        return [spec for spec in self.inputs.values() if spec.section == section]

    @property
    def required(self) -> list[InputSpec]:
        return self.section("required")

    @property
    def visible_inputs(self) -> list[InputSpec]:
        """Required then optional inputs; hidden inputs are filled in by ComfyUI itself."""
        return [spec for spec in self.inputs.values() if spec.section != "hidden"]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "display_name": self.display_name,
            "category": self.category,
            "python_module": self.python_module,
            "pack": self.pack,
            "output_node": self.output_node,
            "inputs": [spec.to_json() for spec in self.inputs.values()],
            "outputs": [out.to_json() for out in self.outputs],
        }
        if self.deprecated:
            data["deprecated"] = True
        if self.experimental:
            data["experimental"] = True
        return data


@dataclass
class Catalog:
    """All node classes of one ComfyUI installation, plus where they came from."""

    classes: MutableMapping[str, NodeClass]
    source: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    _digest: str | None = None

    def __contains__(self, class_type: object) -> bool:
        return class_type in self.classes

    def __iter__(self) -> Iterator[NodeClass]:
        return iter(self.classes.values())

    def __len__(self) -> int:
        return len(self.classes)

    def get(self, class_type: str) -> NodeClass | None:
        return self.classes.get(class_type)

    def to_json(self) -> dict[str, Any]:
        """Return the normalised catalog document, digest included."""
        body = self._body()
        return {"format": CATALOG_FORMAT, "digest": _digest_of(body), **body}

    @property
    def digest(self) -> str:
        if self._digest is None:
            self._digest = _digest_of(self._body())
        return self._digest

    def _body(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "classes": {name: self.classes[name].to_json() for name in sorted(self.classes)},
        }


def _digest_of(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def dump_catalog(catalog: Catalog) -> str:
    """Serialise a catalog deterministically (sorted classes, two-space indent)."""
    return json.dumps(catalog.to_json(), indent=2, ensure_ascii=False) + "\n"


# --- reading ComfyUI's object_info ------------------------------------------------------------


def _strip_docs(config: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in config.items() if key not in DOC_KEYS}


def parse_input_spec(name: str, section: str, raw: Any) -> InputSpec:
    """Read one input declaration, in either COMBO spelling.

    ComfyUI declares an input as ``[TYPE, {config}]`` or ``[TYPE]``. A COMBO is either a list
    of options in place of the type (``[["a", "b"], {...}]``) or ``["COMBO", {"options": [...]}]``.
    Hidden inputs are a bare type string (``"PROMPT"``).
    """
    if isinstance(raw, str):
        return InputSpec(name=name, section=section, type=raw)
    if not isinstance(raw, (list, tuple)) or not raw:
        raise CatalogError(f"input {name!r} has an invalid declaration: {raw!r}")

    kind = raw[0]
    config = raw[1] if len(raw) > 1 and isinstance(raw[1], dict) else {}
    config = _strip_docs(config)

    if isinstance(kind, list):
        return InputSpec(name=name, section=section, type="COMBO", options=tuple(kind), config=config)
    if kind == "COMBO":
        options = config.pop("options", [])
        return InputSpec(
            name=name, section=section, type="COMBO", options=tuple(options), config=config, declared_as_combo=True
        )
    if not isinstance(kind, str):
        raise CatalogError(f"input {name!r} has a type that is not a string: {kind!r}")
    return InputSpec(name=name, section=section, type=kind, config=config)


def parse_node_class(name: str, raw: dict[str, Any], pack: str = "core") -> NodeClass:
    """Read one class of an ``object_info`` dump, keeping the declared input order."""
    if not isinstance(raw, dict):
        raise CatalogError(f"class {name!r} is not an object")

    declared = raw.get("input") or {}
    order = raw.get("input_order") or {}
    inputs: dict[str, InputSpec] = {}
    for section in SECTIONS:
        entries = declared.get(section) or {}
        if not isinstance(entries, dict):
            raise CatalogError(f"class {name!r}: input section {section!r} is not an object")
        names = list(order.get(section) or entries.keys())
        names += [key for key in entries if key not in names]
        for input_name in names:
            if input_name in entries:
                inputs[input_name] = parse_input_spec(input_name, section, entries[input_name])

    types = raw.get("output") or []
    names = raw.get("output_name") or []
    lists = raw.get("output_is_list") or []
    outputs = []
    for index, output_type in enumerate(types):
        type_name = "COMBO" if isinstance(output_type, list) else str(output_type)
        output_name = names[index] if index < len(names) and names[index] else type_name
        is_list = bool(lists[index]) if index < len(lists) else False
        outputs.append(OutputSpec(index=index, name=str(output_name), type=type_name, is_list=is_list))

    return NodeClass(
        name=name,
        inputs=inputs,
        outputs=outputs,
        output_node=bool(raw.get("output_node", False)),
        display_name=raw.get("display_name"),
        category=str(raw.get("category") or ""),
        python_module=str(raw.get("python_module") or ""),
        pack=pack,
        deprecated=bool(raw.get("deprecated", False)),
        experimental=bool(raw.get("experimental", False)),
    )


def pack_of(python_module: str) -> str:
    """Name the node pack a class comes from: ``core`` or the custom node folder."""
    if python_module.startswith("custom_nodes."):
        return python_module.split(".", 1)[1]
    return "core"


def from_object_info(
    data: dict[str, Any], source: dict[str, Any] | None = None, packs: dict[str, str] | None = None
) -> Catalog:
    """Build a catalog from a raw ``object_info`` document.

    ``packs`` maps class names to pack labels such as ``ComfyUI-nunchaku@v1.0.2``; classes not in
    it get the pack named by their ``python_module``.
    """
    check_object_info(data)
    packs = packs or {}
    classes = {}
    for name, raw in data.items():
        pack = packs.get(name) or pack_of(str(raw.get("python_module") or ""))
        classes[name] = parse_node_class(name, raw, pack)
    return Catalog(classes=classes, source=dict(source or {}))


def check_object_info(data: Any) -> None:
    """Raise CatalogError unless ``data`` has the shape of ComfyUI's ``object_info``.

    Every value must be a class entry: an object whose ``input`` is an object of sections
    (``required``, ``optional``, ``hidden``, each an object) and whose ``output`` is a list,
    with ``output_name`` and ``output_is_list`` lists and ``input_order`` an object when present.
    Workflows in either format are named as such, because they are the usual wrong file.
    """
    from wfc.graph import is_ui_format

    if not isinstance(data, dict):
        raise CatalogError(f"object_info must be a JSON object of node classes, not {json_type_name(data)}; "
                           f"expected {CATALOG_KINDS}")
    if is_ui_format(data):
        raise CatalogError(f"this is an editor (UI-format) workflow, not a catalog; expected {CATALOG_KINDS}")
    if not data:
        raise CatalogError(f"the object_info has no node classes; expected {CATALOG_KINDS}")
    for name, raw in data.items():
        if isinstance(raw, dict) and "class_type" in raw and "input" not in raw:
            raise CatalogError(f"this is an API-format workflow (node {name!r} has a class_type), not a catalog; "
                               f"expected {CATALOG_KINDS}")
        problem = _class_entry_problem(raw)
        if problem is not None:
            raise CatalogError(f"not an object_info document: class {name!r} {problem}; expected {CATALOG_KINDS}")


def _class_entry_problem(raw: Any) -> str | None:
    """Describe what keeps one value of an object_info from being a class entry, or return None."""
    if not isinstance(raw, dict):
        return f"is {json_type_name(raw)}, not an object with 'input' and 'output'"
    declared = raw.get("input")
    if not isinstance(declared, dict):
        found = "has no 'input'" if "input" not in raw else f"has an 'input' that is {json_type_name(declared)}"
        return f"{found}; a class entry's 'input' is an object of required, optional and hidden inputs"
    for section in SECTIONS:
        entries = declared.get(section)
        if entries is not None and not isinstance(entries, dict):
            return f"has an input section {section!r} that is {json_type_name(entries)}, not an object of inputs"
    if not isinstance(raw.get("output"), list):
        found = "has no 'output'" if "output" not in raw else f"has an 'output' that is {json_type_name(raw['output'])}"
        return f"{found}; a class entry's 'output' is a list of output types"
    for key in ("output_name", "output_is_list"):
        if raw.get(key) is not None and not isinstance(raw[key], list):
            return f"has an {key!r} that is {json_type_name(raw[key])}, not a list"
    if raw.get("input_order") is not None and not isinstance(raw["input_order"], dict):
        return f"has an 'input_order' that is {json_type_name(raw['input_order'])}, not an object"
    return None


def node_class_from_normalised(name: str, raw: dict[str, Any]) -> NodeClass:
    """Build one class from its entry in a normalised catalog."""
    inputs = {}
    for entry in raw.get("inputs", []):
        options = entry.get("options")
        inputs[entry["name"]] = InputSpec(
            name=entry["name"],
            section=entry["section"],
            type=entry["type"],
            options=tuple(options) if options is not None else None,
            config=entry.get("config", {}),
            declared_as_combo=entry.get("declared_as_combo", False),
        )
    outputs = [
        OutputSpec(index=index, name=out["name"], type=out["type"], is_list=out.get("is_list", False))
        for index, out in enumerate(raw.get("outputs", []))
    ]
    return NodeClass(
        name=name,
        inputs=inputs,
        outputs=outputs,
        output_node=raw.get("output_node", False),
        display_name=raw.get("display_name"),
        category=raw.get("category", ""),
        python_module=raw.get("python_module", ""),
        pack=raw.get("pack", "core"),
        deprecated=raw.get("deprecated", False),
        experimental=raw.get("experimental", False),
    )


class LazyClasses(MutableMapping[str, NodeClass]):
    """Class table of a normalised catalog that builds each NodeClass on first access.

    A lint run touches a dozen of the catalog's 500 classes, and building all of them costs more
    than the rest of a cold ``wfc lint``. Entries are validated when built, so a malformed entry
    raises CatalogError at the first lookup of that class rather than at load time.
    """

    def __init__(self, raw: dict[str, Any]) -> None:
        self._raw = raw
        self._built: dict[str, NodeClass] = {}

    def __getitem__(self, name: str) -> NodeClass:
        built = self._built.get(name)
        if built is not None:
            return built
        raw = self._raw[name]
        try:
            built = node_class_from_normalised(name, raw)
        except (KeyError, TypeError, AttributeError) as exc:
            raise CatalogError(f"class {name!r} is not a valid catalog entry: {exc!r}") from None
        self._built[name] = built
        return built

    def __setitem__(self, name: str, value: NodeClass) -> None:
        self._raw.setdefault(name, {})
        self._built[name] = value

    def __delitem__(self, name: str) -> None:
        del self._raw[name]
        self._built.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def from_normalised(data: dict[str, Any]) -> Catalog:
    """Load a catalog written by ``wfc catalog import``; classes are built when first used."""
    check_normalised(data)
    return Catalog(classes=LazyClasses(data["classes"]), source=data.get("source") or {}, _digest=data.get("digest"))


def check_normalised(data: dict[str, Any]) -> None:
    """Raise CatalogError unless a normalised catalog is well-formed at the top and class level.

    This is one pass over the key sets of the entries, so loading stays fast. The inputs and
    outputs of a class are checked when LazyClasses builds it.
    """
    unknown = sorted(set(data) - {"format", "digest", "source", "classes"})
    if unknown:
        raise CatalogError(f"unknown field{'s' if len(unknown) != 1 else ''} {', '.join(map(repr, unknown))} in a "
                           f"{CATALOG_FORMAT} catalog; write the file again with `wfc catalog import`")
    digest = data.get("digest")
    if digest is not None and not (isinstance(digest, str) and digest.startswith("sha256:")):
        raise CatalogError(f"field 'digest' must be a string 'sha256:<hex>', not {digest!r}")
    if not isinstance(data.get("source", {}), dict):
        raise CatalogError(f"field 'source' must be an object, not {json_type_name(data['source'])}")
    classes = data.get("classes")
    if classes is None:
        raise CatalogError("field 'classes' is missing; it must be an object of class name to class entry")
    if not isinstance(classes, dict) or not classes:
        found = "empty" if isinstance(classes, dict) else json_type_name(classes)
        raise CatalogError(f"field 'classes' is {found}; it must be an object of class name to class entry")

    for name, raw in classes.items():
        if not isinstance(raw, dict):
            raise CatalogError(f"class {name!r} is {json_type_name(raw)}, not a class entry object")
        extra = raw.keys() - NORMALISED_CLASS_KEYS
        if extra:
            raise CatalogError(f"class {name!r} has unknown field{'s' if len(extra) != 1 else ''} "
                               f"{', '.join(map(repr, sorted(extra)))}; write the file again with `wfc catalog import`")
        for key in ("inputs", "outputs"):
            if not isinstance(raw.get(key), list):
                found = "no" if key not in raw else f"{json_type_name(raw[key])} as"
                raise CatalogError(f"class {name!r} has {found} {key!r}; it must be a list")


def catalog_from_json(data: Any) -> Catalog:
    """Build a catalog from either a normalised catalog or a raw ``object_info`` document."""
    if isinstance(data, dict) and data.get("format") == CATALOG_FORMAT:
        return from_normalised(data)
    if isinstance(data, dict) and isinstance(data.get("format"), str) and "classes" in data:
        raise CatalogError(f"unsupported catalog format {data['format']!r}; expected {CATALOG_FORMAT!r}")
    return from_object_info(data)


def read_json_file(path: Path, what: str = "catalog", expected: str = CATALOG_KINDS,
                   limit: int = MAX_CATALOG_BYTES) -> Any:
    """Read and decode one JSON file of at most ``limit`` bytes; raise CatalogError naming ``path``.

    ``what`` names the file in messages and ``expected`` describes what it should contain. NaN and
    Infinity are rejected, since they are not JSON.
    """
    try:
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)
    except FileNotFoundError:
        raise CatalogError(f"{path}: {what} file not found") from None
    except IsADirectoryError:
        raise CatalogError(f"{path}: is a folder, not a {what} file") from None
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    if len(raw) > limit:
        raise CatalogError(f"{path}: the {what} file is over the limit of {limit:,} bytes; expected {expected}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{path}: the {what} is not UTF-8 text (byte {exc.start} is invalid); "
                           f"expected {expected}") from None

    from wfc.graph import describe_decode_error, describe_number_error, reject_constant

    try:
        return json.loads(text, parse_constant=reject_constant)
    except json.JSONDecodeError as exc:
        where = f":{exc.lineno}:{exc.colno}" if text.strip() else ""
        raise CatalogError(f"{path}{where}: {describe_decode_error(exc, text)}") from None
    except RecursionError:
        raise CatalogError(f"{path}: the JSON nests too deeply to parse; expected {expected}") from None
    except ValueError as exc:
        message, position = describe_number_error(exc, text, f"a {what}")
        where = f":{position.line}:{position.column}" if position else ""
        raise CatalogError(f"{path}{where}: {message}") from None


def load_catalog(path: str | Path) -> Catalog:
    """Read a catalog file (normalised or raw ``object_info``); raise CatalogError when unusable."""
    path = Path(path)
    data = read_json_file(path)
    try:
        catalog = catalog_from_json(data)
    except (KeyError, TypeError, AttributeError) as exc:
        raise CatalogError(f"{path}: not a catalog: {exc!r}") from None
    except CatalogError as exc:
        raise CatalogError(f"{path}: {exc}") from None
    catalog.path = path
    return catalog


def types_match(output_type: str, input_type: str) -> bool:
    """Whether a link carrying ``output_type`` may feed an input of ``input_type``.

    Matches ComfyUI 0.3.64: ``*`` on either side accepts anything, and comma-separated unions
    match when they overlap.
    """
    if output_type == input_type or output_type == "*" or input_type == "*":
        return True
    if "," in output_type or "," in input_type:
        outputs = {part.strip() for part in output_type.split(",")}
        inputs = {part.strip() for part in input_type.split(",")}
        return bool(outputs & inputs) or "*" in outputs or "*" in inputs
    return False
