"""`unity_catalog`: the metastore, the principals, the catalog and its grants."""

from __future__ import annotations

from pydantic import Field

from platform_config.model.base import (
    Email,
    Guid,
    PrincipalName,
    UcName,
    WorkspaceId,
    _Model,
)
from vocabulary.databricks import MetastoreMode, WorkspacePermission


class Metastore(_Model):
    mode: MetastoreMode = Field(
        default="region",
        description="region: use the region's metastore (Azure's, or the account scope's; "
        "looked up by region). id: use the metastore with this id. (create: refused: a "
        "metastore is an account object, declared in config/accounts/.) Default: region.",
    )
    id: Guid | None = Field(
        default=None,
        description="The metastore's id (a GUID); not allowed with another mode.",
        json_schema_extra={"required": "with mode `id`"},
    )


PrincipalPrivileges = dict[PrincipalName, tuple[str, ...]]


class UcGrants(_Model):
    catalog: PrincipalPrivileges = Field(
        default_factory=dict,
        description="Principal name -> privileges on the catalog (USE_CATALOG, BROWSE, "
        "CREATE_SCHEMA, ...; the list per securable is in "
        "vocabulary/databricks.py).",
    )
    schemas: dict[str, PrincipalPrivileges] = Field(
        default_factory=dict,
        description="Layer (bronze, silver, gold) -> principal -> privileges on its schema.",
    )
    external_locations: dict[str, PrincipalPrivileges] = Field(
        default_factory=dict,
        description="Container (landing, bronze, silver, gold, unity-catalog) -> principal -> "
        "privileges on its external location.",
    )


class UcGroup(_Model):
    name: PrincipalName = Field(
        description="Display name of the account-level group: 1-255 printable characters."
    )
    entra_object_id: Guid | None = Field(
        default=None,
        description="The Entra ID group's object id: the group exists in Entra (and may already "
        "be provisioned by SCIM); it is adopted, not duplicated. Default: a Databricks group is "
        "created.",
    )
    workspace_permission: WorkspacePermission | None = Field(
        default="USER",
        description="Assignment to the environment's workspace: USER or ADMIN; null: none. "
        "Default: USER.",
    )


class AccountGroupAssignment(_Model):
    name: PrincipalName = Field(description="The group's name in the account scope's file.")
    workspace_permission: WorkspacePermission | None = Field(
        default="USER",
        description="Assignment to this environment's workspace: USER or ADMIN; null: none. "
        "Default: USER.",
    )


class UcServicePrincipal(_Model):
    name: PrincipalName = Field(description="Display name.")
    application_id: Guid = Field(description="The Entra application (client) id.")
    workspace_permission: WorkspacePermission | None = Field(
        default="USER", description="USER or ADMIN in the workspace; null: none. Default: USER."
    )
    platform_admin: bool = Field(
        default=False,
        description="Member of the admin group that owns every Unity Catalog object (the "
        "deploying principal must be one). Default: off.",
    )


class UcUser(_Model):
    user_name: Email = Field(
        description="The person's user name in the Databricks account: their Entra user "
        "principal name (an e-mail address). Looked up, never created or deleted: the person "
        "is in the account already (SCIM provisioning, or added in the account console)."
    )
    workspace_permission: WorkspacePermission | None = Field(
        default="USER", description="USER or ADMIN in the workspace; null: none. Default: USER."
    )
    platform_admin: bool = Field(
        default=False,
        description="Member of the admin group that owns every Unity Catalog object (the "
        "deploying principal must be one). Default: off.",
    )


class LayerSchemas(_Model):
    bronze: UcName = Field(default="bronze", description="Schema of the bronze tables.")
    silver: UcName = Field(default="silver", description="Schema of the silver tables.")
    gold: UcName = Field(default="gold", description="Schema of dbt's marts.")


class UnityCatalog(_Model):
    metastore: Metastore = Field(default_factory=Metastore)
    catalog: UcName | None = Field(
        default=None,
        description="The environment's catalog: 1-255 lowercase letters, digits and underscores. "
        "Its managed location is abfss://unity-"
        "catalog@<lake>.dfs.core.windows.net/<catalog>. Default: "
        "<prefix>_<environment>.",
    )
    schemas: LayerSchemas = Field(default_factory=LayerSchemas)
    file_events: bool = Field(
        default=True,
        description="File events on the external locations (the access connector holds the "
        "queue and event-subscription roles they need). Default: on.",
    )
    admin_group: PrincipalName | None = Field(
        default=None,
        description="Account group created to own every Unity Catalog object; it holds "
        "ALL_PRIVILEGES in every grant and is the workspace's ADMIN. Default: "
        "<prefix>-<environment>-platform-admins.",
    )
    groups: tuple[UcGroup, ...] = Field(
        default=(),
        description="Account-level groups this environment owns (created or adopted in its "
        "unity-catalog stack). A group that several environments use belongs to the account "
        "scope instead (config/accounts/, account_groups).",
    )
    account_groups: tuple[AccountGroupAssignment, ...] = Field(
        default=(),
        description="Groups the account scope owns (config/accounts/<account>.yaml), assigned "
        "to this environment's workspace and usable in its grants; referred to by name. "
        "Default: none.",
    )
    service_principals: tuple[UcServicePrincipal, ...] = Field(
        default=(), description="Service principals (Entra applications)."
    )
    users: tuple[UcUser, ...] = Field(
        default=(),
        description="People (Entra users), by user name: assigned to the workspace and, as "
        "platform admins, members of the admin group. Default: none.",
    )
    deployer: str | None = Field(
        default=None,
        description="Who deploys this environment: the name of one of service_principals (CI's "
        "identity) or the user_name of one of users (a person, `az login`). It must be a "
        "platform admin: the admin group owns what the unity-catalog stack creates, and an "
        "owner outside it could not create the objects' children or grants. Required.",
        json_schema_extra={"required": "always"},
    )
    grants: UcGrants = Field(default_factory=UcGrants)
    read_only_workspaces: tuple[WorkspaceId, ...] = Field(
        default=(),
        description="Ids of other environments' workspaces (the digits of adb-<id>.<n>."
        "azuredatabricks.net) that may read this environment's catalog, read-only. The catalog, "
        "its external locations and storage credential are bound to this environment's "
        "workspace; nothing else reaches them. Default: none.",
    )
