"""A total time limit for one URL fetch: DNS, connect, TLS handshake, headers and body together.

A socket timeout bounds each read on its own, so a server that sends one byte just before every
timeout could hold a fetch forever. ``FetchDeadline`` starts a timer when the fetch begins. When
the timer fires, it shuts down every socket that the fetch's connections opened, and any read
that is blocked returns at once. The connection classes here register their sockets with the
fetch's deadline, and give the TLS handshake the time that is left, because Python bounds a whole
handshake by the socket's timeout.
"""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection


class DeadlinePassed(Exception):
    """The fetch's total time limit passed."""


class FetchDeadline:
    """The deadline of one fetch, and the timer that shuts down its sockets when it passes."""

    def __init__(self, timeout_s: float):
        self.deadline = time.monotonic() + timeout_s
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(timeout_s, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> FetchDeadline:
        self._timer.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self._timer.cancel()

    def remaining(self) -> float:
        """Return the seconds left; raise DeadlinePassed when none are."""
        left = self.deadline - time.monotonic()
        if self.expired or left <= 0:
            raise DeadlinePassed()
        return left

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down when the deadline passes (at once when it already has)."""
        with self._lock:
            if not self.expired:
                self._sockets.append(sock)
                return
        _shut_down(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shut_down(sock)


def _shut_down(sock: socket.socket) -> None:
    # socket.socket.shutdown, not SSLSocket.shutdown: the reading thread may still be inside an SSL
    # read, so only the file descriptor is shut down, and that read then sees end of file.
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # already closed, or detached by the TLS wrapper (then the handshake timeout applies)


def resolve_within(host: str, port: int, deadline: FetchDeadline) -> list[tuple[Any, ...]]:
    """Run ``socket.getaddrinfo`` for at most the time left; raise DeadlinePassed after that.

    getaddrinfo cannot be interrupted, so a slow lookup keeps running in its own thread until the
    resolver gives up, but the fetch does not wait for it.
    """
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="resolve")
    try:
        future = executor.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
        try:
            return future.result(timeout=deadline.remaining())
        except FutureTimeout:
            raise DeadlinePassed() from None
    finally:
        executor.shutdown(wait=False)


class _DeadlineConnectionMixin:
    """Register each socket of a connection with the fetch's deadline."""

    sock: Any

    def __init__(self, *args: Any, fetch_deadline: FetchDeadline, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fetch_deadline = fetch_deadline

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()  # type: ignore[misc]
        self.fetch_deadline.watch(sock)
        try:
            sock.settimeout(self.fetch_deadline.remaining())
        except DeadlinePassed:
            sock.close()
            raise urllib3.exceptions.ConnectTimeoutError(self, "the fetch's deadline passed while connecting") from None
        return sock

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        self.fetch_deadline.watch(self.sock)  # the TLS socket, which replaced the plain one


class DeadlineHTTPConnection(_DeadlineConnectionMixin, HTTPConnection):
    pass


class DeadlineHTTPSConnection(_DeadlineConnectionMixin, HTTPSConnection):
    pass


class DeadlineHTTPConnectionPool(urllib3.HTTPConnectionPool):
    """A pool whose connections take ``fetch_deadline=`` (passed as a connection keyword)."""

    ConnectionCls = DeadlineHTTPConnection


class DeadlineHTTPSConnectionPool(urllib3.HTTPSConnectionPool):
    """The HTTPS form of DeadlineHTTPConnectionPool."""

    ConnectionCls = DeadlineHTTPSConnection
