"""Jobs: started once, the dbt task as Databricks documents it, job clusters that terminate."""

from __future__ import annotations

import json
from collections.abc import Iterator

from policy.rules.registry import Finding, rule
from tooling.synthesized import REFERENCE, SynthesizedEnvironment
from vocabulary.databricks import EXACT_PIN


@rule(
    "job-started-once",
    "A Databricks job that a Data Factory pipeline starts has no schedule, file-arrival or "
    "continuous trigger of its own (it would run again for a date with no new data).",
    "Databricks: Automating jobs with schedules and triggers",
    "https://learn.microsoft.com/azure/databricks/jobs/triggers",
)
def _job_started_once(env: SynthesizedEnvironment) -> Iterator[Finding]:
    for stack, address, pipeline in env.resources("azurerm_data_factory_pipeline"):
        for parameter, value in sorted((pipeline.get("parameters") or {}).items()):
            origin, expression = env.origin(stack, str(value))
            match = REFERENCE.fullmatch(expression)
            if not match or match["type"] != "databricks_job":
                continue
            job = env.lookup(stack, str(value)) or {}
            own = [t for t in ("schedule", "trigger", "continuous") if job.get(t)]
            if own:
                yield Finding(
                    origin,
                    f"databricks_job.{match['name']}",
                    f"has a {' and a '.join(own)} of its own, and {address} starts it "
                    f"(parameter {parameter}): set workloads.job.trigger: none",
                )


@rule(
    "dbt-task-as-documented",
    "A dbt task with a SQL warehouse sets no profiles_directory (Databricks generates the "
    "profile; the Jobs API takes a relative profiles_directory only without warehouse_id), and "
    "its libraries pin dbt-databricks exactly.",
    "Databricks Jobs API: DbtTask (profiles_directory, warehouse_id)",
    "https://docs.databricks.com/api/azure/workspace/jobs/create",
)
def _dbt_task_as_documented(env: SynthesizedEnvironment) -> Iterator[Finding]:
    for stack, address, job in env.resources("databricks_job"):
        for task in job.get("task", []):
            dbt = task.get("dbt_task")
            if not dbt:
                continue
            where = f"{address} task {task.get('task_key')}"
            profiles = dbt.get("profiles_directory")
            if profiles and dbt.get("warehouse_id"):
                yield Finding(
                    stack,
                    where,
                    "sets profiles_directory and warehouse_id; the Jobs API takes "
                    "profiles_directory only without a warehouse",
                )
            elif profiles and str(profiles).startswith("/"):
                yield Finding(
                    stack,
                    where,
                    f"profiles_directory {profiles!r} must be relative to the project",
                )
            packages = [
                str((library.get("pypi") or {}).get("package", ""))
                for library in task.get("library", [])
            ]
            adapter = [
                p
                for p in packages
                if p.split("=")[0].split("<")[0].split(">")[0] == "dbt-databricks"
            ]
            if not adapter or not all(EXACT_PIN.match(p) for p in packages):
                yield Finding(
                    stack,
                    where,
                    f"libraries {packages}: dbt-databricks (and each other) must be pinned "
                    "exactly (name==version), the version the tests ran",
                )


@rule(
    "job-cluster-without-autotermination",
    "A job cluster neither sets autotermination_minutes nor takes its policy's default for it "
    "(apply_policy_default_values): job compute ends with its run.",
    "Databricks Clusters API: apply_policy_default_values, autotermination_minutes",
    "https://docs.databricks.com/api/azure/workspace/clusters/create",
)
def _job_cluster_without_autotermination(env: SynthesizedEnvironment) -> Iterator[Finding]:
    for stack, address, job in env.resources("databricks_job"):
        for cluster in job.get("job_cluster", []):
            new = cluster.get("new_cluster") or {}
            policy = env.lookup(stack, str(new.get("policy_id", ""))) or {}
            definition = json.loads(policy.get("definition") or "{}")
            default = (definition.get("autotermination_minutes") or {}).get("defaultValue")
            if "autotermination_minutes" in new or (
                new.get("apply_policy_default_values") and default is not None
            ):
                yield Finding(
                    stack,
                    f"{address} job_cluster {cluster.get('job_cluster_key')}",
                    "would run with autotermination_minutes (set, or the policy's default "
                    f"{default} applied): set apply_policy_default_values = false",
                )
