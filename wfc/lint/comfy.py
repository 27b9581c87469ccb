"""How ComfyUI 0.3.64 validates one input value, restated for the catalog rules.

Facts from ``validate_inputs`` in ComfyUI's ``execution.py`` and from the node classes of that
release (commit a125cd84):

- A literal for an ``INT``, ``FLOAT``, ``STRING`` or ``BOOLEAN`` input is converted with Python's
  ``int``, ``float``, ``str`` or ``bool``. A conversion that raises is ``invalid_input_type``.
  So ``"20"`` is a valid INT, ``3.7`` becomes 3, and the string ``"false"`` is a true BOOLEAN.
  A dict ``{"__value__": X}`` stands for the literal X.
- ``min`` and ``max`` are compared with the converted value, and membership is checked only for
  COMBO inputs declared as a list of options, unless the class validates that input itself.
- Classes with their own validation function skip those checks for the inputs the function
  takes and report ``custom_validation_failed`` instead (``LoadImage`` when the file is not in
  the input folder). A function that takes ``input_types`` also turns off the link type check.
- ``rawLink`` plays no part in validation; it only changes what a node receives at run time.
- Link types match on overlap of their comma-separated parts. ``*`` matches anything through the
  string subclasses that V3 nodes and custom node packs use for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Class type -> inputs its own validation function receives, in ComfyUI 0.3.64 and the worker's
# node packs. "input_types" means the function also receives the linked types, so ComfyUI skips
# its link type check for that class. Subclasses inherit the function (LoadImageOutput).
VALIDATED_BY_CLASS: dict[str, frozenset[str]] = {
    "LoadImage": frozenset({"image"}),
    "LoadImageOutput": frozenset({"image"}),
    "LoadImageMask": frozenset({"image"}),
    "LoadLatent": frozenset({"latent"}),
    "LoadAudio": frozenset({"audio"}),
    "LoadVideo": frozenset({"file"}),
    "LoadImageSetNode": frozenset({"images", "resize_method"}),
    "FluxProUltraImageNode": frozenset({"aspect_ratio"}),
    "KlingCameraControls": frozenset({"horizontal_movement", "vertical_movement", "pan", "tilt", "roll", "zoom"}),
    "TripoConversionNode": frozenset({"input_types"}),
}

# Classes whose validation function checks that the named file exists in a server folder. The
# catalog's options for that input are the folder listing of the machine it was captured on.
FILE_CHECKED_INPUTS: dict[str, str] = {
    "LoadImage": "image",
    "LoadImageOutput": "image",
    "LoadImageMask": "image",
    "LoadLatent": "latent",
    "LoadAudio": "audio",
    "LoadVideo": "file",
}

# Annotations ComfyUI accepts after a file name to pick the folder: "x.png [output]".
FOLDER_ANNOTATIONS = (" [input]", " [output]", " [temp]")

CONVERTERS = {"INT": int, "FLOAT": float, "STRING": str, "BOOLEAN": bool}


@dataclass(frozen=True)
class Conversion:
    """The outcome of converting a literal the way ComfyUI does."""

    value: Any
    error: str | None = None


def unwrap(value: Any) -> Any:
    """Return the literal a ``{"__value__": X}`` wrapper stands for, or the value itself."""
    if isinstance(value, dict) and "__value__" in value:
        return value["__value__"]
    return value


def convert(value: Any, input_type: str) -> Conversion:
    """Convert a literal for an input of ``input_type``; other types pass through unchanged."""
    converter = CONVERTERS.get(input_type)
    if converter is None:
        return Conversion(value)
    try:
        return Conversion(converter(value))
    except (TypeError, ValueError, OverflowError) as exc:
        return Conversion(value, str(exc))


def validated_inputs(class_type: str) -> frozenset[str]:
    return VALIDATED_BY_CLASS.get(class_type, frozenset())


def checks_link_types(class_type: str) -> bool:
    """Return whether ComfyUI checks the types of links into this class."""
    return "input_types" not in VALIDATED_BY_CLASS.get(class_type, frozenset())


def strip_folder_annotation(name: str) -> tuple[str, str]:
    """Split ``"x.png [output]"`` into ``("x.png", "output")``; no annotation means ``input``."""
    for annotation in FOLDER_ANNOTATIONS:
        if name.endswith(annotation):
            return name[: -len(annotation)], annotation.strip(" []")
    return name, "input"
