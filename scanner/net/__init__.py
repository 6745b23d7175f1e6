"""HTTP fetching for scans: address checks, limits, redirects and robots.txt."""

from scanner.net.addresses import is_public_address, parse_ip_literal
from scanner.net.decoding import ContentDecoder
from scanner.net.failures import UnreachableError
from scanner.net.fetcher import Fetcher
from scanner.net.resolver import Resolver, StaticResolver, SystemResolver
from scanner.net.responses import FetchResponse, StreamedResponse
from scanner.net.robots import RobotsTxt

__all__ = [
    "ContentDecoder",
    "FetchResponse",
    "Fetcher",
    "Resolver",
    "RobotsTxt",
    "StaticResolver",
    "StreamedResponse",
    "SystemResolver",
    "UnreachableError",
    "is_public_address",
    "parse_ip_literal",
]
