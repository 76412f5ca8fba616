"""Where a request comes from: the TCP peer, or what trusted proxies say in `X-Forwarded-For`.

Anyone can write `X-Forwarded-For`, so it is read only when the peer is one of the configured
proxies, and only from the right: each trusted proxy appends the address it was called from, so
the first address from the right that is not a trusted proxy is the client. What a client wrote
further left is never believed. Whatever does not parse ends the walk (the nearest trusted hop is
then the best we know): a malformed header is never an error.
"""

from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv6Address, ip_address

from sportello_gateway.settings import IPNetwork

IPAddress = IPv4Address | IPv6Address


def parse_address(text: str) -> IPAddress | None:
    """An address as peers and proxies write it (`192.0.2.1`, `192.0.2.1:443`, `[2001:db8::1]:443`,
    IPv4 mapped into IPv6); None for anything else (`unknown`, a host name, junk)."""
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6] or [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port (a bare v6 has at least two colons)
        text = text.split(":", 1)[0]
    try:
        address = ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _hops(forwarded_for: Iterable[str]) -> list[str]:
    # Several headers are one list, in order (RFC 9110, 5.3).
    return [hop for header in forwarded_for for hop in header.split(",")]


def client_address(
    peer: str | None, forwarded_for: Iterable[str], trusted: Sequence[IPNetwork]
) -> IPAddress | None:
    """The client's address; None when not even the peer is an IP address (a Unix socket)."""
    address = parse_address(peer) if peer is not None else None
    if address is None or not _is_trusted(address, trusted):
        return address
    for hop in reversed(_hops(forwarded_for)):
        candidate = parse_address(hop)
        if candidate is None:
            return address
        address = candidate
        if not _is_trusted(address, trusted):
            return address
    return address


def _is_trusted(address: IPAddress, trusted: Sequence[IPNetwork]) -> bool:
    return any(address.version == network.version and address in network for network in trusted)
