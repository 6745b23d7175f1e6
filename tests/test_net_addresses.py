"""Tests of IP literal parsing and public-address classification."""

from __future__ import annotations

from ipaddress import ip_address

import pytest

from scanner.net.addresses import is_public_address, parse_ip_literal

NOT_PUBLIC = [
    ("127.0.0.1", "loopback"),
    ("127.255.255.254", "loopback range"),
    ("10.0.0.1", "private 10/8"),
    ("172.16.0.1", "private 172.16/12"),
    ("172.31.255.255", "private 172.16/12 end"),
    ("192.168.1.1", "private 192.168/16"),
    ("169.254.169.254", "link-local metadata"),
    ("100.64.0.1", "shared 100.64/10"),
    ("100.127.255.254", "shared 100.64/10 end"),
    ("0.0.0.0", "unspecified"),
    ("0.1.2.3", "this network 0/8"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast SSDP"),
    ("240.0.0.1", "reserved 240/4"),
    ("255.255.255.255", "broadcast"),
    ("192.0.2.1", "documentation TEST-NET-1"),
    ("198.51.100.7", "documentation TEST-NET-2"),
    ("203.0.113.10", "documentation TEST-NET-3"),
    ("198.18.0.1", "benchmarking"),
    ("192.0.0.8", "IETF protocol assignments"),
    ("::1", "IPv6 loopback"),
    ("::", "IPv6 unspecified"),
    ("fc00::1", "unique local fc00::/7"),
    ("fd12:3456::1", "unique local fd00::/8"),
    ("fe80::1", "link-local"),
    ("fe80::1%eth0", "link-local with zone"),
    ("fec0::1", "site-local"),
    ("ff02::1", "IPv6 multicast"),
    ("::ffff:127.0.0.1", "IPv4-mapped loopback"),
    ("::ffff:10.0.0.1", "IPv4-mapped private"),
    ("::ffff:169.254.169.254", "IPv4-mapped metadata"),
    ("::127.0.0.1", "IPv4-compatible loopback"),
    ("64:ff9b::7f00:1", "NAT64 of loopback"),
    ("64:ff9b::a00:1", "NAT64 of 10.0.0.1"),
    ("2002:7f00:1::1", "6to4 of loopback"),
    ("2002:c0a8:101::1", "6to4 of 192.168.1.1"),
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),
    ("2001:db8::1", "IPv6 documentation"),
    ("100::1", "IPv6 discard-only"),
]

PUBLIC = [
    ("8.8.8.8", "public IPv4"),
    ("93.184.215.14", "public IPv4 web host"),
    ("1.1.1.1", "public anycast"),
    ("2606:4700:4700::1111", "public IPv6"),
    ("2a00:1450:4001::200e", "public IPv6 web host"),
    ("::ffff:8.8.8.8", "IPv4-mapped public"),
    ("64:ff9b::808:808", "NAT64 of public"),
    ("2002:808:808::1", "6to4 of public"),
]

LITERALS = [
    ("127.0.0.1", "127.0.0.1"),
    ("2130706433", "127.0.0.1"),
    ("0177.0.0.1", "127.0.0.1"),
    ("0x7f.1", "127.0.0.1"),
    ("0x7F.0.0.1", "127.0.0.1"),
    ("127.1", "127.0.0.1"),
    ("127.0.1", "127.0.0.1"),
    ("017700000001", "127.0.0.1"),
    ("0x7f000001", "127.0.0.1"),
    ("10.1", "10.0.0.1"),
    ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"),
    ("0", "0.0.0.0"),
    ("0x", "0.0.0.0"),
    ("127.0.0.1.", "127.0.0.1"),
    ("[::1]", "::1"),
    ("::ffff:127.0.0.1", "::ffff:7f00:1"),
]

NOT_LITERALS = [
    "example.com",
    "www.example.com",
    "1.2.3.4.5",
    "256.1.1.1",
    "1.2.3.256",
    "1.2.65536",
    "08.0.0.1",
    "1e3",
    "1_000",
    "-1",
    "0x-1",
    "127.0.0.1.example",
    "[::1",
    "::zz",
]


@pytest.mark.parametrize(("address", "label"), NOT_PUBLIC)
def test_address_not_public(address: str, label: str) -> None:
    assert not is_public_address(address), label


@pytest.mark.parametrize(("address", "label"), PUBLIC)
def test_address_public(address: str, label: str) -> None:
    assert is_public_address(address), label


@pytest.mark.parametrize(("host", "expected"), LITERALS)
def test_literal_parsed(host: str, expected: str) -> None:
    assert parse_ip_literal(host) == ip_address(expected)


@pytest.mark.parametrize("host", NOT_LITERALS)
def test_non_literal_is_none(host: str) -> None:
    assert parse_ip_literal(host) is None


def test_hostile_literals_are_loopback() -> None:
    for host in ("2130706433", "0177.0.0.1", "0x7f.1", "127.1"):
        parsed = parse_ip_literal(host)
        assert parsed is not None, host
        assert parsed.is_loopback, host


def test_accepts_address_objects() -> None:
    assert not is_public_address(ip_address("10.0.0.1"))
