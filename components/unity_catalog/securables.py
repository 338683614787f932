"""What every Unity Catalog securable of the platform shares: authoritative grants with the admin
group on ALL_PRIVILEGES, workspace bindings, and the guard on stateful objects."""

from __future__ import annotations

from collections.abc import Mapping

from cdktf import (
    ITerraformDependable,
    TerraformResourceLifecycle,
    Token,
)
from cdktf_cdktf_provider_databricks.grants import Grants, GrantsGrant
from cdktf_cdktf_provider_databricks.workspace_binding import WorkspaceBinding
from constructs import Construct

from vocabulary.databricks import (
    BINDING_READ_ONLY,
    BINDING_READ_WRITE,
    privilege_problems,
)

GUARDED = TerraformResourceLifecycle(prevent_destroy=True)


def securable_grants(
    scope: Construct,
    id_: str,
    securable: str,
    by_principal: Mapping[str, tuple[str, ...]],
    *,
    admin: str,
    depends_on: list[ITerraformDependable],
    on: str,
) -> Grants:
    """Authoritative grants on one securable (`on`: its name or id, as the provider takes it);
    the admin group always holds ALL_PRIVILEGES."""
    for principal, privileges in by_principal.items():
        problems = privilege_problems(securable, privileges)
        if problems:
            raise ValueError(f"{securable} grants for {principal!r}: {'; '.join(problems)}")
    merged = {admin: ("ALL_PRIVILEGES",), **{p: tuple(v) for p, v in by_principal.items()}}
    merged[admin] = ("ALL_PRIVILEGES",)
    return Grants(
        scope,
        id_,
        grant=[
            GrantsGrant(principal=principal, privileges=sorted(set(privileges)))
            for principal, privileges in sorted(merged.items())
        ],
        depends_on=depends_on,
        catalog=on if securable == "catalog" else None,
        schema=on if securable == "schema" else None,
        external_location=on if securable == "external_location" else None,
        storage_credential=on if securable == "storage_credential" else None,
    )


def bind_to_workspace(
    scope: Construct,
    id_: str,
    *,
    securable_type: str,
    securable_name: str,
    workspace_id: str,
    read_only: bool = False,
) -> WorkspaceBinding:
    return WorkspaceBinding(
        scope,
        id_,
        securable_type=securable_type,
        securable_name=securable_name,
        workspace_id=Token.as_number(workspace_id)
        if Token.is_unresolved(workspace_id)
        else int(workspace_id),
        binding_type=BINDING_READ_ONLY if read_only else BINDING_READ_WRITE,
    )
