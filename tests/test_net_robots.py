"""Tests of robots.txt parsing and access rules (RFC 9309)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.net.robots import RobotsTxt, product_token

AGENT = "domain-scanner/0.1 (+https://github.com/domain-scanner/domain-scanner)"
SITES = Path(__file__).parent / "fixtures" / "sites"


def test_product_token_strips_version() -> None:
    assert product_token(AGENT) == "domain-scanner"


def test_empty_file_allows_all() -> None:
    assert RobotsTxt.parse("").is_allowed(AGENT, "/")


def test_star_group_disallows_root() -> None:
    robots = RobotsTxt.parse("User-agent: *\nDisallow: /\n")
    assert not robots.is_allowed(AGENT, "/")


def test_empty_disallow_allows_all() -> None:
    robots = RobotsTxt.parse("User-agent: *\nDisallow:\n")
    assert robots.is_allowed(AGENT, "/")


def test_named_group_beats_star_group() -> None:
    text = "User-agent: *\nDisallow: /\n\nUser-agent: Domain-Scanner\nAllow: /\n"
    robots = RobotsTxt.parse(text)
    assert robots.is_allowed(AGENT, "/")
    assert not robots.is_allowed("OtherBot/1.0", "/")


def test_named_group_blocks_only_scanner() -> None:
    text = "User-agent: domain-scanner\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
    robots = RobotsTxt.parse(text)
    assert not robots.is_allowed(AGENT, "/")
    assert robots.is_allowed("OtherBot/1.0", "/")


def test_groups_for_same_agent_combine() -> None:
    text = (
        "User-agent: domain-scanner\nDisallow: /a\n\n"
        "User-agent: other\nDisallow: /\n\n"
        "User-agent: domain-scanner\nDisallow: /b\n"
    )
    robots = RobotsTxt.parse(text)
    assert not robots.is_allowed(AGENT, "/a")
    assert not robots.is_allowed(AGENT, "/b")
    assert robots.is_allowed(AGENT, "/c")


def test_consecutive_agents_share_group() -> None:
    text = "User-agent: a\nUser-agent: domain-scanner\nDisallow: /private\n"
    robots = RobotsTxt.parse(text)
    assert not robots.is_allowed(AGENT, "/private/x")


def test_longest_match_wins() -> None:
    text = "User-agent: *\nDisallow: /shop\nAllow: /shop/public\n"
    robots = RobotsTxt.parse(text)
    assert robots.is_allowed(AGENT, "/shop/public/item")
    assert not robots.is_allowed(AGENT, "/shop/cart")


def test_allow_wins_tie() -> None:
    text = "User-agent: *\nDisallow: /page\nAllow: /page\n"
    assert RobotsTxt.parse(text).is_allowed(AGENT, "/page")


@pytest.mark.parametrize(
    ("pattern", "path", "blocked"),
    [
        ("/*.php", "/index.php", True),
        ("/*.php", "/dir/a.php?x=1", True),
        ("/*.php$", "/index.php", True),
        ("/*.php$", "/index.php?x=1", False),
        ("/fish", "/fish.html", True),
        ("/fish", "/Fish", False),
        ("/fish/", "/fish", False),
        ("/$", "/", True),
        ("/$", "/page", False),
        ("/*/private", "/a/b/private", True),
        ("/caf\u00e9", "/caf%C3%A9", True),
        ("/a%3cb", "/a%3Cb", True),
    ],
)
def test_pattern_matching(pattern: str, path: str, blocked: bool) -> None:
    robots = RobotsTxt.parse(f"User-agent: *\nDisallow: {pattern}\n")
    assert robots.is_allowed(AGENT, path) is not blocked


def test_rules_before_any_agent_ignored() -> None:
    robots = RobotsTxt.parse("Disallow: /\nUser-agent: *\nAllow: /\n")
    assert robots.is_allowed(AGENT, "/")


def test_robots_txt_always_allowed() -> None:
    robots = RobotsTxt.parse("User-agent: *\nDisallow: /\n")
    assert robots.is_allowed(AGENT, "/robots.txt")


def test_comments_bom_and_case() -> None:
    text = "\ufeffUSER-AGENT: * # everyone\nDISALLOW: /x # not here\n"
    robots = RobotsTxt.parse(text)
    assert not robots.is_allowed(AGENT, "/x")
    assert robots.is_allowed(AGENT, "/y")


def test_bytes_with_bom() -> None:
    robots = RobotsTxt.parse(b"\xef\xbb\xbfUser-agent: *\r\nDisallow: /\r\n")
    assert not robots.is_allowed(AGENT, "/")


def test_sitemap_urls_in_order() -> None:
    text = (
        "\ufeffsitemap: https://a.test/one.xml # first\n"
        "User-agent: *\nDisallow: /x\n"
        "SITEMAP:https://a.test/two.xml\n"
        "Sitemap: https://a.test/one.xml\n"
    )
    robots = RobotsTxt.parse(text)
    assert robots.sitemap_urls() == [
        "https://a.test/one.xml",
        "https://a.test/two.xml",
    ]


def test_lines_keep_every_known_key() -> None:
    robots = RobotsTxt.parse("User-agent: *\nCrawl-delay: 5\nDisallow: /x\n")
    assert robots.lines == [("user-agent", "*"), ("disallow", "/x")]


def test_fixture_robots_syntax_site() -> None:
    content = (SITES / "sm-robots-syntax.test" / "files" / "robots.txt").read_bytes()
    robots = RobotsTxt.parse(content)
    base = "https://sm-robots-syntax.test/sitemaps/"
    assert robots.is_allowed(AGENT, "/")
    assert robots.sitemap_urls() == [
        f"{base}first.xml",
        f"{base}Products_MixedCase.xml",
        f"{base}space-before-colon.xml",
        f"{base}no-space.xml",
        "/sitemaps/relative.xml",
        f"{base}tabs.xml",
    ]
