"""`workloads`: compute within its policy, who may use what, the job, the secret scope."""

from __future__ import annotations

from platform_config.checks.issues import FIND_AZURE_DATABRICKS, Issue, child_path
from platform_config.checks.registry import environment_check
from platform_config.model import (
    PlatformConfig,
)
from vocabulary import databricks


@environment_check
def compute_within_the_cluster_policy(config: PlatformConfig) -> list[Issue]:
    """The shared cluster and the job cluster take sizes, versions and node types the cluster
    policy allows."""
    work = config.workloads
    issues: list[Issue] = []
    policy, cluster, job = work.cluster_policy, work.cluster, work.job
    if cluster.min_workers > cluster.max_workers:
        issues.append(
            Issue(
                "workloads.cluster.min_workers",
                cluster.min_workers,
                f"must be at most max_workers ({cluster.max_workers})",
            )
        )
    for path, value, allowed in (
        ("workloads.cluster.node_type", cluster.node_type, policy.node_types),
        ("workloads.cluster.spark_version", cluster.spark_version, policy.spark_versions),
        ("workloads.job.node_type", job.node_type, policy.node_types),
        ("workloads.job.spark_version", job.spark_version, policy.spark_versions),
    ):
        if value not in allowed:
            issues.append(
                Issue(
                    path,
                    value,
                    "not allowed by the cluster policy; allowed: "
                    f"{', '.join(allowed)} (workloads.cluster_policy)",
                )
            )
    for path, count in (
        ("workloads.cluster.max_workers", cluster.max_workers),
        ("workloads.job.num_workers", job.num_workers),
    ):
        if count > policy.max_workers:
            issues.append(
                Issue(path, count, f"above the cluster policy's max_workers ({policy.max_workers})")
            )
    if cluster.autotermination_minutes > policy.max_autotermination_minutes:
        issues.append(
            Issue(
                "workloads.cluster.autotermination_minutes",
                cluster.autotermination_minutes,
                "above the cluster policy's "
                f"max_autotermination_minutes ({policy.max_autotermination_minutes})",
            )
        )
    return issues


@environment_check
def ip_access_follows_the_exposure(config: PlatformConfig) -> list[Issue]:
    """A public workspace has an allow list (or waives it); a private one has none."""
    public = config.databricks.public_network_access
    ip = config.workloads.ip_access
    if public and not ip.allow and not ip.waive_allow_list:
        return [
            Issue(
                "workloads.ip_access.allow",
                [],
                "required with "
                "databricks.public_network_access: true: the CIDRs allowed to reach "
                "the workspace (or waive_allow_list: true to accept any address)",
            )
        ]
    if not public and ip.allow:
        return [
            Issue(
                "workloads.ip_access.allow",
                list(ip.allow),
                "only with databricks.public_network_access: true (the workspace is private)",
            )
        ]
    return []


def _principals(config: PlatformConfig) -> set[str]:
    return {p.name for p in config.unity_catalog.service_principals} | set(config.group_names)


@environment_check
def secret_scope_readers_are_principals(config: PlatformConfig) -> list[Issue]:
    principals = _principals(config)
    return [
        Issue(
            f"workloads.secret_scope.readers[{index}]",
            reader,
            f"not a principal of this config; allowed: {', '.join(sorted(principals))}",
        )
        for index, reader in enumerate(config.workloads.secret_scope.readers)
        if reader not in principals
    ]


@environment_check
def permissions_name_principals_and_levels(config: PlatformConfig) -> list[Issue]:
    """workloads.permissions: principals of this config, levels of each object's kind, and the
    shared cluster's only when there is one."""
    work = config.workloads
    principals = _principals(config)
    issues: list[Issue] = []
    levels = work.permissions.model_dump()
    for kind, allowed in databricks.PERMISSION_LEVELS.items():
        for principal, level in levels[kind].items():
            path = child_path(f"workloads.permissions.{kind}", principal)
            if principal not in principals:
                issues.append(
                    Issue(
                        path,
                        level,
                        f"{principal!r} is not a principal of this config; allowed: "
                        f"{', '.join(sorted(principals))}",
                    )
                )
            elif level not in allowed:
                issues.append(
                    Issue(path, level, f"not a {kind} permission; allowed: {', '.join(allowed)}")
                )
    if levels["cluster"] and not work.cluster.enabled:
        issues.append(
            Issue(
                "workloads.permissions.cluster",
                levels["cluster"],
                "only with workloads.cluster.enabled: true (there is no shared cluster)",
            )
        )
    return issues


