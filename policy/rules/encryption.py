"""Deployment rules for customer-managed keys (encryption.customer_managed_keys).

Registered with the other deployment rules (importing policy.rules imports this module); each
requirement names the page it comes from or the provider source that enforces it at apply.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from policy.rules.registry import Finding, rule
from tooling.synthesized import REFERENCE, SynthesizedEnvironment
from vocabulary.azure import (
    AZURE_DATABRICKS_LOCAL,
    CMK_KEY_OPERATIONS,
    CMK_KEY_SIZES,
    CMK_KEY_TYPES,
    is_guid,
)
from vocabulary.value_checks import days as _days

KEY_USER_ROLE = "Key Vault Crypto Service Encryption User"
_KEY = "azurerm_key_vault_key"


def _key_name(env: SynthesizedEnvironment, stack: str, value: object) -> str | None:
    """The Terraform name of the azurerm_key_vault_key a value refers to (any attribute, read
    across stacks), or None."""
    if not isinstance(value, str):
        return None
    match = REFERENCE.fullmatch(env.origin(stack, value)[1])
    return match["name"] if match and match["type"] == _KEY and not match["data"] else None


AZURE_DATABRICKS = f"${{local.{AZURE_DATABRICKS_LOCAL}}}"
"""The principal the managed services key's holder must be: the configured application."""


def _holders(env: SynthesizedEnvironment) -> Iterator[tuple[str, str, str]]:
    """(key name, stack, principal expression) of each role assignment of the key user role on
    a key, principals resolved to where (and in which stack) they are produced; the configured
    AzureDatabricks application only where its stack's local holds an object id."""
    for stack, _, body in env.resources("azurerm_role_assignment"):
        if body.get("role_definition_name") != KEY_USER_ROLE:
            continue
        key = _key_name(env, stack, body.get("scope"))
        if key is not None:
            origin, principal = env.origin(stack, str(body.get("principal_id")))
            configured = env.stacks[origin].get("locals", {}).get(AZURE_DATABRICKS_LOCAL)
            if principal == AZURE_DATABRICKS and not is_guid(str(configured)):
                continue
            yield key, origin, principal


@rule(
    "cmk-cannot-be-deleted",
    "A key that encrypts a service has a rotation policy and prevent_destroy, and its vault has "
    "purge protection (soft delete is always on): deleting the key makes what it encrypts "
    "unreadable, and Azure Storage (like azurerm at create time) refuses a vault without it.",
    "Customer-managed keys for Azure Storage encryption (key vault requirements)",
    "https://learn.microsoft.com/azure/storage/common/customer-managed-keys-overview",
)
def _cmk_cannot_be_deleted(env: SynthesizedEnvironment) -> Iterator[Finding]:
    for stack, address, key in env.resources(_KEY):
        if not (key.get("lifecycle") or {}).get("prevent_destroy"):
            yield Finding(stack, address, "no lifecycle.prevent_destroy")
        if not key.get("rotation_policy"):
            yield Finding(stack, address, "no rotation_policy: never rotated")
        vault = env.lookup(stack, str(key.get("key_vault_id")))
        if vault is None:
            continue
        if vault.get("purge_protection_enabled") is not True:
            yield Finding(
                stack,
                address,
                "its vault has no purge protection: a deleted key could be purged, and Azure "
                "Storage refuses the key",
            )


