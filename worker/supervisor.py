"""Start, watch and restart the ComfyUI child process.

ComfyUI runs as a child process bound to 127.0.0.1 (the command comes from the settings). The
job runner calls ``crashed()`` while it waits, so a ComfyUI that dies mid-job fails that job at
once instead of at the deadline, and ``ensure_running()`` restarts it before the next job.
Restarts are counted and capped so a ComfyUI that cannot stay up does not restart forever.
"""

from __future__ import annotations

import atexit
import logging
import os
import shlex
import subprocess
import threading
import time
from pathlib import Path

from worker.comfy import ComfyClient

log = logging.getLogger(__name__)


class ComfyStartError(Exception):
    """ComfyUI did not start or did not respond before its deadline."""


class ComfySupervisor:
    """Own one ComfyUI child process."""

    def __init__(self, command: str, port: int, client: ComfyClient, start_timeout_s: float,
                 restart_limit: int, log_path: Path | None = None):
        self.argv = [part.replace("{port}", str(port)) for part in shlex.split(command)]
        self.client = client
        self.start_timeout_s = start_timeout_s
        self.restart_limit = restart_limit
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._lock = threading.Lock()
        self._stop_registered = False

    def start(self) -> None:
        """Start ComfyUI and wait until it responds over HTTP; raise ComfyStartError otherwise."""
        with self._lock:
            self._start_locked()

    def _start_locked(self) -> None:
        output = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        log.info("starting ComfyUI: %s", " ".join(self.argv))
        try:
            self.process = subprocess.Popen(self.argv, stdout=output, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, env=os.environ.copy())
        except OSError as exc:
            raise ComfyStartError(f"cannot start ComfyUI ({self.argv[0]}): {exc}") from None
        finally:
            if self.log_path:
                output.close()  # type: ignore[union-attr]
        if not self._stop_registered:
            # Stop ComfyUI when the worker exits normally, e.g. the SDK's local API server on SIGTERM,
            # so no orphaned ComfyUI keeps its port. A killed worker still leaves it running.
            atexit.register(self.stop)
            self._stop_registered = True

        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                raise ComfyStartError(f"ComfyUI exited with code {code} while starting; see {self.log_path or 'its output'}")
            if self.client.ping(timeout_s=2.0):
                log.info("ComfyUI is up (pid %d) at %s", self.process.pid, self.client.base_url)
                return
            time.sleep(0.2)
        self._stop_locked()
        raise ComfyStartError(f"ComfyUI did not respond at {self.client.base_url} within {self.start_timeout_s:g} s")

    def crashed(self) -> int | None:
        """Return the exit code when the child process has exited, else None."""
        if self.process is None:
            return None
        return self.process.poll()

    def ensure_running(self) -> None:
        """Restart ComfyUI when it has exited; raise ComfyStartError past the restart limit."""
        with self._lock:
            if self.process is not None and self.process.poll() is None:
                return
            code = self.process.poll() if self.process else None
            if self.restarts >= self.restart_limit:
                raise ComfyStartError(
                    f"ComfyUI exited (code {code}) and was already restarted {self.restarts} times; giving up"
                )
            self.restarts += 1
            log.warning("ComfyUI exited with code %s; restart %d of %d", code, self.restarts, self.restart_limit)
            self._start_locked()

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
