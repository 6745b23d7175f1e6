"""Group canonical domains by the site that owns them, for per-host politeness."""

from __future__ import annotations

# Second-level labels under which country registries sell names, as in
# `shop.co.uk`: the owner is then the third label from the right.
# NOTE: a heuristic, not the Public Suffix List. Private suffixes such as
# `github.io` group all their sites as one host, which only makes a batch more
# polite to that provider than it needs to be.
_COUNTRY_SECOND_LEVELS = frozenset(
    {"ac", "co", "com", "edu", "gov", "net", "ne", "or", "org", "go", "gob", "nic"}
)


def registrable_domain(domain: str) -> str:
    """Return the registered name a canonical domain belongs to.

    `blog.example.com` and `example.com` give `example.com`; `shop.co.uk`
    gives `shop.co.uk`.
    """
    labels = domain.rstrip(".").split(".")
    if len(labels) <= 2:
        return domain
    country = labels[-1]
    second = labels[-2]
    if len(country) == 2 and second in _COUNTRY_SECOND_LEVELS:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])
