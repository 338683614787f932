"""Who may use what in the workspace: object permissions, group entitlements, Personal Compute.

Object permissions (`databricks_permissions`) are authoritative per object: one resource holds
every principal's level on it, and levels not listed are removed (workspace admins keep theirs).
Levels are Databricks' ("Access control lists"): `vocabulary.databricks`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cdktf_cdktf_provider_databricks.data_databricks_cluster_policy import (
    DataDatabricksClusterPolicy,
)
from cdktf_cdktf_provider_databricks.data_databricks_group import DataDatabricksGroup
from cdktf_cdktf_provider_databricks.entitlements import Entitlements
from cdktf_cdktf_provider_databricks.permissions import Permissions, PermissionsAccessControl
from constructs import Construct

from vocabulary.databricks import (
    ENTITLEMENTS,
    PERMISSION_LEVELS,
    PERSONAL_COMPUTE_POLICY,
    principal_key,
    principal_name_problem,
)


@dataclass(frozen=True)
class AccessGrant:
    principal: str
    """A group's display name, or a service principal's application id."""
    level: str
    service_principal: bool = False


@dataclass(frozen=True, kw_only=True)
class WorkloadAccess:
    """Who takes part in the workloads, as the grants need them."""

    admin_group: str
    service_principals: Mapping[str, str]
    """Service principal name -> application id (what Databricks names it by)."""
    run_as: str | None = None
    """The job's run_as service principal (by name). Default: none."""
    pipeline_client_id: str | None = None
    """Data Factory's identity, which starts the job. Default: none."""
    purview_client_id: str | None = None
    """Purview's identity, which reads through the warehouse. Default: none."""
    configured: Mapping[str, Mapping[str, str]]
    """workloads.permissions: object kind -> principal name -> level."""


def workload_grants(access: WorkloadAccess) -> dict[str, tuple[AccessGrant, ...]]:
    """Object kind -> its grants. The admin group manages everything; the job's run_as
    principal uses the policy (its job cluster) and the warehouse (its dbt task: Databricks'
    dbt-task requirement); Data Factory's identity starts the job and watches its runs, nothing
    more; Purview's identity reads through the warehouse; the config adds the rest."""
    ids = access.service_principals

    def grant(principal: str, level: str) -> AccessGrant:
        return AccessGrant(
            principal=ids.get(principal, principal),
            level=level,
            service_principal=principal in ids,
        )

    admin = access.admin_group
    automatic: dict[str, list[AccessGrant]] = {
        "cluster_policy": [grant(admin, "CAN_USE")],
        "cluster": [grant(admin, "CAN_MANAGE")],
        "sql_warehouse": [grant(admin, "CAN_MANAGE")],
        "job": [grant(admin, "CAN_MANAGE")],
    }
    if access.run_as:
        automatic["cluster_policy"].append(grant(access.run_as, "CAN_USE"))
        automatic["sql_warehouse"].append(grant(access.run_as, "CAN_USE"))
    if access.pipeline_client_id:
        automatic["job"].append(
            AccessGrant(
                principal=access.pipeline_client_id,
                level="CAN_MANAGE_RUN",
                service_principal=True,
            )
        )
    if access.purview_client_id is not None:
        automatic["sql_warehouse"].append(
            AccessGrant(principal=access.purview_client_id, level="CAN_USE", service_principal=True)
        )
    return {
        kind: (
            *grants,
            *(grant(p, level) for p, level in access.configured.get(kind, {}).items()),
        )
        for kind, grants in automatic.items()
    }


@dataclass(frozen=True, kw_only=True)
class ObjectPermissionsProps:
    object_type: str
    """cluster_policy, cluster, sql_warehouse or job."""
    object_id: str
    grants: tuple[AccessGrant, ...]
    """Who gets which level. A principal named twice keeps the higher level."""


