"""HTTP and websocket client for one ComfyUI server (protocol of ComfyUI 0.3.64).

``POST /prompt`` returns ``{"prompt_id", "number", "node_errors"}`` or HTTP 400 with
``{"error": {"type", "message", "details", "extra_info"}, "node_errors": {...}}``.
``GET /history/{id}`` returns ``{id: {"prompt", "outputs", "status", "meta"}}`` once the prompt has
finished. The websocket at ``/ws?clientId=...`` sends JSON messages ``{"type", "data"}`` to the
client that submitted the prompt, plus binary preview frames.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import requests


class ComfyUnavailable(Exception):
    """ComfyUI did not answer (connection refused or reset, timeout)."""


class ComfyProtocolError(Exception):
    """ComfyUI responded, but not in the shape its protocol defines."""


class PromptRejected(Exception):
    """ComfyUI's validation rejected the prompt (HTTP 400 from /prompt)."""

    def __init__(self, error: dict[str, Any], node_errors: dict[str, Any]):
        super().__init__(error.get("message", "prompt rejected"))
        self.error = error
        self.node_errors = node_errors


class ComfyClient:
    """Thin typed wrapper over ComfyUI's HTTP endpoints."""

    def __init__(self, base_url: str, timeout_s: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.session = requests.Session()
        self.session.trust_env = False  # never route loopback traffic through an HTTP proxy

    @property
    def ws_url(self) -> str:
        if self.base_url.startswith("https://"):
            return "wss://" + self.base_url[len("https://"):]
        return "ws://" + self.base_url[len("http://"):]

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout_s)
        try:
            return self.session.request(method, self.base_url + path, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise ComfyUnavailable(f"{method} {path}: {type(exc).__name__}: {exc}") from None

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._request(method, path, **kwargs)
        response.raise_for_status()
        return response.json()

    def ping(self, timeout_s: float = 2.0) -> bool:
        """Whether ComfyUI answers ``/system_stats``."""
        try:
            return self._request("GET", "/system_stats", timeout=timeout_s).status_code == 200
        except ComfyUnavailable:
            return False

    def system_stats(self) -> dict[str, Any]:
        return self._json("GET", "/system_stats")

    def object_info(self) -> dict[str, Any]:
        return self._json("GET", "/object_info", timeout=max(self.timeout_s, 120.0))

    def queue(self) -> dict[str, Any]:
        return self._json("GET", "/queue")

    def submit(self, prompt: dict[str, Any], client_id: str, prompt_id: str | None = None) -> dict[str, Any]:
        """POST the prompt; return ComfyUI's answer or raise PromptRejected with its errors.

        Raises ComfyProtocolError when a successful answer is not an object with a string ``prompt_id``.
        """
        body: dict[str, Any] = {"prompt": prompt, "client_id": client_id}
        if prompt_id:
            body["prompt_id"] = prompt_id
        response = self._request("POST", "/prompt", data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                                 headers={"Content-Type": "application/json"})
        if response.status_code == 400:
            try:
                answer = response.json()
            except ValueError:
                answer = {}
            answer = answer if isinstance(answer, dict) else {}
            error = answer.get("error")
            node_errors = answer.get("node_errors")
            raise PromptRejected(error if isinstance(error, dict) else {"message": response.text[:500]},
                                 node_errors if isinstance(node_errors, dict) else {})
        try:
            response.raise_for_status()
            answer = response.json()
        except (requests.HTTPError, ValueError) as exc:  # ValueError: the body is not JSON
            raise ComfyProtocolError(f"POST /prompt: {type(exc).__name__}: {exc}") from None
        if not isinstance(answer, dict) or not isinstance(answer.get("prompt_id"), str):
            raise ComfyProtocolError(f"POST /prompt returned {response.text[:200]!r}, without a prompt_id")
        return answer

    def history(self, prompt_id: str) -> Any:
        """Return the history entry of one prompt, or None while it has not finished.

        The entry is returned as ComfyUI sent it; ``worker.history`` checks its shape. Raises
        ComfyProtocolError when the answer is an HTTP error, not JSON, or not a JSON object.
        """
        try:
            answer = self._json("GET", f"/history/{prompt_id}")
        except (requests.HTTPError, ValueError) as exc:  # ValueError: the body is not JSON
            raise ComfyProtocolError(f"GET /history/{prompt_id}: {type(exc).__name__}: {exc}") from None
        if not isinstance(answer, dict):
            raise ComfyProtocolError(f"GET /history/{prompt_id} returned a JSON {type(answer).__name__}, not an object")
        return answer.get(prompt_id)

    def view(self, filename: str, subfolder: str, folder_type: str) -> bytes:
        """Download one file; the body is read in one call, not in requests' 10 KB chunks."""
        query = urlencode({"filename": filename, "subfolder": subfolder, "type": folder_type})
        response = self._request("GET", f"/view?{query}", timeout=max(self.timeout_s, 120.0), stream=True)
        with response:
            response.raise_for_status()
            return response.raw.read(decode_content=True)

    def interrupt(self, prompt_id: str | None = None) -> None:
        body = {"prompt_id": prompt_id} if prompt_id else {}
        self._request("POST", "/interrupt", json=body, timeout=5.0)

    def delete_from_queue(self, prompt_id: str) -> None:
        self._request("POST", "/queue", json={"delete": [prompt_id]}, timeout=5.0)
