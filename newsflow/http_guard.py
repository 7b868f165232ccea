"""The SSRF guard (newsflow.urls.AddressGuard) where httpx makes its connections.

One mechanism for both HTTP clients: the connector's (async: feeds, redirects, article pages,
robots.txt) and the notifier's (sync: webhook and Slack). A guarded transport's network backend
resolves each new connection's host once through the guard, which refuses it if any address is
not public, then connects to one of the addresses it checked: there is no second lookup a
rebinding DNS server could answer differently. httpcore still passes the host name to TLS (SNI
and the certificate check) and httpx writes it in the Host header, so HTTPS and virtual hosts work
as without the guard. Environment proxies are not used with an explicit transport, so the guard
sees the real destination.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import anyio
import httpcore
import httpx

from newsflow.urls import AddressGuard, BlockedAddressError


class GuardRefusal(httpcore.ConnectError):
    """The guarded transport refused to connect (a non-public address). httpx raises it as the
    cause of an httpx.ConnectError: see `refused`."""


def refused(exc: httpx.ConnectError) -> bool:
    """Whether a connect error is the guard's refusal (final) rather than a network failure."""
    return isinstance(exc.__cause__, GuardRefusal)


def _addresses(guard: AddressGuard, host: str, port: int) -> list[str]:
    try:
        return guard.addresses(host, port)
    except BlockedAddressError as exc:
        raise GuardRefusal(str(exc)) from None
    except OSError as exc:
        msg = f"cannot resolve {host}: {exc}"
        raise httpcore.ConnectError(msg) from None


_UNIX = "refusing connection to a unix socket"
_CONNECT_FAILURES = (httpcore.ConnectError, httpcore.ConnectTimeout)
S = TypeVar("S")


def _first(addresses: list[str], connect: Callable[[str], S]) -> S:
    """Like socket.create_connection: the next address when one fails, else the last failure."""
    failure: Exception | None = None
    for address in addresses:
        try:
            return connect(address)
        except _CONNECT_FAILURES as exc:
            failure = exc
    assert failure is not None  # `addresses` is never empty
    raise failure


class _Backend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend, guard: AddressGuard):
        self._inner, self._guard = inner, guard

    # the options after host and port (timeout, local_address, socket_options) pass through
    def connect_tcp(
        self, host: str, port: int, *args: Any, **kwargs: Any
    ) -> httpcore.NetworkStream:
        return _first(
            _addresses(self._guard, host, port),
            lambda address: self._inner.connect_tcp(address, port, *args, **kwargs),
        )

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise GuardRefusal(_UNIX)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _AsyncBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, inner: httpcore.AsyncNetworkBackend, guard: AddressGuard):
        self._inner, self._guard = inner, guard

    async def connect_tcp(
        self, host: str, port: int, *args: Any, **kwargs: Any
    ) -> httpcore.AsyncNetworkStream:
        addresses = await anyio.to_thread.run_sync(_addresses, self._guard, host, port)
        failure: Exception | None = None
        for address in addresses:  # as _first, awaiting
            try:
                return await self._inner.connect_tcp(address, port, *args, **kwargs)
            except _CONNECT_FAILURES as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise GuardRefusal(_UNIX)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _install(transport: Any, pool_type: type, backend: Callable[[Any], Any]) -> None:
    """Fails closed if httpx's internals no longer let the guard in."""
    pool = getattr(transport, "_pool", None)
    if not isinstance(pool, pool_type) or not hasattr(pool, "_network_backend"):
        msg = "cannot install the SSRF guard in this httpx/httpcore version"
        raise RuntimeError(msg)
    pool._network_backend = backend(pool._network_backend)  # type: ignore[attr-defined]


def guarded_transport(guard: AddressGuard, **options: Any) -> httpx.HTTPTransport:
    """An httpx transport (options as for HTTPTransport) whose connections pass the guard."""
    transport = httpx.HTTPTransport(**options)
    if not guard.allow_private:
        _install(transport, httpcore.ConnectionPool, lambda inner: _Backend(inner, guard))
    return transport


def guarded_async_transport(guard: AddressGuard, **options: Any) -> httpx.AsyncHTTPTransport:
    """An httpx transport (options as for AsyncHTTPTransport) whose connections pass the guard."""
    transport = httpx.AsyncHTTPTransport(**options)
    if not guard.allow_private:
        _install(transport, httpcore.AsyncConnectionPool, lambda inner: _AsyncBackend(inner, guard))
    return transport
