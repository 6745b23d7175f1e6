"""Decide whether an IP address is on the public internet, as a scan target must be.

A scan must never reach the scanner's own network: loopback, private ranges, cloud
metadata at 169.254.169.254, carrier-grade NAT and the like. Host names are checked
after DNS resolution, and numeric hosts are parsed the way URL parsers and
`inet_aton` read them, so `2130706433` or `0177.0.0.1` is recognised as 127.0.0.1.
"""

from __future__ import annotations

import re
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

IPAddress = IPv4Address | IPv6Address

# NAT64 (RFC 6052) embeds an IPv4 address in the last 32 bits of this prefix.
_NAT64 = IPv6Network("64:ff9b::/96")
# Python 3.11's `is_global` misses these ranges. 100.64.0.0/10 is shared address
# space for carrier-grade NAT (RFC 6598). 192.0.0.0/24 contains IETF protocol
# assignments (RFC 6890) and is rejected whole, though .9 and .10 are anycast.
_NOT_GLOBAL_V4 = (IPv4Network("100.64.0.0/10"), IPv4Network("192.0.0.0/24"))
_HEX_PART = re.compile(r"0x[0-9a-f]*")
_OCTAL_PART = re.compile(r"0[0-7]+")
_DECIMAL_PART = re.compile(r"0|[1-9][0-9]*")


def parse_ip_literal(host: str) -> IPAddress | None:
    """Parse `host` as a numeric IP address, or return None for a host name.

    IPv4 accepts the forms `inet_aton` and the WHATWG URL parser accept: one to
    four parts, each decimal, octal with a leading `0` or hex with `0x`, the last
    part filling the remaining bytes (`127.1`, `0x7f.1`, `2130706433`). IPv6 may
    be written in brackets and may carry a zone (`fe80::1%eth0`).
    """
    text = host.strip().rstrip(".")
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        try:
            return IPv6Address(text)
        except ValueError:
            return None
    return _parse_ipv4(text)


def is_public_address(address: IPAddress | str) -> bool:
    """Return True when `address` is a globally routable unicast address.

    Private, loopback, link-local, multicast, reserved, unspecified, shared
    (100.64.0.0/10), documentation and unique-local (fc00::/7) addresses are not
    public. An IPv6 address that embeds an IPv4 address (IPv4-mapped, NAT64,
    6to4) is judged by the embedded address, and Teredo is never public because
    it tunnels to addresses that cannot be checked here.
    """
    ip = ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, IPv4Address):
        return _is_public_v4(ip)
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        return _is_public_v4(embedded)
    if ip.teredo is not None or ip.is_site_local:
        return False
    return _is_public_common(ip)


def _is_public_v4(ip: IPv4Address) -> bool:
    if any(ip in network for network in _NOT_GLOBAL_V4):
        return False
    return _is_public_common(ip)


def _is_public_common(ip: IPAddress) -> bool:
    if not ip.is_global:
        return False
    return not (
        ip.is_multicast
        or ip.is_reserved
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_unspecified
        or ip.is_private
    )


def _embedded_ipv4(ip: IPv6Address) -> IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def _parse_ipv4(text: str) -> IPv4Address | None:
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers: list[int] = []
    for part in parts:
        number = _parse_ipv4_part(part)
        if number is None:
            return None
        numbers.append(number)

    # Every part but the last is one byte, and the last fills the bytes left.
    *leading, last = numbers
    if any(number > 255 for number in leading):
        return None
    if last >= 256 ** (5 - len(numbers)):
        return None
    value = last
    for index, number in enumerate(leading):
        value += number << (8 * (3 - index))
    return IPv4Address(value)


def _parse_ipv4_part(part: str) -> int | None:
    lowered = part.lower()
    if _HEX_PART.fullmatch(lowered):
        return int(lowered[2:] or "0", 16)
    if _OCTAL_PART.fullmatch(lowered):
        return int(lowered, 8)
    if _DECIMAL_PART.fullmatch(lowered):
        return int(lowered)
    return None
