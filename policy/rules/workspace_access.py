"""Workspace access: every workspace object has permissions, and the job's run_as may use its
compute."""

from __future__ import annotations

from collections.abc import Iterator

from policy.rules.registry import Finding, Json, rule
from tooling.synthesized import REFERENCE, SynthesizedEnvironment
from vocabulary.databricks import PERSONAL_COMPUTE_POLICY

# Workspace object type -> the databricks_permissions argument that names it.
_PERMISSION_TARGETS: dict[str, str] = {
    "databricks_cluster_policy": "cluster_policy_id",
    "databricks_cluster": "cluster_id",
    "databricks_sql_endpoint": "sql_endpoint_id",
    "databricks_job": "job_id",
}


def permissions_on(env: SynthesizedEnvironment, stack: str, address: str) -> list[Json] | None:
    """The access control list of the databricks_permissions on a resource, or None."""
    resource_type, name = address.split(".", 1)
    argument = _PERMISSION_TARGETS[resource_type]
    for _, _, permissions in env.resources("databricks_permissions", env.kind(stack)):
        if permissions.get(argument) == f"${{{resource_type}.{name}.id}}":
            return list(permissions.get("access_control", []))
    return None


def _holds(acl: list[Json], principal: str, levels: tuple[str, ...]) -> bool:
    return any(
        principal
        in (entry.get("service_principal_name"), entry.get("group_name"), entry.get("user_name"))
        and entry.get("permission_level") in levels
        for entry in acl
    )


@rule(
    "workspace-objects-have-permissions",
    "Every cluster policy, cluster, SQL warehouse and job the platform creates has its "
    "permissions declared (without them only admins can use it), and the built-in Personal "
    "Compute policy is restricted.",
    "Azure Databricks: Access control lists",
    "https://learn.microsoft.com/azure/databricks/security/auth/access-control/",
)
def _workspace_objects_have_permissions(env: SynthesizedEnvironment) -> Iterator[Finding]:
    for resource_type in _PERMISSION_TARGETS:
        for stack, address, _ in env.resources(resource_type):
            if permissions_on(env, stack, address) is None:
                yield Finding(
                    stack,
                    address,
                    "no databricks_permissions: nobody but workspace admins can use it",
                )
    for stack, tf in env.stacks.items():
        if "databricks_job" not in tf.get("resource", {}):
            continue
        policies = tf.get("data", {}).get("databricks_cluster_policy", {})
        personal = [k for k, v in policies.items() if v.get("name") == PERSONAL_COMPUTE_POLICY]
        restricted = any(
            p.get("cluster_policy_id") == f"${{data.databricks_cluster_policy.{k}.id}}"
            for k in personal
            for p in tf.get("resource", {}).get("databricks_permissions", {}).values()
        )
        if not restricted:
            yield Finding(
                stack,
                PERSONAL_COMPUTE_POLICY,
                "the built-in Personal Compute policy keeps its default (every user)",
            )


@rule(
    "job-run-as-can-use-compute",
    "A job's Run As principal has CAN_USE on the cluster policy of its job cluster and on the "
    "SQL warehouse its dbt task runs on.",
    "Databricks: dbt task for jobs (requirements of the Run As principal)",
    "https://learn.microsoft.com/azure/databricks/jobs/tasks/dbt",
)
def _job_run_as_can_use_compute(env: SynthesizedEnvironment) -> Iterator[Finding]:
    for stack, address, job in env.resources("databricks_job"):
        run_as = (job.get("run_as") or {}).get("service_principal_name") or (
            job.get("run_as") or {}
        ).get("user_name")
        if not run_as:
            continue  # the deployer runs it
        used: list[tuple[str, str]] = []
        for cluster in job.get("job_cluster", []):
            policy = (cluster.get("new_cluster") or {}).get("policy_id")
            if policy:
                used.append(("databricks_cluster_policy", str(policy)))
        for task in job.get("task", []):
            warehouse = (task.get("dbt_task") or {}).get("warehouse_id")
            if warehouse:
                used.append(("databricks_sql_endpoint", str(warehouse)))
        for resource_type, reference in used:
            match = REFERENCE.fullmatch(reference)
            if not match or match["type"] != resource_type:
                continue
            target = f"{resource_type}.{match['name']}"
            acl = permissions_on(env, stack, target) or []
            levels = ("CAN_USE", "CAN_MANAGE")
            if not _holds(acl, run_as, levels):
                yield Finding(
                    stack,
                    address,
                    f"runs as {run_as}, which has no CAN_USE on {target}",
                )