@rule(
    "cmk-key-accepted",
    "Each customer-managed key is RSA or RSA-HSM (HSM only in a premium vault), 2048, 3072 or "
    "4096 bits (Data Factory's 2048), and allows wrapKey and unwrapKey: what Azure Storage, "
    "managed disks, Azure Databricks and Data Factory accept; its near-expiry notice falls "
    "between 7 days after a version is made and 7 days before it expires (Key Vault's "
    "rotation policy).",
    "Azure Databricks: Customer-managed keys for encryption; Azure Storage: customer-managed "
    "keys (supported key types and sizes)",
    "https://learn.microsoft.com/azure/databricks/security/keys/customer-managed-keys",
)
def _cmk_key_accepted(env: SynthesizedEnvironment) -> Iterator[Finding]:
    for stack, address, key in env.resources(_KEY):
        problems = []
        if key.get("key_type") not in CMK_KEY_TYPES:
            problems.append(f"key_type {key.get('key_type')!r} is not one of {CMK_KEY_TYPES}")
        if key.get("key_size") not in CMK_KEY_SIZES:
            problems.append(f"key_size {key.get('key_size')!r} is not one of {CMK_KEY_SIZES}")
        missing = sorted(set(CMK_KEY_OPERATIONS) - set(key.get("key_opts") or ()))
        if missing:
            problems.append(f"key_opts lacks {', '.join(missing)}")
        vault = env.lookup(stack, str(key.get("key_vault_id")))
        if key.get("key_type") == "RSA-HSM" and vault and vault.get("sku_name") != "premium":
            problems.append("RSA-HSM in a standard vault (HSM keys need premium)")
        policy = key.get("rotation_policy") or {}
        expire, notify = policy.get("expire_after"), policy.get("notify_before_expiry")
        if isinstance(expire, str) and isinstance(notify, str):
            expire_days, notify_days = _days(expire), _days(notify)
            if (
                expire_days is not None
                and notify_days is not None
                and (notify_days > expire_days - 7 or notify_days < 7)
            ):
                problems.append(
                    f"notify_before_expiry {notify} with expire_after {expire}: Key Vault needs "
                    "the notice at least 7 days before expiry and 7 after the version is made"
                )
        for problem in problems:
            yield Finding(stack, address, problem)
    sizes = {a.split(".", 1)[1]: b.get("key_size") for _, a, b in env.resources(_KEY)}
    for stack, address, factory in env.resources("azurerm_data_factory"):
        factory_key = _key_name(env, stack, factory.get("customer_managed_key_id"))
        if factory_key is not None and sizes.get(factory_key) != 2048:
            yield Finding(
                stack,
                address,
                f"its key {factory_key} is {sizes.get(factory_key)} bits: Data Factory takes "
                "2048-bit RSA keys only",
            )


def _consumers(env: SynthesizedEnvironment) -> Iterator[tuple[str, str, str, object, str]]:
    """(stack, address, what, key reference, principal expression that must hold the key)."""
    for stack, address, cmk in env.resources("azurerm_storage_account_customer_managed_key"):
        identity = cmk.get("user_assigned_identity_id")
        principal = (
            _identity_principal(env, stack, identity)
            if identity
            else _attribute(env, stack, cmk.get("storage_account_id"), "identity[0].principal_id")
        )
        yield stack, address, "the storage account", cmk.get("key_name"), principal
    for stack, address, workspace in env.resources("azurerm_databricks_workspace"):
        name = address.split(".", 1)[1]
        if workspace.get("managed_disk_cmk_key_vault_key_id"):
            yield (
                stack,
                address,
                "the disk encryption set",
                workspace["managed_disk_cmk_key_vault_key_id"],
                f"${{azurerm_databricks_workspace.{name}.managed_disk_identity[0].principal_id}}",
            )
        if workspace.get("managed_services_cmk_key_vault_key_id"):
            # The AzureDatabricks application: the configured object id, which the granting
            # stack holds in a local (databricks.azure_databricks_object_id).
            yield (
                stack,
                address,
                "AzureDatabricks",
                workspace["managed_services_cmk_key_vault_key_id"],
                AZURE_DATABRICKS,
            )
    for stack, address, dbfs in env.resources(
        "azurerm_databricks_workspace_root_dbfs_customer_managed_key"
    ):
        yield (
            stack,
            address,
            "the workspace storage account",
            dbfs.get("key_vault_key_id"),
            _attribute(
                env, stack, dbfs.get("workspace_id"), "storage_account_identity[0].principal_id"
            ),
        )
    for stack, address, factory in env.resources("azurerm_data_factory"):
        if factory.get("customer_managed_key_id"):
            identity = factory.get("customer_managed_key_identity_id")
            yield (
                stack,
                address,
                "the factory's key identity",
                factory["customer_managed_key_id"],
                _identity_principal(env, stack, identity) if identity else "(none)",
            )


_TOLERANT = re.compile(r'^\$\{try\((?P<inner>.+), ""\)\}$')
_WORKSPACE_READ = re.compile(
    r"^\$\{(?P<data>data\.)?azurerm_databricks_workspace\.(?P<name>[\w-]+)\.(?P<attribute>.+)\}$"
)


