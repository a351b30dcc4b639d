"""Where a webhook may connect: the address rules, and an httpcore network backend that keeps to them.

A host name is checked on the address actually connected to, not on an earlier lookup: the backend resolves
the name itself (through an injectable resolver), refuses the disallowed addresses, connects to a checked IP,
and checks the socket's peer address once more. A name that resolved to a public address when the endpoint
was saved and to a private one now (DNS rebinding) is refused at delivery. TLS still verifies the host name:
httpcore passes the URL's host to the handshake (SNI and the certificate check), whatever IP we connected to.
"""

import asyncio
import ipaddress
import socket
import typing
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import httpcore

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# Host name -> the addresses it resolves to, in the order to try them.
Resolver = Callable[[str], Awaitable[list[str]]]


class AddressNotAllowedError(Exception):
    """The host resolves only to addresses webhooks may not reach (or the socket's peer is one)."""


class NameNotResolvedError(Exception):
    """The host name did not resolve."""


async def system_resolver(host: str) -> list[str]:
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise NameNotResolvedError(f"{host} does not resolve ({error})") from error
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def parse_networks(spec: str) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in spec.split(",") if item.strip())


def ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _unwrapped(ip: IPAddress) -> IPAddress:
    """The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), 6to4 or Teredo IPv6 address."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip.teredo is not None:
            return ip.teredo[1]
    return ip


@dataclass(frozen=True)
class AddressPolicy:
    """`checks` off (development, tests): every address is allowed. On: public unicast addresses only, plus
    the allowed networks (never the unspecified address or multicast)."""

    checks: bool
    allowed: tuple[IPNetwork, ...] = ()

    @classmethod
    def of(cls, checks: bool, allowed_networks: str) -> "AddressPolicy":
        return cls(checks, parse_networks(allowed_networks))

    def refusal(self, address: IPAddress | str) -> str | None:
        """Why `address` may not be reached (None: it may)."""
        if not self.checks:
            return None
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
        inner = _unwrapped(ip)
        for candidate in dict.fromkeys((ip, inner)):
            if candidate.is_unspecified:
                return "unspecified address"
            if candidate.is_multicast:
                return "multicast address"
        if any(ip in network or inner in network for network in self.allowed):
            return None
        for candidate in dict.fromkeys((ip, inner)):
            for name, flag in (
                ("loopback", candidate.is_loopback),
                ("link-local", candidate.is_link_local),
                ("private", candidate.is_private),
                ("reserved", candidate.is_reserved),
                ("not public", not candidate.is_global),
            ):
                if flag:
                    return f"{name} address"
        return None


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's own backend, connecting only to addresses the policy allows."""

    def __init__(self, policy: AddressPolicy, resolver: Resolver) -> None:
        self._policy = policy
        self._resolver = resolver
        self._inner = httpcore.AnyIOBackend()

    async def _addresses(self, host: str, within: float | None) -> list[str]:
        literal = ip_literal(host)
        if literal is not None:
            return [str(literal)]
        async with asyncio.timeout(within):
            return await self._resolver(host)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109  (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._addresses(host, timeout)
        refused = {address: self._policy.refusal(address) for address in addresses}
        allowed = [address for address, why in refused.items() if why is None]
        if not allowed:
            reasons = ", ".join(f"{address} ({why})" for address, why in refused.items()) or "no address"
            raise AddressNotAllowedError(f"{host} resolves to {reasons}")
        failure: Exception | None = None
        for address in allowed:
            try:
                stream = await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
                continue
            peer = stream.get_extra_info("server_addr")
            why = self._policy.refusal(str(peer[0]).split("%", 1)[0]) if peer else "no peer address"
            if why is not None:
                await stream.aclose()
                raise AddressNotAllowedError(f"{host} connected to {peer[0] if peer else '?'} ({why})")
            return stream
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109  (httpcore's interface)
        socket_options: typing.Any = None,
    ) -> httpcore.AsyncNetworkStream:
        raise AddressNotAllowedError("webhooks never connect to a Unix socket")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
