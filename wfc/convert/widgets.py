"""Widgets of a node, as the ComfyUI frontend (1.27.10) builds them from the catalog.

The editor saves widget values by position (``widgets_values``), so reading them needs the exact
widget list the frontend creates for a class:

1. Frontend extensions add inputs to some classes before widgets are built. An ``upload`` button
   comes with the first required COMBO that has ``image_upload``, ``video_upload`` or
   ``animated_image_upload``. The audio nodes get an ``audioUI`` player, and an ``upload`` button
   when ``audio`` has ``audio_upload``. The 3D preview nodes get an ``image`` preview.
2. Inputs are taken in the catalog's ``input_order`` (required, then optional), and inputs that
   the order does not name (those added in step 1) come last.
3. Each input whose type has a widget constructor and that is not ``forceInput`` gets a widget.
   An INT whose spec sets ``control_after_generate`` (or, without the flag, an INT named ``seed``
   or ``noise_seed``) is followed by a "control after generate" widget; a COMBO with the flag is
   followed by that widget and a filter-list widget. Neither is sent to ComfyUI.
4. Extensions add widgets after node creation (PreviewAny's ``preview``).

A widget can be left out of ``widgets_values`` (``stored`` False: the editor writes a null hole
for it and skips it when loading) and out of the prompt (``in_prompt`` False).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from wfc.catalog import InputSpec, NodeClass
from wfc.convert.document import UINode

# Input types that have a widget constructor in the frontend: the core ones and those that core
# extensions register.
WIDGET_TYPES = frozenset({
    "INT", "FLOAT", "BOOLEAN", "STRING", "MARKDOWN", "COMBO", "IMAGEUPLOAD", "FILEUPLOAD", "COLOR",
    "IMAGECOMPARE", "TREESELECT", "MULTISELECT", "CHART", "GALLERIA", "SELECTBUTTON", "TEXTAREA",
    "AUDIO_UI", "AUDIOUPLOAD", "AUDIO_RECORD", "WEBCAM", "LOAD_3D", "LOAD_3D_ANIMATION",
    "PREVIEW_3D", "PREVIEW_3D_ANIMATION",
})

# Legacy rule of the frontend: these INT inputs get a control widget when the catalog is silent.
LEGACY_SEED_NAMES = ("seed", "noise_seed")

MEDIA_UPLOAD_FLAGS = ("image_upload", "video_upload", "animated_image_upload")

# Classes to which the audio extension adds an ``audioUI`` player widget.
AUDIO_UI_CLASSES = frozenset({"LoadAudio", "SaveAudio", "PreviewAudio", "SaveAudioMP3", "SaveAudioOpus"})

# Classes to which the 3D extensions add an ``image`` preview widget, with its input type.
PREVIEW_3D_CLASSES = {"SaveGLB": "PREVIEW_3D", "Preview3D": "PREVIEW_3D", "Preview3DAnimation": "PREVIEW_3D_ANIMATION"}


@dataclass(frozen=True)
class Widget:
    """One widget of a node: its name (the input it sets), default value and how it is saved and sent."""

    name: str
    default: Any = None
    in_prompt: bool = True  # False for control, filter-list and upload widgets
    stored: bool = True  # False when the editor leaves it out of widgets_values
    dynamic_prompts: bool = False  # True when the frontend resolves {a|b} choices in it
    upload_folder: str | None = None  # for a COMBO with an upload button: the folder its files go to


@dataclass(frozen=True)
class ExtraInput:
    """An input that a frontend extension adds to a class before its widgets are built."""

    name: str
    type: str
    config: dict[str, Any]


def default_value(spec: InputSpec) -> Any:
    """Return the value a fresh widget has before widgets_values is applied."""
    if "default" in spec.config:
        return spec.config["default"]
    if spec.is_combo:
        return spec.options[0] if spec.options else None
    return {"INT": 0, "FLOAT": 0, "STRING": "", "BOOLEAN": False}.get(spec.type)


def extension_inputs(node_class: NodeClass) -> list[ExtraInput]:
    """List the inputs core frontend extensions add to this class, in the order they add them."""
    extra: list[ExtraInput] = []
    required = node_class.required

    if node_class.name in AUDIO_UI_CLASSES:
        extra.append(ExtraInput("audioUI", "AUDIO_UI", {}))
    audio = node_class.input("audio")
    if audio is not None and audio.section == "required" and audio.config.get("audio_upload") is True:
        extra.append(ExtraInput("upload", "AUDIOUPLOAD", {}))

    for spec in required:
        if spec.is_combo and any(spec.config.get(flag) is True for flag in MEDIA_UPLOAD_FLAGS):
            extra.append(ExtraInput("upload", "IMAGEUPLOAD", {"imageInputName": spec.name}))
            break

    preview_type = PREVIEW_3D_CLASSES.get(node_class.name)
    if preview_type is not None:
        extra.append(ExtraInput("image", preview_type, {}))
    return extra


def _spec_widgets(spec: InputSpec) -> list[Widget]:
    if spec.section == "hidden" or spec.config.get("forceInput"):
        return []
    widget_type = "COMBO" if spec.is_combo else spec.type
    if widget_type not in WIDGET_TYPES:
        return []

    dynamic = widget_type == "STRING" and spec.config.get("dynamicPrompts") is True
    upload_folder = None
    if widget_type == "COMBO" and any(spec.config.get(flag) is True for flag in MEDIA_UPLOAD_FLAGS):
        upload_folder = str(spec.config.get("image_folder") or "input")
    widgets = [Widget(spec.name, default_value(spec), dynamic_prompts=dynamic, upload_folder=upload_folder)]
    flag = spec.config.get("control_after_generate")
    if widget_type == "INT" and (flag if flag is not None else spec.name in LEGACY_SEED_NAMES):
        widgets.append(Widget("control_after_generate", "randomize", in_prompt=False))
    elif widget_type == "COMBO" and flag:
        widgets.append(Widget("control_after_generate", "randomize", in_prompt=False))
        widgets.append(Widget("control_filter_list", "", in_prompt=False))
    return widgets


def _extra_widgets(extra: ExtraInput) -> list[Widget]:
    if extra.type == "AUDIO_UI":
        return [Widget(extra.name, "", stored=False)]
    if extra.type in ("AUDIOUPLOAD", "IMAGEUPLOAD"):
        return [Widget(extra.name, "image" if extra.type == "IMAGEUPLOAD" else "", in_prompt=False)]
    return [Widget(extra.name, "")]


def widget_layout(node_class: NodeClass) -> list[Widget]:
    """List the widgets the frontend creates for a node of this class, in widgets_values order."""
    widgets: list[Widget] = []
    for spec in node_class.visible_inputs:
        widgets.extend(_spec_widgets(spec))
    for extra in extension_inputs(node_class):
        widgets.extend(_extra_widgets(extra))
    if node_class.name == "PreviewAny":
        widgets.append(Widget("preview", "", stored=False))
    return widgets


def socket_order(node_class: NodeClass) -> list[tuple[str, str, bool]]:
    """List (name, type, has widget) of the input sockets the frontend creates: bare sockets first, then widget sockets."""
    bare: list[tuple[str, str, bool]] = []
    with_widget: list[tuple[str, str, bool]] = []
    for spec in node_class.visible_inputs:
        if _spec_widgets(spec):
            with_widget.append((spec.name, spec.type, True))
        else:
            bare.append((spec.name, spec.type, False))
    return bare + with_widget


class WidgetValues:
    """The widgets of one node and their current values, in widgets_values order."""

    def __init__(self, widgets: list[Widget], values: list[Any]) -> None:
        self.widgets = widgets
        self.values = values

    def get(self, name: str) -> tuple[bool, Any]:
        """Return (found, value) for the widget called ``name``."""
        for widget, value in zip(self.widgets, self.values):
            if widget.name == name:
                return True, value
        return False, None

    def set(self, name: str, value: Any) -> bool:
        """Set the widget called ``name``; return False when the node has no such widget."""
        for index, widget in enumerate(self.widgets):
            if widget.name == name:
                self.values[index] = value
                return True
        return False

    def prompt_items(self) -> list[tuple[Widget, Any]]:
        """Return (widget, value) for every widget whose value the prompt carries."""
        return [(widget, value) for widget, value in zip(self.widgets, self.values) if widget.in_prompt]


def upload_value(value: Any, widget: Widget) -> Any:
    """Return the file name an upload COMBO sends: its default when empty, annotated outside ``input``.

    The frontend reads such a COMBO through a transform: an empty value gives the value the widget
    had when created, and a name in another folder gets a `` [folder]`` suffix unless it has one.
    """
    if not value:
        return widget.default
    if not isinstance(value, str) or widget.upload_folder == "input":
        return value
    if re.search(r"\[(input|output|temp)\]", value, re.IGNORECASE):
        return value
    return f"{value} [{widget.upload_folder}]"


@dataclass(frozen=True)
class CountProblem:
    """A widgets_values list whose length does not fit the class's widgets."""

    message: str
    shifted: bool  # True when some values do not fit their widget's type either


