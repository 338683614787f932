"""Data Factory -> Databricks: the pipeline calls the workspace from its managed network, with
the least privilege."""

from __future__ import annotations

import json
from collections.abc import Iterator

from policy.rules.registry import Finding, Json, rule
from policy.rules.workspace_access import permissions_on
from tooling.synthesized import REFERENCE, SynthesizedEnvironment


def _web_activities(activities: list[Json]) -> Iterator[Json]:
    """Every Web activity, nested ones (ForEach, If, Until, Switch) included."""
    for activity in activities:
        if activity.get("type") == "WebActivity":
            yield activity
        properties = activity.get("typeProperties") or {}
        for key in ("activities", "ifTrueActivities", "ifFalseActivities", "defaultActivities"):
            yield from _web_activities(properties.get(key) or [])
        for case in properties.get("cases") or []:
            yield from _web_activities(case.get("activities") or [])


def _pipelines(env: SynthesizedEnvironment) -> Iterator[tuple[str, str, Json, list[Json]]]:
    for stack, address, pipeline in env.resources("azurerm_data_factory_pipeline"):
        activities = json.loads(pipeline.get("activities_json") or "[]")
        yield stack, address, pipeline, list(_web_activities(activities))


@rule(
    "pipeline-web-calls-in-managed-network",
    "Every Web activity of a factory's pipelines runs on an integration runtime in the factory's "
    "managed virtual network (connectVia): the default Azure IR has no line of sight to private "
    "endpoints.",
    "Web activity in Azure Data Factory (connectVia; private URLs need an IR that reaches them)",
    "https://learn.microsoft.com/azure/data-factory/control-flow-web-activity",
)
def _pipeline_web_calls_in_managed_network(env: SynthesizedEnvironment) -> Iterator[Finding]:
    for stack, address, _, web in _pipelines(env):
        runtimes = {
            body.get("name")
            for _, _, body in env.resources(
                "azurerm_data_factory_integration_runtime_azure", env.kind(stack)
            )
            if body.get("virtual_network_enabled")
        }
        for activity in web:
            via = ((activity.get("typeProperties") or {}).get("connectVia") or {}).get(
                "referenceName"
            )
            if via not in runtimes:
                yield Finding(
                    stack,
                    f"{address} activity {activity.get('name')!r}",
                    f"runs on {via or 'the default Azure IR'}, not an integration runtime in the "
                    "managed virtual network",
                )


@rule(
    "pipeline-starts-job-with-least-privilege",
    "A pipeline that calls the Databricks workspace reaches it through a managed private "
    "endpoint (databricks_ui_api), authenticates with a user-assigned identity credential, "
    "and that identity holds CAN_MANAGE_RUN on the job it starts; the factory has no Azure "
    "role on the workspace (Contributor would make it a workspace admin).",
    "Azure Databricks: Authenticate with Azure managed identities",
    "https://learn.microsoft.com/azure/databricks/dev-tools/auth/azure-mi",
)
def _pipeline_starts_job_with_least_privilege(env: SynthesizedEnvironment) -> Iterator[Finding]:
    workspaces = {a for _, a, _ in env.resources("azurerm_databricks_workspace")}
    for stack, address, pipeline, web in _pipelines(env):
        parameters = pipeline.get("parameters") or {}
        job_ref = next(
            (
                str(v)
                for v in parameters.values()
                if (REFERENCE.fullmatch(env.origin(stack, str(v))[1]) or {"type": ""})["type"]
                == "databricks_job"
            ),
            None,
        )
        if job_ref is None or not web:
            continue
        job_stack, job_expression = env.origin(stack, job_ref)
        job_address = ".".join(job_expression.strip("${}").split(".")[:2])
        endpoints = [
            body
            for _, _, body in env.resources(
                "azurerm_data_factory_managed_private_endpoint", env.kind(stack)
            )
            if body.get("subresource_name") == "databricks_ui_api"
        ]
        if not any(
            ".".join(
                env.origin(stack, str(e.get("target_resource_id")))[1].strip("${}").split(".")[:2]
            )
            in workspaces
            for e in endpoints
        ):
            yield Finding(
                stack,
                address,
                "no managed private endpoint (databricks_ui_api) to the workspace it calls",
            )
        for _, role_address, role in env.resources("azurerm_role_assignment", env.kind(stack)):
            scope = ".".join(
                env.origin(stack, str(role.get("scope")))[1].strip("${}").split(".")[:2]
            )
            if scope in workspaces:
                yield Finding(
                    stack,
                    role_address,
                    f"gives the factory {role.get('role_definition_name')} on the workspace",
                )
        credentials = {
            body.get("name"): env.origin(stack, str(body.get("identity_id")))
            for _, _, body in env.resources(
                "azurerm_data_factory_credential_user_managed_identity", env.kind(stack)
            )
        }
        acl = permissions_on(env, job_stack, job_address) or []
        for activity in web:
            auth = (activity.get("typeProperties") or {}).get("authentication") or {}
            credential = (auth.get("credential") or {}).get("referenceName")
            where = f"{address} activity {activity.get('name')!r}"
            if auth.get("type") != "UserAssignedManagedIdentity" or credential not in credentials:
                yield Finding(
                    stack,
                    where,
                    f"authenticates with {auth.get('type')!r}, "
                    "not a user-assigned identity credential the stack declares",
                )
                continue
            identity_stack, identity = credentials[credential]
            client_id = identity.replace(".id}", ".client_id}")
            holders = [
                entry
                for entry in acl
                if env.origin(job_stack, str(entry.get("service_principal_name")))
                == (identity_stack, client_id)
                and entry.get("permission_level") in ("CAN_MANAGE_RUN", "CAN_MANAGE")
            ]
            if not holders:
                yield Finding(
                    job_stack,
                    job_address,
                    f"the identity of credential "
                    f"{credential!r} holds no CAN_MANAGE_RUN on the job {where} starts",
                )
