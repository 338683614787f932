"""`governance`: Purview's private endpoints need IT's zones."""

from __future__ import annotations

from platform_config.checks.issues import Issue
from platform_config.checks.registry import environment_check
from platform_config.model import (
    PlatformConfig,
)
from vocabulary import azure


@environment_check
def governance_issues(config: PlatformConfig) -> list[Issue]:
    """In IT mode, governance needs IT's zones for Purview's endpoints."""
    zones = config.network.private_dns_zone_ids
    if not config.governance.enabled or config.network.sandbox or zones is None:
        return []
    return [
        Issue(
            f"network.private_dns_zone_ids.{purpose}",
            None,
            "required with governance: "
            f"the id of IT's {zone} zone (Purview's private endpoints register in it)",
        )
        for purpose, zone in azure.GOVERNANCE_DNS_ZONES.items()
        if getattr(zones, purpose) is None
    ]
