"""Turn what a user typed into the canonical domain the scanner stores."""

from __future__ import annotations

import ipaddress
import re
import socket
import unicodedata
from urllib.parse import urlsplit

import idna

from scanner.errors import InvalidDomainError

MAX_INPUT_LENGTH = 2048
MAX_DOMAIN_LENGTH = 253
MAX_LABEL_LENGTH = 63

_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_LDH_LABEL_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
_ALL_NUMERIC_RE = re.compile(r"^(?:0x[0-9a-f]+|[0-9]+)$")
# Dots that IDNA (UTS #46) treats as label separators besides the ASCII full stop.
_IDEOGRAPHIC_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})


def canonicalize_domain(raw: str, *, allow_ip: bool = False) -> str:
    """Return the canonical form of a domain given as a name or a URL.

    The canonical form is lower case, IDNA (punycode), without scheme, path,
    port, trailing dot or a leading `www.`; other subdomains are kept.

    Args:
        raw: what the user typed: `example.com`, `https://www.Example.com/x?q`,
            `bücher.de` or `xn--bcher-kva.de`.
        allow_ip: accept an IP address literal instead of a name.

    Raises:
        InvalidDomainError: the input is not a domain; the message names it.
    """
    if not isinstance(raw, str):
        raise InvalidDomainError(
            f"invalid domain {raw!r}: expected text such as example.com"
        )
    text = raw.strip()
    if not text:
        raise InvalidDomainError(
            f"invalid domain {raw!r}: it is empty; give a name such as example.com"
        )
    if len(text) > MAX_INPUT_LENGTH:
        raise InvalidDomainError(
            f"invalid domain {_shorten(raw)!r}: input is {len(text)} characters "
            f"long, more than {MAX_INPUT_LENGTH}"
        )
    if any(unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"} for char in text):
        raise InvalidDomainError(
            f"invalid domain {_shorten(raw)!r}: it contains control characters"
        )
    host = _host_from_input(text, raw)
    return _canonical_host(host, raw, allow_ip=allow_ip)


def _host_from_input(text: str, raw: str) -> str:
    """Take the host out of a bare name or a URL, rejecting what is not http(s)."""
    if "://" in text or text.startswith("//"):
        return _host_from_url(text if "://" in text else "http:" + text, raw)
    scheme_match = _SCHEME_RE.match(text)
    if scheme_match and not _looks_like_host_port(text):
        scheme = scheme_match.group(0)[:-1].lower()
        raise InvalidDomainError(
            f"invalid domain {_shorten(raw)!r}: {scheme}: URLs cannot be scanned; "
            "give a domain or an http(s) URL"
        )
    return _host_from_url("http://" + text, raw)


def _looks_like_host_port(text: str) -> bool:
    """Tell `example.com:8080` (host and port) from `mailto:x` (a scheme)."""
    head, _, rest = text.partition(":")
    port = re.split(r"[/?#]", rest, maxsplit=1)[0]
    return "." in head and port.isdigit()


def _host_from_url(url: str, raw: str) -> str:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidDomainError(
            f"invalid domain {_shorten(raw)!r}: {exc}; give a domain such as "
            "example.com"
        ) from None
    if parts.scheme.lower() not in {"http", "https"}:
        raise InvalidDomainError(
            f"invalid domain {_shorten(raw)!r}: {parts.scheme}: URLs cannot be "
            "scanned; give a domain or an http(s) URL"
        )
    if parts.username is not None or parts.password is not None:
        raise InvalidDomainError(
            f"invalid domain {_shorten(raw)!r}: URLs with a user name or password "
            "are not accepted; remove the part before @"
        )
    if port is not None and not 1 <= port <= 65535:
        raise InvalidDomainError(
            f"invalid domain {_shorten(raw)!r}: port {port} is out of range"
        )
    host = parts.hostname or ""
    if not host:
        raise InvalidDomainError(
            f"invalid domain {_shorten(raw)!r}: no host name found; give a domain "
            "such as example.com"
        )
    return host


def _canonical_host(host: str, raw: str, *, allow_ip: bool) -> str:
    address = _ip_literal(host)
    if address is not None:
        if not allow_ip:
            raise InvalidDomainError(
                f"invalid domain {_shorten(raw)!r}: an IP address is not a domain; "
                "give a name, or allow IP addresses in the settings"
            )
        return address.compressed
    name = host.translate(_IDEOGRAPHIC_DOTS).rstrip(".").lower()
    if not name or ".." in name or name.startswith("."):
        raise InvalidDomainError(
            f"invalid domain {_shorten(raw)!r}: it has an empty label"
        )
    if any(char.isspace() for char in name):
        raise InvalidDomainError(f"invalid domain {_shorten(raw)!r}: it has spaces")
    ascii_name = _to_ascii(name, raw)
    _check_labels(ascii_name, raw)
    if ascii_name.startswith("www.") and ascii_name.count(".") >= 2:
        ascii_name = ascii_name[len("www.") :]
    return ascii_name


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    candidate = host.strip("[]")
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        pass
    labels = candidate.rstrip(".").lower().split(".")
    # Resolvers read `2130706433`, `0177.0.0.1` and `0x7f.1` as IPv4 addresses.
    if not labels or not all(_ALL_NUMERIC_RE.match(label) for label in labels):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(candidate.rstrip(".")))
    except OSError:
        # All digits but no address, such as `1.2.3.4.5`: the label checks reject it.
        return None


