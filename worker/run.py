"""Run one prompt on ComfyUI: submit, follow progress, enforce the deadline, read the history.

Progress comes over the websocket (``/ws?clientId=<job client id>``, opened before the prompt is
submitted so no message is missed). When the websocket cannot be opened or drops, the runner
polls ``/history/{prompt_id}``. The history entry is always read at the end, because it is what
says whether the run succeeded (``status.status_str``) and lists the output files. Past the
deadline the prompt is interrupted and removed from the queue, and the job fails.
"""

from __future__ import annotations

import json
import logging
import math
import time
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any, Callable

from worker.comfy import ComfyClient, ComfyProtocolError, ComfyUnavailable, PromptRejected
from worker.errors import JobError
from worker.history import check_history_entry

log = logging.getLogger(__name__)

TERMINAL_EVENTS = ("execution_success", "execution_error", "execution_interrupted")
UNAVAILABLE_GRACE_S = 10.0  # how long an external ComfyUI may refuse connections before the job fails
HISTORY_SIGNAL_WAIT_S = 2.0  # how long to wait for "executing: null" after the terminal event
CRASH_EXIT_WAIT_S = 1.0  # how long a dropped connection may precede the exit status of a crashed ComfyUI


@dataclass
class RunContext:
    """The client, deadline and callbacks of one run."""

    client: ComfyClient
    client_id: str
    deadline: float  # time.monotonic() value
    timeout_s: float
    crashed: Callable[[], int | None]  # exit code of a supervised ComfyUI, None while it runs
    on_progress: Callable[[dict[str, Any]], None]
    supervised: bool = False  # whether this worker started ComfyUI, so crashed() can ever report an exit
    use_websocket: bool = True
    poll_s: float = 0.25
    interrupt_grace_s: float = 10.0
    job_id: str = ""

    def __post_init__(self) -> None:
        # Every comparison with NaN is false, so a NaN deadline would never pass and the job could hang.
        if not (math.isfinite(self.deadline) and math.isfinite(self.timeout_s) and self.timeout_s > 0):
            raise ValueError(f"a run needs a finite deadline and a positive timeout, got {self.deadline!r} and {self.timeout_s!r}")


def run_prompt(prompt: dict[str, Any], context: RunContext) -> tuple[str, dict[str, Any]]:
    """Submit ``prompt`` and wait for its history entry; return (prompt_id, entry) or raise JobError."""
    with ExitStack() as stack:
        socket = _open_websocket(context, stack) if context.use_websocket else None
        try:
            answer = context.client.submit(prompt, context.client_id)
        except ComfyUnavailable as exc:
            raise _unavailable(context, f"submitting the prompt failed: {exc}") from None
        except ComfyProtocolError as exc:
            raise JobError("comfyui_protocol_error", str(exc)) from None
        prompt_id = answer["prompt_id"]
        log.info("job %s: prompt %s queued as number %s", context.job_id, prompt_id, answer.get("number"))

        event = None
        if socket is not None:
            event = _follow_websocket(socket, prompt_id, context)

    entry = _wait_for_history(prompt_id, context)
    if event is not None and event[0] == "execution_error" and entry.get("status", {}).get("status_str") != "error":
        entry.setdefault("status", {})["messages"] = [list(event)]
        entry["status"]["status_str"] = "error"
    return prompt_id, entry


def _open_websocket(context: RunContext, stack: ExitStack) -> Any:
    from websockets.sync.client import connect

    url = f"{context.client.ws_url}/ws?clientId={context.client_id}"
    try:
        return stack.enter_context(connect(url, open_timeout=5, close_timeout=2, max_size=64 * 1024 * 1024, proxy=None))
    except Exception as exc:  # websockets raises OSError, TimeoutError, InvalidStatus, InvalidHandshake...
        log.warning("job %s: websocket %s unavailable (%s); polling /history instead", context.job_id, url, exc)
        return None


def _follow_websocket(socket: Any, prompt_id: str, context: RunContext) -> tuple[str, dict[str, Any]] | None:
    """Read messages until this prompt's history is written; return its terminal event.

    ComfyUI 0.3.64 sends the terminal event (``execution_success``, ``execution_error``,
    ``execution_interrupted``) while the prompt still runs, writes the history entry after that,
    and only then sends ``executing`` with ``node: null``. Waiting for that last message saves a
    ``/history`` poll interval per job. Returns None to fall back to polling when the websocket
    closes, and returns the terminal event alone when ``executing`` does not follow within
    HISTORY_SIGNAL_WAIT_S.
    """
    from websockets.exceptions import ConnectionClosed

    terminal: tuple[str, dict[str, Any]] | None = None
    give_up_at = context.deadline
    while True:
        _check_alive(context)
        now = time.monotonic()
        if terminal is not None and now > give_up_at:
            return terminal
        if now > context.deadline:
            _interrupt_and_fail(prompt_id, context)
        try:
            message = socket.recv(timeout=0.5)
        except TimeoutError:
            continue
        except ConnectionClosed as exc:
            _check_alive(context)
            if terminal is not None:
                return terminal
            log.warning("job %s: websocket closed (%s); polling /history instead", context.job_id, exc)
            return None

        if isinstance(message, bytes):
            continue  # binary frames: previews (event 1, 2, 4) and progress text (event 3)
        try:
            parsed = json.loads(message)
        except ValueError:
            continue
        if not isinstance(parsed, dict) or not isinstance(parsed.get("data") or {}, dict):
            log.warning("job %s: ignoring a websocket message that is not {type, data}: %.200s", context.job_id, message)
            continue
        kind, data = parsed.get("type"), parsed.get("data") or {}
        if data.get("prompt_id") not in (None, prompt_id):
            continue

        if kind == "progress":
            context.on_progress({"stage": "running", "node": data.get("node"), "value": data.get("value"), "max": data.get("max")})
        elif kind == "executing" and data.get("node") is not None:
            context.on_progress({"stage": "executing", "node": data.get("node")})
        elif kind == "executing" and data.get("prompt_id") == prompt_id:
            return terminal  # node null: the history entry is written
        elif kind in TERMINAL_EVENTS and data.get("prompt_id") == prompt_id:
            terminal = (kind, data)
            give_up_at = min(context.deadline, time.monotonic() + HISTORY_SIGNAL_WAIT_S)


