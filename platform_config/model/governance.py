"""`governance`: Purview."""

from __future__ import annotations

from pydantic import Field

from platform_config.model.base import (
    _Model,
)


class Governance(_Model):
    enabled: bool = Field(
        default=False,
        description="The <env>-governance stack: a Purview account with public access off, its "
        "private endpoints, read access to the lake and, in Unity Catalog, a service principal "
        "with read grants. Default: off.",
    )
    ingestion_private_endpoints: bool = Field(
        default=True,
        description="Private endpoints to Purview's managed ingestion storage (blob, queue) and "
        "Event Hub namespace besides the account and portal ones. Default: on.",
    )
