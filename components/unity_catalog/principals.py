"""The account's principals: groups (created or adopted from Entra), service principals, their
workspace assignments, the admin group; and an account scope's shared principals."""

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
from cdktf_cdktf_provider_databricks.data_databricks_group import DataDatabricksGroup
from cdktf_cdktf_provider_databricks.data_databricks_user import DataDatabricksUser
from cdktf_cdktf_provider_databricks.group import Group
from cdktf_cdktf_provider_databricks.group_member import GroupMember
from cdktf_cdktf_provider_databricks.mws_permission_assignment import MwsPermissionAssignment
from cdktf_cdktf_provider_databricks.service_principal import ServicePrincipal
from constructs import Construct

from vocabulary.databricks import (
    WORKSPACE_PERMISSIONS,
    principal_key,
    principal_name_problem,
)

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
class UserSpec:
    user_name: str
    """The person's user name in the account (their Entra user principal name)."""
    workspace_permission: str | None = "USER"
    """USER, ADMIN, or None. Default: USER."""
    platform_admin: bool = False
    """Member of the admin group. Default: off."""


@dataclass(frozen=True, kw_only=True)
class AccountPrincipalsProps:
    admin_group: str
    """Created; owns every Unity Catalog object. Assigned to the workspace as ADMIN."""
    groups: tuple[GroupSpec, ...] = ()
    service_principals: tuple[ServicePrincipalSpec, ...] = ()
    users: tuple[UserSpec, ...] = ()
    """People, looked up by user name (never created or deleted: the account has them from
    Entra's provisioning or its console), assigned to the workspace, admins in the admin group.
    Default: none."""
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
        names += [u.user_name for u in props.users]
        twice = sorted(name for name, count in Counter(names).items() if count > 1)
        if twice:
            raise ValueError(f"principal names given twice: {', '.join(twice)}")
        specs: list[GroupSpec | ServicePrincipalSpec] = [*props.groups, *props.service_principals]
        permissions = [(s.name, s.workspace_permission) for s in specs]
        permissions += [(u.user_name, u.workspace_permission) for u in props.users]
        for name, workspace_permission in permissions:
            if workspace_permission not in (None, *WORKSPACE_PERMISSIONS):
                raise ValueError(
                    f"{name}: workspace permission {workspace_permission!r}; allowed USER, ADMIN"
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
        for user in props.users:
            _user_resources(
                self,
                user,
                admin_group=self.admin_group,
                workspace_id=workspace_id,
                account=account,
            )
            self.grant_principal[user.user_name] = user.user_name
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


def _user_resources(
    scope: Construct,
    user: UserSpec,
    *,
    admin_group: Group,
    workspace_id: float,
    account: TerraformProvider,
) -> None:
    """A person: looked up in the account, assigned to the workspace, in the admin group."""
    key = principal_key(user.user_name)
    found = DataDatabricksUser(scope, f"user-{key}", user_name=user.user_name, provider=account)
    if user.workspace_permission is not None:
        MwsPermissionAssignment(
            scope,
            f"workspace-user-{key}",
            workspace_id=workspace_id,
            principal_id=Token.as_number(found.id),
            permissions=[user.workspace_permission],
            provider=account,
        )
    if user.platform_admin:
        GroupMember(
            scope,
            f"admin-member-user-{key}",
            group_id=admin_group.id,
            member_id=found.id,
            provider=account,
        )


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