def _same_principal(env: SynthesizedEnvironment, expected: str, origin: str, found: str) -> bool:
    """Whether a holder's principal (found, produced in stack origin) is the expected one: the
    same expression; or one read tolerantly (`try(<x>, "")`); or the
    same identity of the same workspace read back by a data source (name and resource group),
    as a later stack reads the identities a workspace makes only once it has its keys."""
    if not expected or found == expected:
        return True
    tolerant = _TOLERANT.match(found)
    if tolerant:
        found = "${" + tolerant["inner"] + "}"
    if found == expected:
        return True
    want, got = _WORKSPACE_READ.match(expected), _WORKSPACE_READ.match(found)
    if not (want and got and not want["data"] and got["data"]):
        return False
    mine = next(
        (
            body
            for _, address, body in env.resources("azurerm_databricks_workspace")
            if address == f"azurerm_databricks_workspace.{want['name']}"
        ),
        {},
    )
    read = env.stacks[origin].get("data", {}).get("azurerm_databricks_workspace", {})
    theirs = read.get(got["name"], {})
    return want["attribute"] == got["attribute"] and all(
        mine.get(k) is not None and mine.get(k) == theirs.get(k)
        for k in ("name", "resource_group_name")
    )


def _attribute(
    env: SynthesizedEnvironment, stack: str, id_reference: object, attribute: str
) -> str:
    """`${type.name.<attribute>}` of the resource whose `.id` a value reads (across stacks)."""
    return env.origin(stack, str(id_reference))[1].removesuffix(".id}") + f".{attribute}}}"


def _identity_principal(env: SynthesizedEnvironment, stack: str, identity_id: object) -> str:
    """The principal_id expression of the user-assigned identity an id expression names."""
    return _attribute(env, stack, identity_id, "principal_id")


@rule(
    "cmk-consumers-hold-their-key",
    "Every service given a customer-managed key holds Key Vault Crypto Service Encryption User "
    "on that key, through the identity it uses: the lake's and the workspace storage account's "
    "own identities, the disk encryption set's (granted after the workspace makes it), the "
    "AzureDatabricks application by its configured object id (databricks."
    "azure_databricks_object_id, the local `azure_databricks_object_id`), Data Factory's "
    "user-assigned identity.",
    "Azure Databricks: Enable customer-managed keys for managed disks (grant the disk "
    "encryption set access to the key)",
    "https://learn.microsoft.com/azure/databricks/security/keys/cmk-managed-disks-azure",
)
def _cmk_consumers_hold_their_key(env: SynthesizedEnvironment) -> Iterator[Finding]:
    holders = list(_holders(env))
    for stack, address, what, key_reference, principal in _consumers(env):
        key = _key_name(env, stack, key_reference)
        if key is None:
            yield Finding(
                stack,
                address,
                f"the key of {what} is not a key this environment manages",
            )
            continue
        held = any(
            k == key and _same_principal(env, principal, origin, p) for k, origin, p in holders
        )
        if not held:
            yield Finding(
                stack,
                address,
                f"{what} ({principal or 'any principal'}) holds no {KEY_USER_ROLE} on key {key}",
            )