class ObjectPermissions(Construct):
    """Every principal's permission level on one workspace object."""

    def __init__(self, scope: Construct, id_: str, *, props: ObjectPermissionsProps):
        super().__init__(scope, id_)
        if props.object_type not in PERMISSION_LEVELS:
            raise ValueError(
                f"object_type {props.object_type!r}; allowed: {', '.join(PERMISSION_LEVELS)}"
            )
        levels = PERMISSION_LEVELS[props.object_type]
        if not props.grants:
            raise ValueError(f"{props.object_type}: no grant (the admin group needs one)")
        highest: dict[tuple[str, bool], str] = {}
        for grant in props.grants:
            if grant.level not in levels:
                raise ValueError(
                    f"{grant.principal}: {grant.level!r} is not a {props.object_type} "
                    f"permission; allowed: {', '.join(levels)}"
                )
            key = (grant.principal, grant.service_principal)
            current = highest.get(key)
            if current is None or levels.index(grant.level) > levels.index(current):
                highest[key] = grant.level
        self.grants = highest

        def object_id(kind: str) -> str | None:
            return props.object_id if props.object_type == kind else None

        self.permissions = Permissions(
            self,
            "permissions",
            access_control=[
                PermissionsAccessControl(
                    service_principal_name=principal if is_sp else None,
                    group_name=None if is_sp else principal,
                    permission_level=level,
                )
                for (principal, is_sp), level in sorted(highest.items())
            ],
            cluster_policy_id=object_id("cluster_policy"),
            cluster_id=object_id("cluster"),
            sql_endpoint_id=object_id("sql_warehouse"),
            job_id=object_id("job"),
        )


@dataclass(frozen=True, kw_only=True)
class GroupEntitlementsProps:
    entitlements: Mapping[str, tuple[str, ...]]
    """Group display name -> its entitlements (workspace_access, databricks_sql_access, ...).
    The group must be assigned to the workspace (the unity-catalog stack does it)."""


class GroupEntitlements(Construct):
    """Each listed group's workspace entitlements, exactly: those not listed are off."""

    def __init__(self, scope: Construct, id_: str, *, props: GroupEntitlementsProps):
        super().__init__(scope, id_)
        for name, granted in sorted(props.entitlements.items()):
            problem = principal_name_problem(name)
            unknown = sorted(set(granted) - set(ENTITLEMENTS))
            if problem or unknown:
                raise ValueError(
                    f"{name!r}: {problem or ''}"
                    + (
                        f"unknown entitlement(s) {unknown}; allowed: {', '.join(ENTITLEMENTS)}"
                        if unknown
                        else ""
                    )
                )
            group = DataDatabricksGroup(self, f"group-{principal_key(name)}", display_name=name)
            Entitlements(
                self,
                f"entitlements-{principal_key(name)}",
                group_id=group.id,
                workspace_access="workspace_access" in granted,
                databricks_sql_access="databricks_sql_access" in granted,
                allow_cluster_create="allow_cluster_create" in granted,
                allow_instance_pool_create="allow_instance_pool_create" in granted,
            )


@dataclass(frozen=True, kw_only=True)
class PersonalComputeAccessProps:
    groups: tuple[str, ...]
    """Groups (besides the admin group) that may use the built-in Personal Compute policy."""
    admin_group: str


class PersonalComputeAccess(Construct):
    """The built-in Personal Compute policy, usable only by the admin group and `groups`.

    By default every user may create a personal single-node cluster with it; these permissions
    take effect once an account admin sets the account's Personal Compute setting to Delegate
    (docs/workloads.md)."""

    def __init__(self, scope: Construct, id_: str, *, props: PersonalComputeAccessProps):
        super().__init__(scope, id_)
        policy = DataDatabricksClusterPolicy(self, "policy", name=PERSONAL_COMPUTE_POLICY)
        ObjectPermissions(
            self,
            "permissions",
            props=ObjectPermissionsProps(
                object_type="cluster_policy",
                object_id=policy.id,
                grants=tuple(
                    AccessGrant(principal=group, level="CAN_USE")
                    for group in (props.admin_group, *props.groups)
                ),
            ),
        )
