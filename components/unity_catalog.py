"""Unity Catalog as code: the account's principals, the metastore, the lake's storage and the
environment's catalog with its schemas and grants (Databricks provider).

Ownership and authoritative grants: every object is owned by the environment's admin group, and
every `databricks_grants` lists that group with ALL_PRIVILEGES. `databricks_grants` is
authoritative: a privilege granted by hand, or one the deploying principal holds without being
listed, is removed on the next apply. The deploying principal keeps its access because it is a
member of the owning admin group (`platform_admin: true` in the config), and owners hold every
privilege on what they own whatever the grants say.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from cdktf import (
    Fn,
    ITerraformDependable,
    TerraformIterator,
    TerraformProvider,
    TerraformResource,
    TerraformResourceLifecycle,
    Token,
)
from cdktf_cdktf_provider_databricks.catalog import Catalog
from cdktf_cdktf_provider_databricks.data_databricks_group import DataDatabricksGroup
from cdktf_cdktf_provider_databricks.data_databricks_metastore import DataDatabricksMetastore
from cdktf_cdktf_provider_databricks.external_location import (
    ExternalLocation,
    ExternalLocationFileEventQueue,
    ExternalLocationFileEventQueueManagedAqs,
)
from cdktf_cdktf_provider_databricks.grants import Grants, GrantsGrant
from cdktf_cdktf_provider_databricks.group import Group
from cdktf_cdktf_provider_databricks.group_member import GroupMember
from cdktf_cdktf_provider_databricks.metastore import Metastore
from cdktf_cdktf_provider_databricks.metastore_assignment import MetastoreAssignment
from cdktf_cdktf_provider_databricks.mws_permission_assignment import MwsPermissionAssignment
from cdktf_cdktf_provider_databricks.schema import Schema
from cdktf_cdktf_provider_databricks.service_principal import ServicePrincipal
from cdktf_cdktf_provider_databricks.storage_credential import (
    StorageCredential,
    StorageCredentialAzureManagedIdentity,
)
from cdktf_cdktf_provider_databricks.workspace_binding import WorkspaceBinding
from constructs import Construct

from vocabulary.databricks import (
    BINDING_READ_ONLY,
    BINDING_READ_WRITE,
    CATALOG_ISOLATED,
    ISOLATED,
    WORKSPACE_PERMISSIONS,
    principal_key,
    principal_name_problem,
    privilege_problems,
    uc_name_problem,
)

GUARDED = TerraformResourceLifecycle(prevent_destroy=True)
ADOPTED_GROUPS = "adopted-groups"
"""An environment's adopted Entra groups: the construct id (and address) since the move below."""


@dataclass(frozen=True, kw_only=True)
class GroupSpec:
    name: str
    entra_object_id: str | None = None
    """The Entra group's object id: adopt the existing group. Default: create a Databricks group."""
    workspace_permission: str | None = "USER"
    """USER, ADMIN, or None (not assigned to the workspace). Default: USER."""


@dataclass(frozen=True, kw_only=True)
class ServicePrincipalSpec:
    name: str
    application_id: str
    workspace_permission: str | None = "USER"
    """USER, ADMIN, or None. Default: USER."""
    platform_admin: bool = False
    """Member of the admin group. Default: off."""


def _principal_resources(
    scope: Construct,
    *,
    created: Mapping[str, str],
    adopted: Mapping[str, str],
    principals: Mapping[str, str],
    account: TerraformProvider,
    adopted_id: str = "entra-groups",
) -> list[tuple[str, Mapping[str, str], TerraformResource]]:
    """One `for_each` resource per kind of principal, keyed by name: (kind, members, resource).

    created: group name -> name; adopted: Entra group name -> object id (an Entra group may
    already be in the account through SCIM: it is adopted, and never deleted by Terraform);
    principals: service principal name -> application id. adopted_id: the adopted groups'
    construct id (and kind)."""
    kinds: list[tuple[str, Mapping[str, str], TerraformResource]] = []
    if created:
        each = TerraformIterator.from_map(dict(created))
        kinds.append(
            (
                "groups",
                created,
                Group(
                    scope,
                    "groups",
                    for_each=each,
                    display_name=Token.as_string(each.key),
                    provider=account,
                ),
            )
        )
    if adopted:
        each = TerraformIterator.from_map(dict(adopted))
        kinds.append(
            (
                adopted_id,
                adopted,
                Group(
                    scope,
                    adopted_id,
                    for_each=each,
                    display_name=Token.as_string(each.key),
                    external_id=Token.as_string(each.value),
                    force=True,
                    provider=account,
                    lifecycle=TerraformResourceLifecycle(prevent_destroy=True),
                ),
            )
        )
    if principals:
        each = TerraformIterator.from_map(dict(principals))
        kinds.append(
            (
                "service-principals",
                principals,
                ServicePrincipal(
                    scope,
                    "service-principals",
                    for_each=each,
                    display_name=Token.as_string(each.key),
                    application_id=Token.as_string(each.value),
                    provider=account,
                ),
            )
        )
    return kinds