def _to_ascii(name: str, raw: str) -> str:
    labels = name.split(".")
    ascii_labels: list[str] = []
    for label in labels:
        if label.isascii():
            ascii_labels.append(_check_ascii_label(label, raw))
            continue
        try:
            encoded = idna.encode(label, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise InvalidDomainError(
                f"invalid domain {_shorten(raw)!r}: label {label!r} is not a valid "
                f"internationalised name ({exc})"
            ) from None
        ascii_labels.append(encoded)
    return ".".join(ascii_labels)


def _check_ascii_label(label: str, raw: str) -> str:
    if label.startswith("xn--"):
        try:
            decoded = idna.decode(label)
            idna.encode(decoded)
        except (idna.IDNAError, UnicodeError) as exc:
            raise InvalidDomainError(
                f"invalid domain {_shorten(raw)!r}: {label!r} is not valid punycode "
                f"({exc})"
            ) from None
    return label


def _check_labels(name: str, raw: str) -> None:
    if len(name) > MAX_DOMAIN_LENGTH:
        raise InvalidDomainError(
            f"invalid domain {_shorten(raw)!r}: the name is {len(name)} characters "
            f"long, more than {MAX_DOMAIN_LENGTH}"
        )
    labels = name.split(".")
    if len(labels) < 2:
        raise InvalidDomainError(
            f"invalid domain {_shorten(raw)!r}: a domain needs at least one dot, "
            "as in example.com"
        )
    for label in labels:
        if len(label) > MAX_LABEL_LENGTH:
            raise InvalidDomainError(
                f"invalid domain {_shorten(raw)!r}: label {label[:20]!r}... is "
                f"{len(label)} characters long, more than {MAX_LABEL_LENGTH}"
            )
        if not _LDH_LABEL_RE.match(label) and not _is_service_label(label):
            raise InvalidDomainError(
                f"invalid domain {_shorten(raw)!r}: label {label!r} may contain only "
                "letters, digits and inner hyphens"
            )
    if labels[-1].isdigit():
        raise InvalidDomainError(
            f"invalid domain {_shorten(raw)!r}: the top-level domain "
            f"{labels[-1]!r} is all digits"
        )


def _is_service_label(label: str) -> bool:
    """Accept underscores, which real host names such as `_dmarc` use."""
    return bool(re.match(r"^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$", label))


def _shorten(value: object, limit: int = 80) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "..."


def starts_with_www(raw: str) -> bool:
    """Tell whether the host the user typed starts with `www.`."""
    try:
        host = _host_from_input(raw.strip(), raw)
    except InvalidDomainError:
        return False
    return host.lower().startswith("www.")