@environment_check
def entitlements_name_groups(config: PlatformConfig) -> list[Issue]:
    """Entitlements and Personal Compute go to groups of unity_catalog."""
    work = config.workloads
    groups = set(config.group_names)
    issues: list[Issue] = []
    for path, names in (
        ("workloads.entitlements", list(work.entitlements)),
        ("workloads.personal_compute", list(work.personal_compute)),
    ):
        for name in names:
            if name not in groups:
                issues.append(
                    Issue(
                        child_path(path, name) if path.endswith("entitlements") else path,
                        name,
                        f"not a group of unity_catalog; allowed: {', '.join(sorted(groups))}",
                    )
                )
    return issues


@environment_check
def job_runs_as_a_service_principal(config: PlatformConfig) -> list[Issue]:
    job = config.workloads.job
    sp_names = {p.name for p in config.unity_catalog.service_principals}
    if job.run_as is not None and job.run_as not in sp_names:
        return [
            Issue(
                "workloads.job.run_as",
                job.run_as,
                "not a service principal of "
                f"unity_catalog; allowed: {', '.join(sorted(sp_names)) or '(none)'}",
            )
        ]
    return []


@environment_check
def job_schedule_with_its_trigger(config: PlatformConfig) -> list[Issue]:
    job = config.workloads.job
    if (job.trigger == "schedule") != (job.schedule is not None):
        return [
            Issue(
                "workloads.job.schedule",
                job.schedule,
                "required with trigger: schedule, and only then",
            )
        ]
    return []


@environment_check
def a_started_job_has_no_trigger(config: PlatformConfig) -> list[Issue]:
    """With ingestion, the copy pipeline starts the job."""
    job = config.workloads.job
    if config.ingestion.source is not None and job.trigger != "none":
        return [
            Issue(
                "workloads.job.trigger",
                job.trigger,
                "must be none when ingestion.source is set: the copy pipeline starts the job "
                "with the date it copied, and a trigger of its own would run it again for a "
                "date with no new data (schedule the copy with ingestion.schedule instead)",
            )
        ]
    return []


@environment_check
def secret_scope_names_the_application(config: PlatformConfig) -> list[Issue]:
    if config.workloads.secret_scope.enabled and config.azure_databricks_object_id is None:
        return [
            Issue(
                "databricks.azure_databricks_object_id",
                None,
                "required with workloads.secret_scope.enabled: the AzureDatabricks application "
                f"reads the vault for the scope; {FIND_AZURE_DATABRICKS}",
            )
        ]
    return []


@environment_check
def read_secrets_have_writers(config: PlatformConfig) -> list[Issue]:
    needs_writers = [
        path
        for path, on in (
            ("ingestion.source", config.ingestion.source is not None),
            ("workloads.secret_scope.enabled", config.workloads.secret_scope.enabled),
        )
        if on
    ]
    if needs_writers and not config.secrets.writers:
        return [
            Issue(
                "secrets.writers",
                [],
                f"required with {' and '.join(needs_writers)}: nobody could write the secrets "
                "they read (the deployer has no data-plane role); give the object id of the "
                "group that writes them",
            )
        ]
    return []


@environment_check
def serverless_has_a_network_connectivity_config(config: PlatformConfig) -> list[Issue]:
    if (
        config.workloads.sql_warehouse.type == "serverless"
        and not config.databricks.network_connectivity_config
    ):
        return [
            Issue(
                "databricks.network_connectivity_config",
                None,
                "required with workloads.sql_warehouse.type: serverless: serverless compute "
                "reaches the private lake only through a network connectivity configuration's "
                "private endpoints (name one of config/accounts/<account>.yaml)",
            )
        ]
    return []


@environment_check
def dbt_from_git_has_a_url(config: PlatformConfig) -> list[Issue]:
    dbt = config.workloads.dbt
    if dbt.source == "git" and not dbt.git_url:
        return [Issue("workloads.dbt.git_url", None, "required with source: git")]
    return []


@environment_check
def the_compliance_profile_has_what_it_needs(config: PlatformConfig) -> list[Issue]:
    """The compliance security profile needs enhanced security monitoring and automatic
    cluster updates on the workspace (azurerm refuses it otherwise at plan:
    databricks_workspace_resource.go:436 at v4.55.0), and the premium SKU."""
    hardening = config.workloads.hardening
    if hardening.compliance_security_profile is None:
        return []
    return [
        Issue(
            f"workloads.hardening.{field}",
            False,
            "must be true with compliance_security_profile (the profile needs it)",
        )
        for field in ("enhanced_security_monitoring", "automatic_cluster_update")
        if not getattr(hardening, field)
    ]
