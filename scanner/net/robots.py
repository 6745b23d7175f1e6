"""Parse robots.txt and decide whether a path may be fetched (RFC 9309)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import quote

# RFC 9309 section 2.5 requires crawlers to parse at least the first 500 KiB.
MAX_ROBOTS_BYTES = 500 * 1024

_KNOWN_KEYS = {"user-agent", "allow", "disallow", "sitemap"}
# Characters a rule pattern keeps as written; everything else is percent-encoded
# so a UTF-8 pattern matches the percent-encoded path of a URL.
_PATTERN_SAFE = "/?=&;:@!$'()*+,-._~%"


@dataclass(frozen=True)
class RobotsRule:
    """One `Allow` or `Disallow` line of a group."""

    allow: bool
    pattern: str

    @cached_property
    def _regex(self) -> re.Pattern[str]:
        anchored = self.pattern.endswith("$")
        body = self.pattern[:-1] if anchored else self.pattern
        parts = [re.escape(_normalize(piece)) for piece in body.split("*")]
        return re.compile(".*".join(parts) + (r"\Z" if anchored else ""), re.DOTALL)

    def matches(self, path: str) -> bool:
        """Return True when the pattern matches the start of `path`."""
        return self._regex.match(path) is not None


@dataclass
class RobotsGroup:
    """User agents named together and the rules that follow them."""

    agents: list[str] = field(default_factory=list)
    rules: list[RobotsRule] = field(default_factory=list)


@dataclass
class RobotsTxt:
    """A parsed robots.txt: its groups and every `key: value` line in order."""

    groups: list[RobotsGroup] = field(default_factory=list)
    lines: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def parse(cls, content: str | bytes) -> RobotsTxt:
        """Parse robots.txt text; lines that are not `key: value` are skipped."""
        text = _to_text(content)
        robots = cls()
        group: RobotsGroup | None = None
        for key, value in _key_values(text):
            robots.lines.append((key, value))
            if key == "user-agent":
                if group is None or group.rules:
                    group = RobotsGroup()
                    robots.groups.append(group)
                group.agents.append(product_token(value) or value)
            elif key in {"allow", "disallow"} and group is not None and value:
                group.rules.append(RobotsRule(key == "allow", value))
        return robots

    def is_allowed(self, user_agent: str, path: str) -> bool:
        """Return True when `user_agent` may fetch `path` (path plus query).

        The groups naming the agent's product token apply, else those for `*`,
        else nothing is disallowed. Among matching rules the longest pattern
        wins, and `Allow` wins a tie.
        """
        if path.split("?", 1)[0] == "/robots.txt":
            return True
        target = _normalize(path or "/")
        best: RobotsRule | None = None
        for rule in self._rules_for(product_token(user_agent)):
            if not rule.matches(target):
                continue
            if best is None or _outranks(rule, best):
                best = rule
        return best is None or best.allow

    def sitemap_urls(self) -> list[str]:
        """Return the `Sitemap:` values in order, without duplicates."""
        urls: list[str] = []
        for key, value in self.lines:
            if key == "sitemap" and value and value not in urls:
                urls.append(value)
        return urls

    def _rules_for(self, token: str) -> list[RobotsRule]:
        named = [group for group in self.groups if token in group.agents]
        chosen = named or [group for group in self.groups if "*" in group.agents]
        return [rule for group in chosen for rule in group.rules]


def product_token(user_agent: str) -> str:
    """Return the product token of a User-Agent: `Bot/1.0 (+url)` gives `bot`."""
    first = user_agent.strip().split(" ", 1)[0]
    return first.split("/", 1)[0].lower()


def _outranks(rule: RobotsRule, best: RobotsRule) -> bool:
    if len(rule.pattern) != len(best.pattern):
        return len(rule.pattern) > len(best.pattern)
    return rule.allow and not best.allow


def _to_text(content: str | bytes) -> str:
    if isinstance(content, bytes):
        content = content[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
    return content.removeprefix("\ufeff")


def _key_values(text: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for raw_line in text.splitlines():
        line = raw_line.split("#", 1)[0].strip()
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if sep and key in _KNOWN_KEYS:
            pairs.append((key, value.strip()))
    return pairs


def _normalize(path: str) -> str:
    """Percent-encode non-ASCII and unsafe characters, and upper-case escapes."""
    encoded = quote(path, safe=_PATTERN_SAFE)
    return re.sub(r"%[0-9a-f]{2}", lambda match: match.group(0).upper(), encoded)