def _wait_for_history(prompt_id: str, context: RunContext) -> dict[str, Any]:
    unavailable_since: float | None = None
    while True:
        _check_alive(context)
        try:
            entry = context.client.history(prompt_id)
            unavailable_since = None
        except ComfyUnavailable as exc:
            now = time.monotonic()
            unavailable_since = unavailable_since or now
            if now - unavailable_since > UNAVAILABLE_GRACE_S:
                raise _unavailable(context, f"ComfyUI stopped responding: {exc}") from None
            entry = None
        except ComfyProtocolError as exc:
            raise JobError("comfyui_protocol_error", str(exc)) from None
        # An entry without a status is still being written; anything that is not an object is malformed.
        if entry is not None and (not isinstance(entry, dict) or entry.get("status") is not None):
            return check_history_entry(entry, prompt_id)
        if time.monotonic() > context.deadline:
            _interrupt_and_fail(prompt_id, context)
        time.sleep(context.poll_s)


def _check_alive(context: RunContext) -> None:
    code = context.crashed()
    if code is not None:
        raise JobError(
            "comfyui_crashed",
            f"ComfyUI exited with code {code} while running the job; the worker restarts it before the next job",
        )


def _unavailable(context: RunContext, message: str) -> JobError:
    """Classify a refused or dropped connection: a crash of the supervised ComfyUI, or unavailable.

    A process that dies closes its sockets a moment before its exit status can be read, so a
    supervised ComfyUI gets CRASH_EXIT_WAIT_S to show up as exited.
    """
    wait_until = time.monotonic() + (CRASH_EXIT_WAIT_S if context.supervised else 0.0)
    while True:
        _check_alive(context)
        if time.monotonic() >= wait_until:
            return JobError("comfyui_unavailable", message)
        time.sleep(0.05)


def _interrupt_and_fail(prompt_id: str, context: RunContext) -> None:
    log.warning("job %s: deadline of %g s passed; interrupting prompt %s", context.job_id, context.timeout_s, prompt_id)
    try:
        context.client.delete_from_queue(prompt_id)
        context.client.interrupt(prompt_id)
    except ComfyUnavailable as exc:
        log.warning("job %s: interrupt failed: %s", context.job_id, exc)

    # Wait briefly for ComfyUI to record the interruption so the next job starts on an idle queue.
    grace_end = time.monotonic() + context.interrupt_grace_s
    while time.monotonic() < grace_end and context.crashed() is None:
        try:
            if context.client.history(prompt_id) is not None:
                break
        except ComfyUnavailable:
            break
        time.sleep(context.poll_s)
    raise JobError("timeout", f"the job did not finish within {context.timeout_s:g} s; prompt {prompt_id} was interrupted")


def execution_failure(entry: dict[str, Any], describe_node: Callable[[str], str]) -> JobError | None:
    """Turn a history entry whose status is not success into a JobError; None when it succeeded."""
    status = entry.get("status") or {}
    if status.get("status_str") == "success" and status.get("completed", True):
        return None

    for event, data in status.get("messages") or []:
        if event == "execution_error":
            node = str(data.get("node_id"))
            message = str(data.get("exception_message", "")).strip()
            detail = {
                "class": "execution_error",
                "node": node,
                "node_type": data.get("node_type"),
                "exception_type": data.get("exception_type"),
                "message": message,
            }
            return JobError(
                "execution_error",
                f"{describe_node(node)} failed with {data.get('exception_type')}: {message}",
                [detail],
            )
        if event == "execution_interrupted":
            node = str(data.get("node_id"))
            return JobError("interrupted", f"the run was interrupted at {describe_node(node)}",
                            [{"class": "interrupted", "node": node}])
    return JobError("execution_failed", f"ComfyUI reported status {status.get('status_str')!r} without an error message")


def rejection_error(rejected: PromptRejected, describe_input: Callable[[str, str | None], str]) -> JobError:
    """Turn ComfyUI's /prompt validation errors into a JobError in terms of parameter names."""
    details: list[dict[str, Any]] = []
    for node_id, node_error in rejected.node_errors.items():
        if not isinstance(node_error, dict) or not isinstance(node_error.get("errors") or [], list):
            details.append({"class": "comfyui_protocol_error", "node": str(node_id),
                            "message": f"node {node_id}: malformed node error {str(node_error)[:200]}"})
            continue
        for error in node_error.get("errors") or []:
            if not isinstance(error, dict):
                details.append({"class": "comfyui_protocol_error", "node": str(node_id),
                                "message": f"node {node_id}: malformed error {str(error)[:200]}"})
                continue
            extra_info = error.get("extra_info")
            input_name = extra_info.get("input_name") if isinstance(extra_info, dict) else None
            where = describe_input(str(node_id), input_name)
            details.append({
                "class": error.get("type"),
                "node": str(node_id),
                "class_type": node_error.get("class_type"),
                "input": input_name,
                "message": f"{where}: {error.get('message')}: {error.get('details')}",
            })
    error = rejected.error
    if not details:
        details.append({"class": error.get("type"), "message": f"{error.get('message')}: {error.get('details')}"})
    return JobError("prompt_rejected", f"ComfyUI rejected the prompt: {error.get('message')} ({error.get('type')})", details)
