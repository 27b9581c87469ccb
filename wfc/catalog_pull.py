"""Read the node definitions of a running ComfyUI over HTTP (``GET /object_info``).

Used by ``wfc catalog pull``. The ComfyUI version comes from ``GET /system_stats`` when the
server has that route. A server without it still yields a catalog.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from wfc.catalog import MAX_CATALOG_BYTES

# Upper bound on the object_info body, the same as for a catalog file that wfc reads.
MAX_BODY_BYTES = MAX_CATALOG_BYTES


class PullError(Exception):
    """The server could not be reached or did not return an object_info document."""


def _get_json(url: str, timeout: float) -> Any:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(MAX_BODY_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise PullError(f"GET {url} failed: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise PullError(f"GET {url} failed: {exc.reason}; is ComfyUI running at that address?") from None
    except TimeoutError:
        raise PullError(f"GET {url} timed out after {timeout:g} s") from None
    except OSError as exc:
        raise PullError(f"GET {url} failed: {exc}") from None

    if len(body) > MAX_BODY_BYTES:
        raise PullError(f"GET {url} returned more than {MAX_BODY_BYTES:,} bytes; not an object_info document")
    from wfc.graph import reject_constant

    try:
        return json.loads(body, parse_constant=reject_constant)
    except (ValueError, RecursionError) as exc:
        raise PullError(f"GET {url} did not return JSON: {exc}") from None


def pull_object_info(base_url: str, timeout: float = 60.0) -> tuple[dict[str, Any], str | None]:
    """Return the ``object_info`` document of the ComfyUI at ``base_url`` and its version, if known."""
    parsed = urllib.parse.urlparse(base_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise PullError(f"invalid server URL {base_url!r}; expected http://HOST:PORT")
    base = base_url.rstrip("/")

    data = _get_json(f"{base}/object_info", timeout)
    if not isinstance(data, dict):
        raise PullError(f"GET {base}/object_info returned {type(data).__name__}, expected a JSON object of node classes")

    version = None
    try:
        stats = _get_json(f"{base}/system_stats", timeout)
    except PullError:
        stats = None
    if isinstance(stats, dict) and isinstance(stats.get("system"), dict):
        found = stats["system"].get("comfyui_version")
        version = found if isinstance(found, str) else None
    return data, version
