"""Fetch a job's image URL without letting the job reach internal addresses.

The host name is resolved once, every address it resolves to is checked, and the connection goes
to the checked address (TLS still verifies the certificate for the host name). Private, loopback,
link-local, multicast, reserved, unspecified and cloud metadata addresses are rejected, including
IPv4 addresses wrapped in IPv6 (``::ffff:169.254.169.254``, NAT64, 6to4). Redirects are followed by
hand and each target is checked the same way. Body size is bounded, and one deadline
(``worker.fetch_deadline``) bounds the whole fetch: DNS, connects, TLS, headers, body and redirects.
A URL that cannot be parsed is rejected as ``image_url_rejected``.

The decision is made before any socket is opened, so a rejected URL sends no packet.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import urllib3

from worker.errors import JobError
from worker.fetch_deadline import (
    DeadlineHTTPConnectionPool,
    DeadlineHTTPSConnectionPool,
    DeadlinePassed,
    FetchDeadline,
    resolve_within,
)

log = logging.getLogger(__name__)

# Addresses that instance metadata services listen on, beyond the ranges rejected as link-local
# or private: AWS/GCP/Azure 169.254.169.254, AWS IPv6 fd00:ec2::254, Alibaba 100.100.100.200.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(text) for text in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200", "169.254.170.2")
)
CARRIER_GRADE_NAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
REDIRECT_CODES = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class FetchPolicy:
    """Limits of one fetch: bytes, seconds, redirects, and the test-only loopback switch."""

    max_bytes: int
    timeout_s: float
    max_redirects: int = 5
    allow_loopback: bool = False


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """Return the IPv4 address an IPv6 address carries (mapped, NAT64, 6to4, compatible), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if int(address) >> 32 == 0 and int(address) > 1:  # deprecated IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_problem(address: ipaddress.IPv4Address | ipaddress.IPv6Address, allow_loopback: bool = False) -> str | None:
    """Say why a job may not connect to ``address``, or return None when it may."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_ipv4(address)
        if inner is not None:
            problem = address_problem(inner, allow_loopback)
            return f"{problem} (embedded in {address})" if problem else None
        if address.scope_id:
            return "a scoped IPv6 address"

    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_loopback:
        return None if allow_loopback else "a loopback address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if isinstance(address, ipaddress.IPv4Address) and address in CARRIER_GRADE_NAT:
        return "a carrier-grade NAT address"
    if address.is_private:
        return "a private address"
    if address.is_reserved:
        return "a reserved address"
    if not address.is_global:
        return "a non-global address"
    return None


def resolve_vetted(host: str, port: int, allow_loopback: bool, deadline: FetchDeadline | None = None) -> str:
    """Resolve ``host`` and return one address to connect to; raise JobError if any is rejected.

    Every resolved address must pass, not just the first, so a name with one public and one
    internal record cannot be used to reach the internal one. With a ``deadline``, the lookup
    fails with ``image_url_timeout`` when it passes.
    """
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
        candidates = [literal]
    except ValueError:
        try:
            if deadline is None:
                infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            else:
                infos = resolve_within(host, port, deadline)
        except DeadlinePassed:
            raise JobError("image_url_timeout", f"resolving host {host!r} timed out") from None
        except (socket.gaierror, ValueError) as exc:  # ValueError includes UnicodeError and NUL characters
            raise JobError("image_url_rejected", f"cannot resolve host {host!r}: {exc}") from None
        try:
            candidates = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
        except ValueError as exc:
            raise JobError("image_url_rejected", f"host {host!r} resolves to an invalid address: {exc}") from None
        if not candidates:
            raise JobError("image_url_rejected", f"host {host!r} resolves to no address")

    for address in candidates:
        problem = address_problem(address, allow_loopback)
        if problem:
            raise JobError(
                "image_url_rejected",
                f"image URL host {host!r} resolves to {address}, {problem}; only public addresses are allowed",
            )
    return str(candidates[0])


def fetch_url(url: str, policy: FetchPolicy) -> bytes:
    """Download ``url`` within the policy's limits; raise JobError on any rejection or failure.

    ``policy.timeout_s`` bounds the whole fetch, redirects included.
    """
    with FetchDeadline(policy.timeout_s) as deadline:
        try:
            return _fetch_within(url, policy, deadline)
        except DeadlinePassed:
            raise _timed_out(url, policy) from None


def _fetch_within(url: str, policy: FetchPolicy, deadline: FetchDeadline) -> bytes:
    current = url
    for _hop in range(policy.max_redirects + 1):
        response = _request_once(current, policy, deadline)
        if response.status in REDIRECT_CODES:
            location = response.headers.get("Location")
            response.release_conn()
            if not location:
                raise JobError("image_url_failed", f"{_redact(current)} redirected without a Location header")
            try:
                current = urljoin(current, location)
            except ValueError as exc:
                raise JobError(
                    "image_url_rejected", f"{_redact(current)} redirected to an invalid URL {location[:200]!r}: {exc}",
                ) from None
            log.info("image URL redirected to %s", _redact(current))
            continue
        try:
            if response.status != 200:
                raise JobError("image_url_failed", f"GET {_redact(current)} returned HTTP {response.status}")
            return _read_limited(response, policy, deadline, current)
        finally:
            response.release_conn()
    raise JobError("image_url_failed", f"{_redact(url)} redirected more than {policy.max_redirects} times")


def _request_once(url: str, policy: FetchPolicy, deadline: FetchDeadline) -> urllib3.BaseHTTPResponse:
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = parts.hostname
    except ValueError as exc:  # unbalanced brackets, or a bracketed host that is no IPv6 address
        raise JobError("image_url_rejected", f"image URL {_redact(url)} is not a valid URL: {exc}") from None
    if scheme not in ("https", "http") or not host:
        raise JobError("image_url_rejected", f"image URL {_redact(url)} must be an https:// URL with a host")
    if parts.username or parts.password:
        raise JobError("image_url_rejected", "image URLs with user:password are not accepted")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise JobError("image_url_rejected", f"image URL {_redact(url)} has an invalid port") from None

    if scheme == "http" and not policy.allow_loopback:
        raise JobError("image_url_rejected", f"image URL {_redact(url)} must use https")
    address = resolve_vetted(host, port, policy.allow_loopback, deadline)
    if scheme == "http" and not (policy.allow_loopback and ipaddress.ip_address(address).is_loopback):
        raise JobError("image_url_rejected", f"image URL {_redact(url)} must use https")

    remaining = deadline.remaining()
    timeout = urllib3.Timeout(connect=min(remaining, 10.0), read=remaining)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query

    if scheme == "https":
        pool: urllib3.HTTPConnectionPool = DeadlineHTTPSConnectionPool(
            address, port, timeout=timeout, retries=False, maxsize=1,
            server_hostname=host, assert_hostname=host, cert_reqs="CERT_REQUIRED", fetch_deadline=deadline,
        )
    else:
        pool = DeadlineHTTPConnectionPool(address, port, timeout=timeout, retries=False, maxsize=1,
                                          fetch_deadline=deadline)
    host_header = host if parts.port is None else f"{host}:{port}"
    try:
        return pool.urlopen(
            "GET", path, headers={"Host": host_header, "Accept": "image/*"},
            redirect=False, preload_content=False, assert_same_host=False,
        )
    except urllib3.exceptions.TimeoutError:
        raise _timed_out(url, policy) from None
    except urllib3.exceptions.HTTPError as exc:
        if deadline.expired:  # the deadline shut the socket down while the response headers were read
            raise _timed_out(url, policy) from None
        raise JobError("image_url_failed", f"fetching {_redact(url)} failed: {type(exc).__name__}") from None


def _read_limited(response: urllib3.BaseHTTPResponse, policy: FetchPolicy, deadline: FetchDeadline, url: str) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > policy.max_bytes:
        raise JobError("image_too_large", f"{_redact(url)} is {int(declared)} bytes; the limit is {policy.max_bytes}")
    chunks = []
    total = 0
    try:
        for chunk in response.stream(64 * 1024):
            total += len(chunk)
            if total > policy.max_bytes:
                raise JobError("image_too_large", f"{_redact(url)} is over the limit of {policy.max_bytes} bytes")
            chunks.append(chunk)
    except urllib3.exceptions.TimeoutError:
        raise _timed_out(url, policy) from None
    except urllib3.exceptions.HTTPError as exc:
        if deadline.expired:
            raise _timed_out(url, policy) from None
        raise JobError("image_url_failed", f"reading {_redact(url)} failed: {type(exc).__name__}") from None

    # A body without Content-Length ends at end of file, which is also what a socket shut down
    # by the deadline returns, so a body read up to the deadline is incomplete.
    if deadline.expired:
        raise _timed_out(url, policy)
    return b"".join(chunks)


def _timed_out(url: str, policy: FetchPolicy) -> JobError:
    return JobError("image_url_timeout", f"fetching {_redact(url)} took over {policy.timeout_s:g} s (WFC_URL_TIMEOUT)")


def _redact(url: str) -> str:
    """Drop the query string, which often carries a presigned signature, from logs and messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return repr(url.split("?", 1)[0][:200])
    return f"{parts.scheme}://{parts.netloc}{parts.path}" + ("?..." if parts.query else "")
