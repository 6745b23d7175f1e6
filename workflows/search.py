"""Search attributes that let a user filter scans in the Temporal UI."""

from __future__ import annotations

import uuid

from temporalio.common import (
    SearchAttributeKey,
    SearchAttributePair,
    TypedSearchAttributes,
)

TENANT = SearchAttributeKey.for_keyword("ScanTenant")
DOMAIN = SearchAttributeKey.for_keyword("ScanDomain")
BATCH = SearchAttributeKey.for_keyword("ScanBatch")


def scan_attributes(
    tenant: str, domain: str, batch_id: uuid.UUID | None = None
) -> TypedSearchAttributes:
    """Return the attributes of one scan; the keyword values are capped in size."""
    pairs = [
        SearchAttributePair(TENANT, tenant[:200]),
        SearchAttributePair(DOMAIN, domain[:200]),
    ]
    if batch_id is not None:
        pairs.append(SearchAttributePair(BATCH, str(batch_id)))
    return TypedSearchAttributes(pairs)
