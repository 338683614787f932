"""`secrets` and `encryption`: who writes the secrets, and the customer-managed keys."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from platform_config.model.base import (
    Guid,
    _Model,
)


class Secrets(_Model):
    writers: tuple[Guid, ...] = Field(
        default=(),
        description="Entra object ids (best: one group) that write the platform's secrets: Key "
        "Vault Secrets Officer on both vaults (access policies with set and delete on"
        " the Databricks vault when a Key-Vault-backed scope needs that model).",
        json_schema_extra={
            "required": "with `ingestion.source` or `workloads.secret_scope.enabled`"
        },
    )


class CustomerManagedKeys(_Model):
    """Keys in the platform's Key Vault that encrypt the lake, the workspace and, optionally,
    Data Factory (docs/security.md)."""

    enabled: bool = Field(
        default=False,
        description="Customer-managed keys for the lake, the workspace's managed services, "
        "managed disks and workspace storage (DBFS root). Creating the keys is a Key Vault data-"
        "plane call: the deploy runs inside the network, and the deploying identity holds Key "
        "Vault Crypto Officer (docs/deployment.md, Rights). Default: off.",
    )
    key_size: Literal[2048, 3072, 4096] = Field(
        default=3072,
        description="RSA key size, 2048, 3072 or 4096 (what Azure Storage, managed disks, "
        "Databricks and Data Factory all accept). HSM-backed (RSA-HSM) when skus.key_vault is "
        "premium. Default: 3072.",
    )
    rotate_after_days: int = Field(
        default=365,
        ge=7,
        le=3650,
        description="Key Vault creates a new key version this many days after the last one "
        "(rotation policy). The lake, the disks and Data Factory follow the newest version by "
        "themselves; the workspace's managed services key moves on the next deploy. Default: 365.",
    )
    expire_after_days: int | None = Field(
        default=None,
        ge=28,
        # azurerm refuses an expire_after above P100Y (key_vault_key_resource.go:154 at v4.55.0).
        le=36500,
        description="Each key version expires this many days after its creation; at least "
        "rotate_after_days + 28, so a new version exists in time. Default: none (versions do not "
        "expire: a service pinned to an expired version could no longer wrap keys).",
    )
    data_factory: bool = Field(
        default=False,
        description="Data Factory too, through a user-assigned identity. Azure accepts it only "
        "on an empty factory, so turn it on when the environment is first deployed (docs/"
        "security.md). Needs ingestion.source. Default: off.",
    )


class Encryption(_Model):
    customer_managed_keys: CustomerManagedKeys = Field(default_factory=CustomerManagedKeys)