@rule(
    "cmk-settings-azure-accepts",
    "A vault holding customer-managed keys lets trusted Microsoft services through its "
    "firewall; a storage account whose key azurerm_storage_account_customer_managed_key sets has a "
    "system-assigned identity (or the key resource names a user-assigned one) and ignores its own "
    "customer_managed_key block; a workspace with customer-managed keys is premium, and one "
    "given a DBFS root key has customer_managed_key_enabled; a factory's key identity is one of "
    "its identities.",
    "hashicorp/terraform-provider-azurerm at v4.55.0: databricks_workspace_resource.go "
    "(CustomizeDiff: premium only), databricks_workspace_root_dbfs_customer_managed_key_"
    "resource.go (refuses without customer_managed_key_enabled); storage_account_customer_"
    "managed_key docs (ignore_changes); Virtual network service endpoints for Azure Key Vault "
    "(trusted services)",
    "https://registry.terraform.io/providers/hashicorp/azurerm/4.55.0/docs/resources/storage_account_customer_managed_key",
)
def _cmk_settings_azure_accepts(env: SynthesizedEnvironment) -> Iterator[Finding]:
    def violation(stack: str, address: str, message: str) -> Finding:
        return Finding(stack, address, message)

    for stack, address, cmk in env.resources("azurerm_storage_account_customer_managed_key"):
        account = env.lookup(stack, str(cmk.get("storage_account_id")))
        if account is None:
            continue
        ignored = (account.get("lifecycle") or {}).get("ignore_changes") or []
        if "customer_managed_key" not in ignored:
            yield violation(
                stack,
                address,
                "its storage account does not ignore customer_managed_key: every apply would "
                "take the key off again",
            )
        if not cmk.get("user_assigned_identity_id") and "SystemAssigned" not in str(
            (account.get("identity") or {}).get("type")
        ):
            yield violation(stack, address, "its storage account has no system-assigned identity")
    for stack, address, key in env.resources(_KEY):
        vault = env.lookup(stack, str(key.get("key_vault_id")))
        if vault is not None and (vault.get("network_acls") or {}).get("bypass") != "AzureServices":
            yield violation(
                stack,
                address,
                "its vault's firewall does not let trusted Microsoft services through "
                "(network_acls.bypass = AzureServices): the services would not reach the key",
            )
    for stack, address, workspace in env.resources("azurerm_databricks_workspace"):
        keyed = any(
            workspace.get(arg)
            for arg in (
                "customer_managed_key_enabled",
                "managed_services_cmk_key_vault_key_id",
                "managed_disk_cmk_key_vault_key_id",
            )
        )
        if keyed and workspace.get("sku") != "premium":
            yield violation(stack, address, "customer-managed keys need the premium sku")
    for stack, address, dbfs in env.resources(
        "azurerm_databricks_workspace_root_dbfs_customer_managed_key"
    ):
        prepared = env.lookup(stack, str(dbfs.get("workspace_id")))
        if prepared is not None and prepared.get("customer_managed_key_enabled") is not True:
            yield violation(
                stack, address, "its workspace has no customer_managed_key_enabled = true"
            )
    for stack, address, factory in env.resources("azurerm_data_factory"):
        identity = factory.get("customer_managed_key_identity_id")
        if factory.get("customer_managed_key_id") and (
            not identity
            or identity not in ((factory.get("identity") or {}).get("identity_ids") or [])
        ):
            yield violation(
                stack,
                address,
                "customer_managed_key_identity_id is not one of the factory's identity_ids",
            )


KEY_ID_FORMS: tuple[tuple[str, str, str, str], ...] = (
    # (resource type, argument, the key attribute it must read, why)
    (
        "azurerm_databricks_workspace",
        "managed_services_cmk_key_vault_key_id",
        "id",
        "the workspace takes a versioned key id (it moves to a new version on the next deploy)",
    ),
    (
        "azurerm_databricks_workspace",
        "managed_disk_cmk_key_vault_key_id",
        "id",
        "the workspace takes a versioned key id (managed_disk_cmk_rotation_to_latest_version_"
        "enabled follows new versions)",
    ),
    (
        "azurerm_databricks_workspace_root_dbfs_customer_managed_key",
        "key_vault_key_id",
        "id",
        "the DBFS root takes a versioned key id",
    ),
    (
        "azurerm_data_factory",
        "customer_managed_key_id",
        "versionless_id",
        "a factory given a versionless id follows the key's new versions by itself",
    ),
)


@rule(
    "cmk-key-id-form",
    "Each consumer of a customer-managed key reads the key id in the form it takes: versioned "
    "(the key's id) for the workspace's managed services and disks and the DBFS root, "
    "versionless for Data Factory; Azure Storage is given the key's name without a version "
    "(azurerm_storage_account_customer_managed_key without key_version), so it follows "
    "rotations.",
    "hashicorp/terraform-provider-azurerm at v4.55.0: the databricks_workspace, "
    "databricks_workspace_root_dbfs_customer_managed_key, data_factory and "
    "storage_account_customer_managed_key pages; Encrypt Azure Data Factory with "
    "customer-managed keys (versionless key URIs follow rotations)",
    "https://learn.microsoft.com/azure/data-factory/enable-customer-managed-key",
)
def _cmk_key_id_form(env: SynthesizedEnvironment) -> Iterator[Finding]:
    for type_name, argument, attribute, why in KEY_ID_FORMS:
        for stack, address, body in env.resources(type_name):
            value = body.get(argument)
            if not value:
                continue
            produced = env.origin(stack, str(value))[1]
            match = REFERENCE.fullmatch(produced)
            if not (match and match["type"] == _KEY and match["attribute"] == f".{attribute}"):
                yield Finding(
                    stack, address, f"{argument} reads {produced}, not the key's {attribute}: {why}"
                )
    for stack, address, cmk in env.resources("azurerm_storage_account_customer_managed_key"):
        if cmk.get("key_version"):
            yield Finding(
                stack,
                address,
                "key_version is set: the lake would stay on one version and stop following "
                "the key's rotations",
            )
