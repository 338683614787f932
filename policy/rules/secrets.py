"""Secrets: the Key-Vault-backed scope's vault is readable by Databricks, and each vault whose
secrets are read has writers."""

from __future__ import annotations

from collections.abc import Iterator

from policy.rules.registry import Finding, Json, rule
from tooling.synthesized import REFERENCE, SynthesizedEnvironment


def _access_policies(env: SynthesizedEnvironment, stack: str, vault: str) -> list[Json]:
    return [
        policy
        for _, _, policy in env.resources("azurerm_key_vault_access_policy", env.kind(stack))
        if policy.get("key_vault_id") == f"${{{vault}.id}}"
    ]


@rule(
    "secret-scope-vault-readable",
    "A Key-Vault-backed secret scope's vault uses the access-policy model and grants an "
    "identity get and list on secrets (Databricks reads it as the AzureDatabricks "
    "application; these scopes do not support Azure RBAC vaults).",
    "Azure Databricks: Workspace secret scopes (Azure Key Vault-backed scopes)",
    "https://learn.microsoft.com/azure/databricks/security/secrets/workspace-secret-scopes",
)
def _secret_scope_vault_readable(env: SynthesizedEnvironment) -> Iterator[Finding]:
    for stack, address, scope in env.resources("databricks_secret_scope"):
        metadata = scope.get("keyvault_metadata") or {}
        if not metadata:
            continue
        origin, expression = env.origin(stack, str(metadata.get("resource_id", "")))
        match = REFERENCE.fullmatch(expression)
        vault = env.lookup(stack, str(metadata.get("resource_id", "")))
        if not match or vault is None:
            yield Finding(
                stack,
                address,
                "its vault is not one of the platform's: nothing here shows Databricks can read it",
            )
            continue
        target = f"azurerm_key_vault.{match['name']}"
        readers = [
            p
            for p in _access_policies(env, origin, target)
            if {"Get", "List"} <= set(p.get("secret_permissions") or [])
        ]
        if vault.get("rbac_authorization_enabled") is not False or not readers:
            yield Finding(
                origin,
                target,
                f"backs {address} but "
                + (
                    "uses Azure RBAC"
                    if vault.get("rbac_authorization_enabled") is not False
                    else "no access policy grants get and list on secrets"
                ),
            )


def _secrets_are_read(env: SynthesizedEnvironment, stack: str, address: str, vault: Json) -> bool:
    """Whether anything reads the vault's secrets: a role, an access policy or a secret scope."""
    reference = f"${{{address}.id}}"
    if vault.get("rbac_authorization_enabled") is False and _access_policies(env, stack, address):
        return True
    for other, _, assignment in env.resources("azurerm_role_assignment"):
        target = env.origin(other, str(assignment.get("scope")))
        if target == (stack, reference) and "Secrets User" in str(
            assignment.get("role_definition_name")
        ):
            return True
    for other, _, secret_scope in env.resources("databricks_secret_scope"):
        metadata = secret_scope.get("keyvault_metadata") or {}
        if env.origin(other, str(metadata.get("resource_id"))) == (stack, reference):
            return True
    return False


@rule(
    "vault-secrets-have-writers",
    "Every Key Vault whose secrets something reads (a role, an access policy, a secret scope) "
    "gives someone the right to write them (Key Vault Secrets Officer, or an access policy "
    "with set): the deployer's Contributor role reaches no data plane.",
    "Azure Key Vault: Provide access with Azure role-based access control",
    "https://learn.microsoft.com/azure/key-vault/general/rbac-guide",
)
def _vault_secrets_have_writers(env: SynthesizedEnvironment) -> Iterator[Finding]:
    for stack, address, vault in env.resources("azurerm_key_vault"):
        if not _secrets_are_read(env, stack, address, vault):
            continue  # nothing reads its secrets (yet): nobody needs to write them
        if vault.get("rbac_authorization_enabled") is False:
            writers = [
                p
                for p in _access_policies(env, stack, address)
                if "Set" in (p.get("secret_permissions") or [])
            ]
        else:
            writers = [
                a
                for _, _, a in env.resources("azurerm_role_assignment", env.kind(stack))
                if a.get("scope") == f"${{{address}.id}}"
                and a.get("role_definition_name")
                in ("Key Vault Secrets Officer", "Key Vault Administrator")
            ]
        if not writers:
            yield Finding(
                stack,
                address,
                "nobody may write its secrets: set secrets.writers",
            )
