"""Text the frontend rewrites when it queues: dynamic prompts and ``%Node.widget%`` replacements.

Dynamic prompts: a STRING input whose spec sets ``dynamicPrompts`` has C-style comments
(``/* ... */`` and ``//`` to the end of the line) removed, and each ``{a|b|c}`` group replaced by
one of its options, chosen at random by the frontend. The converter picks the first option, so
the result is one of the prompts the frontend can send, and reports the choice.

Replacements apply to the ``filename_prefix`` of the save nodes and to a PrimitiveNode value
when its "Run widget replace on values" property is set. Each ``%Name.widget%`` becomes that
widget's value on the first node whose "Node name for S&R" property (else title) is ``Name``,
with characters that are invalid in file names turned into ``_``. ``%date:FORMAT%`` becomes the
date of conversion. Other ``%...%`` stay as they are (ComfyUI itself fills ``%width%`` and
``%height%``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

# Save nodes whose filename_prefix the frontend passes through the replacements.
SAVE_NODE_TYPES = frozenset({
    "SaveImage", "SaveAnimatedWEBP", "SaveWEBM", "SaveAudio", "SaveGLB", "SaveAnimatedPNG", "CLIPSave",
    "VAESave", "ModelSave", "LoraSave", "SaveLatent",
})

_COMMENTS = re.compile(r"/\*[\s\S]*?\*/|//.*")
_PATTERN = re.compile(r"%([^%]+)%")
_INVALID_FILE_CHARACTERS = re.compile(r'[/?<>\\:*|"\x00-\x1f\x7f]')
_DATE_TOKENS = re.compile(r"dd?|MM?|hh?|mm?|ss?|yyy?y?")


@dataclass
class DynamicPrompt:
    """The text the frontend would send, and whether it had to choose among options."""

    text: str
    had_choices: bool


def process_dynamic_prompt(text: str) -> DynamicPrompt:
    """Strip comments and resolve ``{a|b}`` groups (first option), keeping ``\\{`` escapes literal."""
    source = _COMMENTS.sub("", text)
    had_choices = False
    position = 0

    def read_group() -> str:
        nonlocal position, had_choices
        options: list[str] = []
        choice = ""
        depth = 0
        while position < len(source):
            character = source[position]
            position += 1
            if character == "\\":
                choice += "\\" + (source[position] if position < len(source) else "")
                position += 1
                continue
            if character == "{":
                depth += 1
            elif character == "}":
                if not depth:
                    break
                depth -= 1
            elif character == "|" and not depth:
                options.append(choice)
                choice = ""
                continue
            choice += character
        options.append(choice)
        if len(options) > 1:
            had_choices = True
        nested = process_dynamic_prompt(options[0])
        had_choices = had_choices or nested.had_choices
        return nested.text

    result = ""
    while position < len(source):
        character = source[position]
        position += 1
        if character == "\\":
            result += "\\" + (source[position] if position < len(source) else "")
            position += 1
        elif character == "{":
            result += read_group()
        else:
            result += character
    return DynamicPrompt(re.sub(r"\\([{}|])", r"\1", result), had_choices)


def format_date(pattern: str, moment: datetime) -> str:
    """Format a date the way the frontend's ``%date:...%`` does (yyyy, yy, MM, dd, hh, mm, ss)."""
    parts = {"d": moment.day, "M": moment.month, "h": moment.hour, "m": moment.minute, "s": moment.second}

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "yy":
            return str(moment.year)[2:]
        if token == "yyyy":
            return str(moment.year)
        if token[0] in parts:
            return str(parts[token[0]]).rjust(len(token), "0")
        return token

    return _DATE_TOKENS.sub(replace, pattern)


def apply_text_replacements(
    value: str,
    find_widget: Callable[[str, str], tuple[bool, Any]],
    now: datetime,
) -> tuple[str, list[str]]:
    """Replace ``%Name.widget%`` and ``%date:...%`` in ``value``; also return the patterns left unresolved."""
    unresolved: list[str] = []

    def replace(match: re.Match[str]) -> str:
        text = match.group(1)
        parts = text.split(".")
        if len(parts) != 2:
            if parts[0].startswith("date:"):
                return format_date(parts[0][5:], now)
            if text not in ("width", "height"):
                unresolved.append(match.group(0))
            return match.group(0)

        found, widget_value = find_widget(parts[0], parts[1])
        if not found:
            unresolved.append(match.group(0))
            return match.group(0)
        rendered = "" if widget_value is None else _javascript_string(widget_value)
        return _INVALID_FILE_CHARACTERS.sub("_", rendered)

    return _PATTERN.sub(replace, value), unresolved


def _javascript_string(value: Any) -> str:
    """Render a widget value as JavaScript's ``value + ''`` does for the common types."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ",".join(_javascript_string(item) for item in value)
    return str(value)
