"""Development entry point: the handler behind the RunPod SDK's local API server.

``python -m worker.dev`` (or ``make worker-dev``) serves ``POST /runsync`` and ``/run`` on
127.0.0.1:8000 against the ComfyUI at ``WFC_COMFYUI_URL`` (default http://127.0.0.1:8188),
loading artifacts from ``workflows/`` and skipping the CUDA wait. Set ``WFC_DEV_PORT`` to use
another port.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    os.environ.setdefault("WFC_COMFYUI_URL", "http://127.0.0.1:8188")
    os.environ.setdefault("WFC_WORKFLOWS_DIR", str(ROOT / "workflows"))
    os.environ.setdefault("WFC_SKIP_CUDA_WAIT", "1")
    port = os.environ.get("WFC_DEV_PORT", "8000")
    sys.argv = [sys.argv[0], "--rp_serve_api", "--rp_api_host", "127.0.0.1", "--rp_api_port", port, *sys.argv[1:]]

    from worker.handler import main as handler_main

    handler_main()


if __name__ == "__main__":
    main()