def plausible(widget: Widget, spec: InputSpec | None, value: Any) -> bool:
    """Return whether ``value`` fits the type of ``widget``, which tells a shifted list from a short one."""
    if value is None or spec is None or widget.name != spec.name:
        return True
    if spec.is_combo:
        if spec.options and all(isinstance(option, str) for option in spec.options):
            return isinstance(value, str)
        return not isinstance(value, (dict, list))
    if spec.type in ("INT", "FLOAT"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if spec.type == "BOOLEAN":
        return isinstance(value, bool)
    if spec.type == "STRING":
        return isinstance(value, str)
    return True


def node_widget_values(node: UINode, node_class: NodeClass) -> tuple[WidgetValues, CountProblem | None]:
    """Apply a node's saved widgets_values to its class's widgets; also return a count problem, if any.

    A list is applied in order to the stored widgets, as the frontend loads it (a widget that is
    not stored is skipped, so the list's null holes shift onto the next widgets). A dict, which
    some node packs save, is applied by widget name. Missing entries keep the widget's default and
    extra entries are ignored, as in the frontend.
    """
    widgets = widget_layout(node_class)
    values = [widget.default for widget in widgets]
    stored = [index for index, widget in enumerate(widgets) if widget.stored]
    saved = node.widgets_values

    if isinstance(saved, dict):
        for index in stored:
            if widgets[index].name in saved:
                values[index] = saved[widgets[index].name]
        unknown = [key for key in saved if all(widget.name != key for widget in widgets)]
        problem = None
        if unknown:
            problem = CountProblem(
                f"widgets_values names {', '.join(map(repr, unknown))}, which class {node_class.name!r} "
                "has no widget for; those values are ignored", shifted=False)
        return WidgetValues(widgets, values), problem

    saved_list = saved if isinstance(saved, list) else []
    for position, index in enumerate(stored):
        if position < len(saved_list):
            values[index] = saved_list[position]
    for index, widget in enumerate(widgets):
        if widget.upload_folder is not None:
            values[index] = upload_value(values[index], widget)

    # A missing or null widgets_values loads like an empty list in the frontend: every widget keeps
    # its default, so it is reported the same way.
    if len(saved_list) in (len(stored), len(widgets)):
        return WidgetValues(widgets, values), None

    misfits = [widget.name for widget, value in zip(widgets, values)
               if not plausible(widget, node_class.input(widget.name), value)]
    names = ", ".join(widget.name for widget in widgets) or "none"
    if len(saved_list) < len(stored):
        consequence = "the widgets without a value keep their defaults"
    else:
        consequence = "the extra values are ignored"
    saved_text = "widgets_values is missing or null" if saved is None else f"widgets_values has {len(saved_list)} entries"
    message = (f"{saved_text} but class {node_class.name!r} has "
               f"{len(stored)} saved widgets ({names}); {consequence}")
    if misfits:
        message += (f", and the values of {', '.join(misfits)} do not fit their types, so the values "
                    "are probably shifted onto the wrong inputs")
    return WidgetValues(widgets, values), CountProblem(message, shifted=bool(misfits))