@dataclass(frozen=True, kw_only=True)
class AccountPrincipalsProps:
    admin_group: str
    """Created; owns every Unity Catalog object. Assigned to the workspace as ADMIN."""
    groups: tuple[GroupSpec, ...] = ()
    service_principals: tuple[ServicePrincipalSpec, ...] = ()
    account_groups: Mapping[str, str | None] = field(default_factory=dict)
    """Groups the account scope owns (its own state): name -> workspace permission (USER,
    ADMIN, or None for no assignment). Looked up by name, assigned to the workspace, usable in
    grants; never created or deleted here. Default: none."""
    workspace_id: str
    """The workspace's numeric id (a token from the databricks stack)."""
    account_provider: TerraformProvider


class AccountPrincipals(Construct):
    """The AAD/SCIM step as code: account groups and service principals, the admin group's
    members, and each principal's assignment to the workspace.

    Each kind of principal is one resource with `for_each` over the principals keyed by name
    (`databricks_group.<id>["data-engineers"]`): adding one changes one map, and synthesis does
    not grow with the number of principals.
    """

    def __init__(self, scope: Construct, id_: str, *, props: AccountPrincipalsProps):
        super().__init__(scope, id_)
        names = [props.admin_group, *(g.name for g in props.groups)]
        names += [p.name for p in props.service_principals]
        for name in names:
            problem = principal_name_problem(name)
            if problem:
                raise ValueError(f"principal {name!r}: {problem}")
        twice = sorted(name for name, count in Counter(names).items() if count > 1)
        if twice:
            raise ValueError(f"principal names given twice: {', '.join(twice)}")
        specs: list[GroupSpec | ServicePrincipalSpec] = [*props.groups, *props.service_principals]
        for spec in specs:
            if spec.workspace_permission not in (None, *WORKSPACE_PERMISSIONS):
                raise ValueError(
                    f"{spec.name}: workspace permission {spec.workspace_permission!r}; "
                    "allowed USER, ADMIN"
                )
        account = props.account_provider
        workspace_id = Token.as_number(props.workspace_id)
        self.admin_group = Group(
            self, "admin-group", display_name=props.admin_group, provider=account
        )
        MwsPermissionAssignment(
            self,
            f"workspace-{principal_key(props.admin_group)}",
            workspace_id=workspace_id,
            principal_id=Token.as_number(self.admin_group.id),
            permissions=["ADMIN"],
            provider=account,
        )
        self.grant_principal: dict[str, str] = {props.admin_group: props.admin_group}
        """Config name -> the principal as Unity Catalog grants name it."""
        self.dependables: list[ITerraformDependable] = [self.admin_group]

        created = {g.name: g.name for g in props.groups if not g.entra_object_id}
        adopted = {g.name: g.entra_object_id for g in props.groups if g.entra_object_id}
        principals = {p.name: p.application_id for p in props.service_principals}
        permission = {
            spec.name: spec.workspace_permission for spec in specs if spec.workspace_permission
        }
        kinds = _principal_resources(
            self,
            created=created,
            adopted=adopted,
            principals=principals,
            account=account,
            adopted_id=ADOPTED_GROUPS,
        )
        self.grant_principal |= {g.name: g.name for g in props.groups}
        self.grant_principal |= principals
        assignments: dict[str, tuple[Mapping[str, str], TerraformResource]] = {}
        for kind, members, resource in kinds:
            self.dependables.append(resource)
            assigned = {name: permission[name] for name in members if name in permission}
            if assigned:
                each = TerraformIterator.from_map(assigned)
                assignments[kind] = (
                    assigned,
                    MwsPermissionAssignment(
                        self,
                        f"workspace-{kind}",
                        for_each=each,
                        workspace_id=workspace_id,
                        principal_id=Token.as_number(Fn.lookup_nested(resource, [each.key, "id"])),
                        permissions=[Token.as_string(each.value)],
                        provider=account,
                    ),
                )
            if kind == "service-principals":
                admins = {p.name: p.name for p in props.service_principals if p.platform_admin}
                if admins:
                    each = TerraformIterator.from_map(admins)
                    GroupMember(
                        self,
                        "admin-members",
                        for_each=each,
                        group_id=self.admin_group.id,
                        member_id=Fn.lookup_nested(resource, [each.key, "id"]),
                        provider=account,
                    )
        for name, workspace_permission in sorted(props.account_groups.items()):
            problem = principal_name_problem(name)
            if problem or name in self.grant_principal:
                raise ValueError(f"account group {name!r}: {problem or 'named twice'}")
            group = DataDatabricksGroup(
                self, f"account-group-{principal_key(name)}", display_name=name, provider=account
            )
            if workspace_permission is not None:
                MwsPermissionAssignment(
                    self,
                    f"workspace-account-group-{principal_key(name)}",
                    workspace_id=workspace_id,
                    principal_id=Token.as_number(group.id),
                    permissions=[workspace_permission],
                    provider=account,
                )
            self.grant_principal[name] = name
        self.adopted_groups: tuple[Mapping[str, str], TerraformResource] | None = next(
            ((members, r) for kind, members, r in kinds if kind == ADOPTED_GROUPS), None
        )
        """The adopted groups (name -> object id) and their for_each resource, if any."""
        self.adopted_assignments: tuple[Mapping[str, str], TerraformResource] | None = (
            assignments.get(ADOPTED_GROUPS)
        )
        """The adopted groups' workspace assignments (name -> permission), if any."""


