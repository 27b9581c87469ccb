"""Check the shape of a ComfyUI history entry before the worker reads it.

ComfyUI 0.3.64 returns ``{"prompt", "outputs", "status", "meta"}`` for a finished prompt:
``status`` is ``{"status_str", "completed", "messages"}``, each message is a two-element
``[event, data]`` list with ``data`` an object, and ``outputs`` maps node ids to objects whose
values are lists (file entries are ``{"filename", "subfolder", "type"}`` objects). A server that
responds in another shape fails the job with ``comfyui_protocol_error`` and a message naming the
part that was wrong, instead of an exception deep in the handler.
"""

from __future__ import annotations

from typing import Any

from worker.errors import JobError

FILE_FIELDS = ("filename", "subfolder", "type")


def protocol_error(prompt_id: str, problem: str) -> JobError:
    return JobError("comfyui_protocol_error", f"ComfyUI's history of prompt {prompt_id} is malformed: {problem}")


def check_history_entry(entry: Any, prompt_id: str) -> dict[str, Any]:
    """Return ``entry`` when it has the shape of a finished prompt's history; raise JobError otherwise."""
    if not isinstance(entry, dict):
        raise protocol_error(prompt_id, f"the entry is a JSON {type(entry).__name__}, not an object")

    status = entry.get("status")
    if not isinstance(status, dict):
        raise protocol_error(prompt_id, f"status is a JSON {type(status).__name__}, not an object")
    status_str = status.get("status_str")
    if status_str is not None and not isinstance(status_str, str):
        raise protocol_error(prompt_id, f"status.status_str is {status_str!r}, not a string")
    messages = status.get("messages")
    if messages is not None and not isinstance(messages, list):
        raise protocol_error(prompt_id, f"status.messages is a JSON {type(messages).__name__}, not a list")
    for index, message in enumerate(messages or []):
        if not isinstance(message, list) or len(message) != 2:
            raise protocol_error(prompt_id, f"status.messages[{index}] is {_preview(message)}, not an [event, data] pair")
        event, data = message
        if not isinstance(event, str) or not isinstance(data, dict):
            raise protocol_error(prompt_id, f"status.messages[{index}] is {_preview(message)}, not a [string, object] pair")

    outputs = entry.get("outputs")
    if outputs is not None and not isinstance(outputs, dict):
        raise protocol_error(prompt_id, f"outputs is a JSON {type(outputs).__name__}, not an object")
    for node_id, node_output in (outputs or {}).items():
        if not isinstance(node_output, dict):
            raise protocol_error(prompt_id, f"outputs[{node_id!r}] is {_preview(node_output)}, not an object")
        for key, items in node_output.items():
            # Values that are not lists of file entries (for example a text node's strings) carry no files.
            if isinstance(items, list):
                for index, item in enumerate(items):
                    _check_file_entry(prompt_id, f"outputs[{node_id!r}][{key!r}][{index}]", item)
    return entry


def _check_file_entry(prompt_id: str, where: str, item: Any) -> None:
    if not isinstance(item, dict) or "filename" not in item:
        return
    for name in FILE_FIELDS:
        value = item.get(name)
        if value is not None and not isinstance(value, str):
            raise protocol_error(prompt_id, f"{where}.{name} is {_preview(value)}, not a string")


def _preview(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."
