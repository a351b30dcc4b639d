"""The client's address, honouring only proxies we were told to trust.

The leftmost X-Forwarded-For value is whatever the client wrote; we walk the chain from the right and
stop at the first hop that is not a trusted proxy.
"""

import ipaddress
from dataclasses import dataclass

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class TrustedProxies:
    count: int = 0
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, spec: str) -> "TrustedProxies":
        spec = spec.strip()
        if not spec:
            return cls()
        if spec.isdigit():
            return cls(count=int(spec))
        return cls(networks=tuple(ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",")))

    def trusts(self, peer: str) -> bool:
        """Whether the direct peer is one of our proxies (any peer, when trusted by count)."""
        return bool(self.count) or self._is_trusted(peer)

    def _is_trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def client_address(self, peer: str | None, forwarded_for: str | None) -> str | None:
        if peer is None or not (self.count or self.networks):
            return peer
        chain = [hop.strip() for hop in (forwarded_for or "").split(",") if hop.strip()]
        chain.append(peer)
        if self.count:
            # The last `count` hops are our proxies; the one before them is the client.
            index = len(chain) - 1 - self.count
            return chain[max(index, 0)]
        for hop in reversed(chain):
            if not self._is_trusted(hop):
                return hop
        return chain[0]
