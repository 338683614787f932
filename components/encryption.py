"""Customer-managed keys: RSA keys in a Key Vault with a rotation policy, and the least role that
lets a service's identity wrap and unwrap with one of them.

Requirements, each checked by a deployment rule (policy/rules/encryption.py):

- The vault has soft delete and purge protection ("Customer-managed keys for Azure Storage
  encryption", https://learn.microsoft.com/azure/storage/common/customer-managed-keys-overview;
  azurerm's storage_account_customer_managed_key refuses a vault without both at create time).
- RSA or RSA-HSM, 2048, 3072 or 4096 bits, with wrapKey and unwrapKey: what Azure Storage,
  managed disks, Azure Databricks and Data Factory all accept.
- A service reads the key through an identity holding Key Vault Crypto Service Encryption User
  on the key (the RBAC counterpart of get, wrapKey and unwrapKey; "Azure built-in roles for
  Security", https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/security).
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import ITerraformDependable, TerraformResourceLifecycle
from cdktf_cdktf_provider_azurerm.key_vault_key import (
    KeyVaultKey,
    KeyVaultKeyRotationPolicy,
    KeyVaultKeyRotationPolicyAutomatic,
)
from cdktf_cdktf_provider_azurerm.role_assignment import RoleAssignment
from constructs import Construct

from policy import accept_finding
from vocabulary.azure import (
    CMK_KEY_OPERATIONS,
    CMK_KEY_SIZES,
    CMK_ROTATION_DAYS,
    check_allowed,
    check_range,
)

KEY_USER_ROLE = "Key Vault Crypto Service Encryption User"
"""Read a key and wrap and unwrap with it: what a service's identity needs for its CMK."""


@dataclass(frozen=True, kw_only=True)
class KeySpec:
    id: str
    """Construct id (part of the key's Terraform address): keep it stable."""
    name: str
    """The key's name in the vault."""
    key_size: int | None = None
    """This key's size where its service takes one size only (Data Factory: 2048). Default:
    the props' key_size."""


def notify_before_expiry_days(expire_after_days: int) -> int:
    """Key Vault's near-expiry notice: 30 days before, and at least 7 days after the version is
    made, which Key Vault requires of a notification trigger ("Configure cryptographic key
    auto-rotation in Azure Key Vault", key rotation policy: notification at least 7 days before
    expiry, within the version's lifetime): with the shortest expiry the config allows
    (rotation + 28, at least 35 days), 28 days before."""
    return min(30, expire_after_days - 7)


@dataclass(frozen=True, kw_only=True)
class EncryptionKeysProps:
    key_vault_id: str
    hsm: bool
    """RSA-HSM keys (a premium vault) instead of software-protected RSA keys."""
    key_size: int = 3072
    """2048, 3072 or 4096. Default: 3072."""
    rotate_after_days: int = 365
    """A new version this many days after the last one, 7-3650. Default: 365."""
    expire_after_days: int | None = None
    """Each version expires this many days after it was made (at least rotate_after_days + 28).
    Default: none."""
    keys: tuple[KeySpec, ...]
    tags: dict[str, str]
    depends_on: tuple[ITerraformDependable, ...] = ()
    """What must exist before the runner reaches the vault's data plane: its private endpoint
    (creating a key is a data-plane call)."""


class EncryptionKeys(Construct):
    """One key per consuming service, so that each can be rotated or revoked on its own."""

    def __init__(self, scope: Construct, id_: str, *, props: EncryptionKeysProps):
        super().__init__(scope, id_)
        check_allowed("key_size", props.key_size, CMK_KEY_SIZES)
        for spec in props.keys:
            if spec.key_size is not None:
                check_allowed(f"{spec.id}.key_size", spec.key_size, CMK_KEY_SIZES)
        check_range("rotate_after_days", props.rotate_after_days, CMK_ROTATION_DAYS, "days")
        expiry = props.expire_after_days
        if expiry is not None and expiry < props.rotate_after_days + 28:
            raise ValueError(
                f"expire_after_days must be at least rotate_after_days + 28 "
                f"({props.rotate_after_days + 28}); got {expiry}"
            )
        if not props.keys or len({k.name for k in props.keys}) != len(props.keys):
            raise ValueError("keys must be non-empty with unique names")
        self.keys: dict[str, KeyVaultKey] = {}
        for spec in props.keys:
            self.keys[spec.id] = KeyVaultKey(
                self,
                spec.id,
                name=spec.name,
                key_vault_id=props.key_vault_id,
                key_type="RSA-HSM" if props.hsm else "RSA",
                key_size=spec.key_size or props.key_size,
                key_opts=list(CMK_KEY_OPERATIONS),
                rotation_policy=KeyVaultKeyRotationPolicy(
                    automatic=KeyVaultKeyRotationPolicyAutomatic(
                        time_after_creation=f"P{props.rotate_after_days}D"
                    ),
                    expire_after=f"P{expiry}D" if expiry is not None else None,
                    notify_before_expiry=f"P{notify_before_expiry_days(expiry)}D"
                    if expiry is not None
                    else None,
                ),
                tags=props.tags,
                depends_on=list(props.depends_on),
                # Deleting a key makes everything it encrypts unreadable; key type and size force
                # a new key, so changing them is refused at plan time too.
                lifecycle=TerraformResourceLifecycle(prevent_destroy=True),
            )
            accept_finding(
                self.keys[spec.id],
                "CKV_AZURE_40",
                f"Each version expires {expiry} days after it is made, by the rotation policy "
                "(expire_after), which the check does not read; expiration_date would set one "
                "date for the first version only."
                if expiry is not None
                else f"The rotation policy makes a new version every {props.rotate_after_days} "
                "days and versions do not expire: a service pinned to an expired version (the "
                "workspace's managed services key until the next deploy) could no longer wrap "
                "keys (encryption.customer_managed_keys.expire_after_days).",
            )


def grant_key_use(
    scope: Construct, id_: str, *, key: KeyVaultKey | str, principal_id: str
) -> RoleAssignment:
    """Key Vault Crypto Service Encryption User on one key (its Resource Manager id, or the key).

    principal_type is set: Azure then accepts the assignment of a managed identity created in
    the same apply instead of failing while the identity replicates ("Assign Azure roles using
    Azure Resource Manager templates", new service principal:
    https://learn.microsoft.com/azure/role-based-access-control/role-assignments-template).
    Every identity granted here is a service principal."""
    return RoleAssignment(
        scope,
        id_,
        scope=key.resource_versionless_id if isinstance(key, KeyVaultKey) else key,
        role_definition_name=KEY_USER_ROLE,
        principal_id=principal_id,
        principal_type="ServicePrincipal",
    )
