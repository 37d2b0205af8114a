"""Requests the service makes to addresses it was given (the link checker's): only to public ones.

A URL in the catalogue is chosen by its publisher, so fetching it must not become a way to reach
the service's own network (server-side request forgery): loopback, private, link-local,
multicast, unspecified and reserved addresses, in IPv4 and IPv6 (an IPv4 address mapped into
IPv6 or carried in a 6to4 address is judged as the IPv4 address it stands for).

The check is made where the socket is opened, not on the URL: the host name is resolved once,
each address is judged, and the connection is made to that very address. So there is no moment
between a check and a second lookup for a DNS answer to change (DNS rebinding), and no way
round it through how the host is spelt (``2130706433``, ``0x7f.1``, ``[::ffff:127.0.0.1]``),
through a redirect (each hop opens its own connection), or through a proxy (none is used).

Written here rather than taken from a library: Advocate, which does this for requests, is
unmaintained and pins urllib3 below 2; the alternatives found wrap httpx or the standard
library's client, not requests. This is small: a urllib3 connection whose one hook for opening
its socket (``_new_conn``, the hook Advocate overrides too) connects only to addresses the
policy permits, and a requests adapter whose pools use it.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    LocationParseError,
    NameResolutionError,
    NewConnectionError,
)
from urllib3.util.connection import allowed_gai_family
from urllib3.util.timeout import _DEFAULT_TIMEOUT

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def is_public_address(address: IPAddress) -> bool:
    """Whether `address` is on the public internet: not loopback, private, link-local,
    multicast, unspecified, reserved or otherwise special-purpose."""
    if isinstance(address, ipaddress.IPv6Address):
        # ::ffff:127.0.0.1 reaches 127.0.0.1, and 2002:7f00:1:: reaches it through a 6to4 relay.
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return is_public_address(embedded)
        if address.is_site_local:
            return False
    special = (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
    )
    # is_global also leaves out what is_private does not name, such as 100.64.0.0/10 (carrier NAT).
    return address.is_global and not special


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses outbound requests may connect to: public ones, and others only when
    `allow_private` is set (tests, a catalogue on a private network) or they are in one of
    `allowed_networks`."""

    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()

    def permits(self, address: IPAddress) -> bool:
        if self.allow_private or is_public_address(address):
            return True
        plain = _plain(address)
        return any(plain.version == n.version and plain in n for n in self.allowed_networks)


class AddressNotAllowedError(NewConnectionError):
    """The host resolved only to addresses the policy refuses; nothing was connected to.

    A `NewConnectionError`, so requests raises it as a `requests.ConnectionError` (its cause).
    """


def guarded_session(policy: AddressPolicy) -> requests.Session:
    """A requests session that connects only to addresses `policy` permits.

    It ignores the environment (proxy variables, .netrc): a proxy would connect for us, out of
    the policy's sight, and .netrc credentials must not go to hosts chosen by others.
    """
    session = requests.Session()
    session.trust_env = False
    adapter = GuardedAdapter(policy)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose connections are opened only to permitted addresses."""

    def __init__(self, policy: AddressPolicy, **kwargs: Any) -> None:
        self.policy = policy  # before super().__init__, which builds the pool manager
        super().__init__(**kwargs)

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        self._pool_connections = connections
        self._pool_maxsize = maxsize
        self._pool_block = block
        self.poolmanager = _GuardedPoolManager(
            self.policy, num_pools=connections, maxsize=maxsize, block=block, **pool_kwargs
        )

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        raise requests.exceptions.InvalidProxyURL(
            "Requests to addresses others chose do not go through a proxy."
        )


class _GuardedPoolManager(urllib3.PoolManager):
    def __init__(self, policy: AddressPolicy, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.policy = policy
        self.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}

    def _new_pool(
        self, scheme: str, host: str, port: int, request_context: dict[str, Any] | None = None
    ) -> HTTPConnectionPool:
        # urllib3's documented place to customise pools; each pool hands the policy to its
        # connections (the pools are this manager's own, so the pool key need not carry it).
        context = dict(self.connection_pool_kw if request_context is None else request_context)
        context["address_policy"] = self.policy
        return super()._new_pool(scheme, host, port, context)


class _GuardedConnectionMixin:
    """Opens the socket itself: one lookup, each address judged, and only permitted ones tried."""

    host: str
    port: int
    timeout: Any
    source_address: Any
    socket_options: Any
    _dns_host: str

    def __init__(self, *args: Any, address_policy: AddressPolicy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.address_policy = address_policy

    def _new_conn(self) -> socket.socket:
        # The same errors as urllib3's own _new_conn, so requests reports them alike.
        try:
            sock = open_permitted_connection(
                self._dns_host,
                self.port,
                self.address_policy,
                timeout=self.timeout,
                source_address=self.source_address,
                socket_options=self.socket_options,
            )
        except _NotPermitted as refused:
            raise AddressNotAllowedError(self, f"Refused to connect to {refused.args[0]}.") from None
        except socket.gaierror as error:
            raise NameResolutionError(self.host, self, error) from error
        except TimeoutError as error:
            raise ConnectTimeoutError(self, f"Connection to {self.host} timed out.") from error
        except OSError as error:
            raise NewConnectionError(self, f"Failed to establish a new connection: {error}") from error
        sys.audit("http.client.connect", self, self.host, self.port)
        return sock


class _GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    # TLS is set up over the socket _new_conn returns, still checking the certificate
    # against the host name asked for.
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _NotPermitted(Exception):
    """Every address the host resolved to was refused; `args[0]` lists them."""


def open_permitted_connection(
    host: str,
    port: int,
    policy: AddressPolicy,
    *,
    timeout: Any = _DEFAULT_TIMEOUT,
    source_address: tuple[str, int] | None = None,
    socket_options: Iterable[tuple[int, int, Any]] | None = None,
) -> socket.socket:
    """A socket connected to the first address of `host` that `policy` permits and that answers.

    Like urllib3's create_connection, with each resolved address judged before it is tried:
    the address checked is the address connected to.
    """
    host = host.strip("[]")
    try:
        host.encode("idna")
    except UnicodeError:
        raise LocationParseError(f"{host!r}, label empty or too long") from None
    refused: list[str] = []
    last_error: OSError | None = None
    for family, kind, proto, _, sockaddr in socket.getaddrinfo(
        host, port, allowed_gai_family(), socket.SOCK_STREAM
    ):
        address = ipaddress.ip_address(sockaddr[0])
        if not policy.permits(address):
            refused.append(str(address))
            continue
        sock = socket.socket(family, kind, proto)
        try:
            for option in socket_options or ():
                sock.setsockopt(*option)
            if timeout is not _DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as error:
            sock.close()
            last_error = error
    if last_error is not None:
        raise last_error
    if refused:
        raise _NotPermitted(", ".join(refused))
    raise OSError("getaddrinfo returns an empty list")


def _plain(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