@dataclass(frozen=True, kw_only=True)
class MetastoreProps:
    mode: str
    """region (look the region's up) or id (use metastore_id). A metastore is created by the
    account scope (AccountMetastore), never by an environment."""
    region: str
    workspace_id: str
    metastore_id: str | None = None
    """Required with mode id."""
    account_provider: TerraformProvider


class MetastoreAttachment(Construct):
    """The workspace's metastore (the region's, or a given one) and its assignment."""

    def __init__(self, scope: Construct, id_: str, *, props: MetastoreProps):
        super().__init__(scope, id_)
        account = props.account_provider
        if props.mode == "region":
            lookup = DataDatabricksMetastore(
                self, "region-metastore", region=props.region, provider=account
            )
            self.metastore_id: str = lookup.id
        elif props.mode == "id":
            if not props.metastore_id:
                raise ValueError("metastore_id is required with mode id")
            self.metastore_id = props.metastore_id
        else:
            raise ValueError(
                f"mode {props.mode!r}: allowed region, id (the account scope creates metastores)"
            )
        self.assignment = MetastoreAssignment(
            self,
            "assignment",
            metastore_id=self.metastore_id,
            workspace_id=Token.as_number(props.workspace_id),
            provider=account,
        )


def _grants(
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


@dataclass(frozen=True, kw_only=True)
class LakeStorageProps:
    credential_name: str
    location_names: Mapping[str, str]
    """Container -> its external location's name (one per container)."""
    access_connector_id: str
    storage_account_name: str
    containers: tuple[str, ...]
    read_only_containers: tuple[str, ...] = ()
    """Containers the connector may only read (landing): their locations are read-only."""
    owner: str
    file_events: bool = True
    """Managed file events (Azure queue in the lake's resource group). Default: on."""
    file_events_resource_group: str
    file_events_subscription_id: str
    grants: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    """Container -> principal (as grants name it) -> privileges on its external location."""
    workspace_id: str | None = None
    """Bind the credential and the locations to this workspace only (isolation mode isolated):
    other workspaces on the metastore cannot use them. Default: open to every workspace."""
    depends_on: tuple[ITerraformDependable, ...] = ()
    """The metastore assignment and the principals."""


def _bind(
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


class LakeStorage(Construct):
    """The storage credential on the access connector and one external location per container."""

    def __init__(self, scope: Construct, id_: str, *, props: LakeStorageProps):
        super().__init__(scope, id_)
        unknown = sorted(set(props.read_only_containers) - set(props.containers))
        unnamed = sorted(set(props.containers) - set(props.location_names))
        if unnamed:
            raise ValueError(f"containers {unnamed} have no external location name")
        unknown += sorted(set(props.location_names) - set(props.containers))
        unknown += sorted(set(props.grants) - set(props.containers))
        if unknown:
            raise ValueError(f"containers {unknown} are not among {list(props.containers)}")
        self.credential = StorageCredential(
            self,
            "credential",
            name=props.credential_name,
            azure_managed_identity=StorageCredentialAzureManagedIdentity(
                access_connector_id=props.access_connector_id
            ),
            owner=props.owner,
            force_destroy=False,
            comment="The lake, through the platform's Databricks access connector.",
            isolation_mode=ISOLATED if props.workspace_id else None,
            depends_on=list(props.depends_on),
            lifecycle=GUARDED,
        )
        if props.workspace_id:
            _bind(
                self,
                "credential-binding",
                securable_type="storage_credential",
                securable_name=self.credential.name,
                workspace_id=props.workspace_id,
            )
        _grants(
            self,
            "credential-grants",
            "storage_credential",
            {},
            admin=props.owner,
            depends_on=list(props.depends_on),
            on=self.credential.id,
        )
        self.locations: dict[str, ExternalLocation] = {}
        self.urls: dict[str, str] = {}
        for container in props.containers:
            url = f"abfss://{container}@{props.storage_account_name}.dfs.core.windows.net/"
            location = ExternalLocation(
                self,
                f"location-{container}",
                name=props.location_names[container],
                url=url,
                credential_name=self.credential.name,
                owner=props.owner,
                read_only=container in props.read_only_containers or None,
                enable_file_events=props.file_events,
                file_event_queue=ExternalLocationFileEventQueue(
                    managed_aqs=ExternalLocationFileEventQueueManagedAqs(
                        resource_group=props.file_events_resource_group,
                        subscription_id=props.file_events_subscription_id,
                    )
                )
                if props.file_events
                else None,
                force_destroy=False,
                comment=f"The lake's {container} container.",
                isolation_mode=ISOLATED if props.workspace_id else None,
                lifecycle=GUARDED,
            )
            if props.workspace_id:
                _bind(
                    self,
                    f"location-{container}-binding",
                    securable_type="external_location",
                    securable_name=location.name,
                    workspace_id=props.workspace_id,
                )
            self.locations[container] = location
            self.urls[container] = url
            _grants(
                self,
                f"location-{container}-grants",
                "external_location",
                props.grants.get(container, {}),
                admin=props.owner,
                depends_on=list(props.depends_on),
                on=location.id,
            )
        self.storage_credential_name: str = self.credential.name


@dataclass(frozen=True, kw_only=True)
class LakehouseCatalogProps:
    name: str
    storage_root: str
    """abfss:// URL under an external location (a catalog on an auto-created metastore, which
    has no storage root, needs its own)."""
    schemas: Mapping[str, str]
    """Layer -> schema name."""
    owner: str
    schema_storage_roots: Mapping[str, str] = field(default_factory=dict)
    """Layer -> abfss:// URL of its schema's managed location (its layer's container: the
    seed's lakehouse pattern). Default: the catalog's. A schema deployed without one keeps its
    location: storage_root is ignored after creation, because Unity Catalog cannot move a
    schema and Terraform would replace it, dropping its managed tables."""
    catalog_grants: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    schema_grants: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    """Layer -> principal -> privileges."""
    workspace_id: str | None = None
    """Bind the catalog to this workspace (read-write) only: isolation mode ISOLATED. Default:
    open to every workspace on the metastore."""
    read_only_workspaces: tuple[str, ...] = ()
    """Other workspaces (numeric ids) that may read the catalog: read-only bindings. Default:
    none."""
    depends_on: tuple[ITerraformDependable, ...] = ()
    """The external location covering storage_root, and the principals."""


class LakehouseCatalog(Construct):
    """The environment's catalog with its own managed location, a schema per layer, grants."""

    def __init__(self, scope: Construct, id_: str, *, props: LakehouseCatalogProps):
        super().__init__(scope, id_)
        for label, value in (("catalog", props.name), *props.schemas.items()):
            problem = uc_name_problem(value)
            if problem:
                raise ValueError(f"{label} name {value!r}: {problem}")
        if not props.storage_root.startswith("abfss://"):
            raise ValueError(f"storage_root {props.storage_root!r} must be an abfss:// URL")
        unknown = sorted(set(props.schema_grants) - set(props.schemas))
        if unknown:
            raise ValueError(f"grants for unknown layers {unknown}; layers: {list(props.schemas)}")
        unknown = sorted(set(props.schema_storage_roots) - set(props.schemas))
        if unknown:
            raise ValueError(
                f"storage roots for unknown layers {unknown}; layers: {list(props.schemas)}"
            )
        for layer, url in props.schema_storage_roots.items():
            if not url.startswith("abfss://"):
                raise ValueError(f"{layer} storage root {url!r} must be an abfss:// URL")
        self.catalog = Catalog(
            self,
            "catalog",
            name=props.name,
            storage_root=props.storage_root,
            owner=props.owner,
            force_destroy=False,
            comment="The environment's lakehouse: one schema per layer.",
            isolation_mode=CATALOG_ISOLATED if props.workspace_id else None,
            depends_on=list(props.depends_on),
            lifecycle=GUARDED,
        )
        if props.read_only_workspaces and not props.workspace_id:
            raise ValueError("read_only_workspaces needs workspace_id (an isolated catalog)")
        if props.workspace_id:
            _bind(
                self,
                "catalog-binding",
                securable_type="catalog",
                securable_name=self.catalog.name,
                workspace_id=props.workspace_id,
            )
            for other in props.read_only_workspaces:
                if not other.isdigit():
                    raise ValueError(f"read-only workspace {other!r} is not a workspace id")
                _bind(
                    self,
                    f"catalog-binding-read-only-{other}",
                    securable_type="catalog",
                    securable_name=self.catalog.name,
                    workspace_id=other,
                    read_only=True,
                )
        _grants(
            self,
            "catalog-grants",
            "catalog",
            props.catalog_grants,
            admin=props.owner,
            depends_on=list(props.depends_on),
            on=self.catalog.name,
        )
        self.schemas: dict[str, Schema] = {}
        for layer, name in props.schemas.items():
            storage_root = props.schema_storage_roots.get(layer)
            schema = Schema(
                self,
                f"schema-{layer}",
                catalog_name=self.catalog.name,
                name=name,
                owner=props.owner,
                storage_root=storage_root,
                force_destroy=False,
                comment=f"The {layer} layer.",
                depends_on=list(props.depends_on) if storage_root else None,
                lifecycle=TerraformResourceLifecycle(
                    prevent_destroy=True, ignore_changes=["storage_root"]
                )
                if storage_root
                else GUARDED,
            )
            self.schemas[layer] = schema
            _grants(
                self,
                f"schema-{layer}-grants",
                "schema",
                props.schema_grants.get(layer, {}),
                admin=props.owner,
                depends_on=list(props.depends_on),
                on=schema.id,
            )
        self.catalog_name: str = self.catalog.name


@dataclass(frozen=True, kw_only=True)
class SharedPrincipalsProps:
    groups: tuple[GroupSpec, ...] = ()
    """Created, or adopted from Entra ID by object id; workspace_permission is ignored (each
    environment assigns them to its own workspace)."""
    service_principals: tuple[ServicePrincipalSpec, ...] = ()
    account_provider: TerraformProvider


class SharedPrincipals(Construct):
    """Account groups and service principals that several environments use, owned here only.

    The same shape as AccountPrincipals (one `for_each` resource per kind, keyed by name), without
    workspace assignments: environments assign what they use to their own workspaces."""

    def __init__(self, scope: Construct, id_: str, *, props: SharedPrincipalsProps):
        super().__init__(scope, id_)
        names = [g.name for g in props.groups] + [p.name for p in props.service_principals]
        for name in names:
            problem = principal_name_problem(name)
            if problem:
                raise ValueError(f"principal {name!r}: {problem}")
        twice = sorted(name for name, count in Counter(names).items() if count > 1)
        if twice:
            raise ValueError(f"principal names given twice: {', '.join(twice)}")
        account = props.account_provider
        created = {g.name: g.name for g in props.groups if not g.entra_object_id}
        adopted = {g.name: str(g.entra_object_id) for g in props.groups if g.entra_object_id}
        principals = {p.name: p.application_id for p in props.service_principals}
        self.ids: dict[str, str] = {
            name: Fn.lookup_nested(resource, [name, "id"])
            for _, members, resource in _principal_resources(
                self, created=created, adopted=adopted, principals=principals, account=account
            )
            for name in members
        }


@dataclass(frozen=True, kw_only=True)
class AccountMetastoreProps:
    name: str
    region: str
    owner: str
    """The group that administers it (metastore admin)."""
    account_provider: TerraformProvider


class AccountMetastore(Construct):
    """A metastore the account scope creates for a region; the region's workspaces attach to it
    (environments look it up by region). Guarded: it holds every catalog's metadata."""

    def __init__(self, scope: Construct, id_: str, *, props: AccountMetastoreProps):
        super().__init__(scope, id_)
        self.metastore = Metastore(
            self,
            "metastore",
            name=props.name,
            region=props.region,
            owner=props.owner,
            force_destroy=False,
            lifecycle=GUARDED,
            provider=props.account_provider,
        )
        self.metastore_id: str = self.metastore.id
