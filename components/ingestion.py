"""Data Factory: the factory in its managed virtual network, and the artefacts of `adf/` deployed
as they are (Studio JSON in, the same JSON in the generic azurerm resources out)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_azurerm.data_factory import (
    DataFactory,
    DataFactoryGithubConfiguration,
    DataFactoryIdentity,
)
from cdktf_cdktf_provider_azurerm.data_factory_credential_user_managed_identity import (
    DataFactoryCredentialUserManagedIdentity,
)
from cdktf_cdktf_provider_azurerm.data_factory_custom_dataset import (
    DataFactoryCustomDataset,
    DataFactoryCustomDatasetLinkedService,
)
from cdktf_cdktf_provider_azurerm.data_factory_integration_runtime_azure import (
    DataFactoryIntegrationRuntimeAzure,
)
from cdktf_cdktf_provider_azurerm.data_factory_linked_custom_service import (
    DataFactoryLinkedCustomService,
    DataFactoryLinkedCustomServiceIntegrationRuntime,
)
from cdktf_cdktf_provider_azurerm.data_factory_managed_private_endpoint import (
    DataFactoryManagedPrivateEndpoint,
)
from cdktf_cdktf_provider_azurerm.data_factory_pipeline import DataFactoryPipeline
from cdktf_cdktf_provider_azurerm.data_factory_trigger_schedule import (
    DataFactoryTriggerSchedule,
)
from constructs import Construct

from components.monitoring import Diagnostics, DiagnosticsProps
from components.placement import Placement
from datafactory.artifacts import Artifact, Artifacts
from policy import accept_finding


@dataclass(frozen=True, kw_only=True)
class ManagedPrivateEndpointSpec:
    key: str
    """Construct id and name suffix, e.g. lake-dfs."""
    target_resource_id: str
    subresource: str
    approve_after_deploy: bool = False
    """The platform owns the target: the deploy approves the pending connection
    (tooling/approve_endpoints.py). Default: its owner approves it."""


@dataclass(frozen=True)
class EndpointApproval:
    """A managed private endpoint whose pending connection the deploy approves on its target."""

    target_resource_id: str
    private_endpoint_name: str
    """What Data Factory names the private endpoint: <factory>.<managed private endpoint>."""


@dataclass(frozen=True, kw_only=True)
class DataFactoryProps:
    name: str
    placement: Placement
    integration_runtime: Artifact
    """adf/integrationRuntime/<name>.json: the Azure IR in the managed virtual network."""
    private_endpoints: tuple[ManagedPrivateEndpointSpec, ...]
    log_analytics_workspace_id: str
    git: DataFactoryGithubConfiguration | None = None
    """Connect the factory to GitHub (the authoring environment only). Default: none."""
    user_assigned_identities: Mapping[str, str] = field(default_factory=dict)
    """Credential name -> user-assigned identity id: attached to the factory beside its
    system-assigned identity and declared as a Data Factory credential that activities name
    (a CredentialReference). Default: none."""
    customer_managed_key: FactoryKey | None = None
    """Encrypt the factory with a customer-managed key. Azure accepts it only on an empty
    factory, i.e. when the factory is created with it. Default: Microsoft-managed keys."""


@dataclass(frozen=True, kw_only=True)
class FactoryKey:
    key_id: str
    """The key's versionless id (https://<vault>.vault.azure.net/keys/<name>): the factory
    follows its new versions."""
    identity_id: str
    """The user-assigned identity that already holds Key Vault Crypto Service Encryption User
    on the key."""


class ManagedDataFactory(Construct):
    """A factory with a system-assigned identity (and user-assigned ones as credentials), a
    managed virtual network and no public access;
    its Azure integration runtime in that network; managed private endpoints (created pending:
    the target's owner approves them); its logs in Log Analytics."""

    def __init__(self, scope: Construct, id_: str, *, props: DataFactoryProps):
        super().__init__(scope, id_)
        placement = props.placement
        identities = dict(props.user_assigned_identities)
        key = props.customer_managed_key
        attached = [*identities.values(), *([key.identity_id] if key else [])]
        self.factory = DataFactory(
            self,
            "factory",
            name=props.name,
            resource_group_name=placement.resource_group_name,
            location=placement.location,
            identity=DataFactoryIdentity(type="SystemAssigned, UserAssigned", identity_ids=attached)
            if attached
            else DataFactoryIdentity(type="SystemAssigned"),
            customer_managed_key_id=key.key_id if key else None,
            customer_managed_key_identity_id=key.identity_id if key else None,
            managed_virtual_network_enabled=True,
            public_network_enabled=False,
            github_configuration=props.git,
            tags=placement.tag_map(),
        )
        if key is None:
            accept_finding(
                self.factory,
                "CKV2_AZURE_15",
                "Microsoft-managed keys: the factory holds pipeline definitions from this "
                "repository and no data (copies go straight from the source to the lake); "
                "encryption.customer_managed_keys.data_factory is off.",
            )
        if props.git is None:
            accept_finding(
                self.factory,
                "CKV_AZURE_103",
                "This factory is deployed from adf/ in the repository by CI; only the authoring "
                "environment's factory is connected to Git (ingestion.git).",
            )
        runtime = literal(props.integration_runtime.properties)
        compute = runtime["typeProperties"]["computeProperties"]
        flows = compute.get("dataFlowProperties", {})
        self.integration_runtime = DataFactoryIntegrationRuntimeAzure(
            self,
            "integration-runtime",
            name=props.integration_runtime.name,
            data_factory_id=self.factory.id,
            location=compute.get("location", "AutoResolve"),
            virtual_network_enabled=True,
            compute_type=flows.get("computeType"),
            core_count=flows.get("coreCount"),
            time_to_live_min=flows.get("timeToLive"),
            cleanup_enabled=flows.get("cleanup"),
            description=runtime.get("description"),
        )
        for credential, identity_id in sorted(identities.items()):
            DataFactoryCredentialUserManagedIdentity(
                self,
                f"credential-{credential}",
                name=credential,
                data_factory_id=self.factory.id,
                identity_id=identity_id,
            )
        self.approvals: list[EndpointApproval] = []
        for endpoint in props.private_endpoints:
            name = f"mpe-{endpoint.key}"
            DataFactoryManagedPrivateEndpoint(
                self,
                f"managed-private-endpoint-{endpoint.key}",
                name=name,
                data_factory_id=self.factory.id,
                target_resource_id=endpoint.target_resource_id,
                subresource_name=endpoint.subresource,
            )
            if endpoint.approve_after_deploy:
                self.approvals.append(
                    EndpointApproval(
                        target_resource_id=endpoint.target_resource_id,
                        private_endpoint_name=f"{props.name}.{name}",
                    )
                )
        Diagnostics(
            self,
            "diagnostics",
            props=DiagnosticsProps(
                target_resource_id=self.factory.id,
                log_analytics_workspace_id=props.log_analytics_workspace_id,
            ),
        )
        self.data_factory_id: str = self.factory.id
        self.principal_id: str = self.factory.identity.principal_id


def literal(value: Any) -> Any:
    """A value from adf/ as Terraform must read it: text. In Terraform's JSON syntax `${` and
    `%{` start template sequences, and `$${` and `%%{` are their escapes ("String Templates",
    https://developer.hashicorp.com/terraform/language/expressions/strings). adf/ holds Data
    Factory JSON, never Terraform, so every marker in it is escaped, in every string."""
    if isinstance(value, str):
        return value.replace("${", "$${").replace("%{", "%%{")
    if isinstance(value, dict):
        return {literal(k): literal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [literal(v) for v in value]
    return value


def _parameter_defaults(
    declared: Mapping[str, object], values: Mapping[str, str]
) -> dict[str, str] | None:
    """Studio parameters (declared: escaped already) as azurerm keeps them, string defaults,
    with the environment's values (the stack's own: references to other resources stay live)."""
    result = {}
    for name, spec in declared.items():
        default = spec.get("defaultValue", "") if isinstance(spec, dict) else ""
        text = default if isinstance(default, str) else json.dumps(default)
        result[name] = values.get(name, text)
    return result or None


@dataclass(frozen=True, kw_only=True)
class AdfArtifactsProps:
    data_factory_id: str
    artifacts: Artifacts
    """datafactory.artifacts.load()."""
    pipeline_parameters: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Pipeline -> parameter -> the environment's value (set as the parameter's default)."""
    start_triggers: bool = False
    """Activate the schedule triggers. Default: off."""
    depends_on: tuple[ITerraformDependable, ...] = ()
    """The integration runtime the linked services connect through."""


class AdfArtifacts(Construct):
    """Linked services, datasets, pipelines and schedule triggers from `adf/`, unchanged."""

    def __init__(self, scope: Construct, id_: str, *, props: AdfArtifactsProps):
        super().__init__(scope, id_)
        factory_id = props.data_factory_id
        services: list[ITerraformDependable] = []
        for name, artifact in sorted(props.artifacts["linkedService"].items()):
            body = literal(artifact.properties)  # every string of adf/ stays text
            via = body.get("connectVia")
            services.append(
                DataFactoryLinkedCustomService(
                    self,
                    f"linked-service-{name}",
                    name=name,
                    data_factory_id=factory_id,
                    type=body["type"],
                    type_properties_json=json.dumps(body.get("typeProperties", {}), sort_keys=True),
                    parameters=_parameter_defaults(body.get("parameters", {}), {}),
                    integration_runtime=DataFactoryLinkedCustomServiceIntegrationRuntime(
                        name=via["referenceName"]
                    )
                    if via
                    else None,
                    description=body.get("description"),
                    annotations=body.get("annotations") or None,
                    depends_on=list(props.depends_on),
                )
            )
        datasets: list[ITerraformDependable] = []
        for name, artifact in sorted(props.artifacts["dataset"].items()):
            body = literal(artifact.properties)  # every string of adf/ stays text
            linked = body["linkedServiceName"]
            datasets.append(
                DataFactoryCustomDataset(
                    self,
                    f"dataset-{name}",
                    name=name,
                    data_factory_id=factory_id,
                    type=body["type"],
                    type_properties_json=json.dumps(body.get("typeProperties", {}), sort_keys=True),
                    linked_service=DataFactoryCustomDatasetLinkedService(
                        name=linked["referenceName"], parameters=linked.get("parameters")
                    ),
                    parameters=_parameter_defaults(body.get("parameters", {}), {}),
                    schema_json=json.dumps(body["schema"]) if body.get("schema") else None,
                    description=body.get("description"),
                    annotations=body.get("annotations") or None,
                    depends_on=services,
                )
            )
        self.pipelines: dict[str, DataFactoryPipeline] = {}
        for name, artifact in sorted(props.artifacts["pipeline"].items()):
            body = literal(artifact.properties)  # every string of adf/ stays text
            self.pipelines[name] = DataFactoryPipeline(
                self,
                f"pipeline-{name}",
                name=name,
                data_factory_id=factory_id,
                activities_json=json.dumps(body.get("activities", []), sort_keys=True),
                parameters=_parameter_defaults(
                    body.get("parameters", {}), props.pipeline_parameters.get(name, {})
                ),
                variables={v: "" for v in body.get("variables", {})} or None,
                description=body.get("description"),
                annotations=body.get("annotations") or None,
                depends_on=datasets,
            )
        for name, artifact in sorted(props.artifacts["trigger"].items()):
            body = literal(artifact.properties)  # every string of adf/ stays text
            if body["type"] != "ScheduleTrigger":
                raise ValueError(
                    f"{artifact.path}: only ScheduleTrigger is deployed; got {body['type']!r}"
                )
            recurrence = body["typeProperties"]["recurrence"]
            (target,) = body["pipelines"]
            pipeline_name = target["pipelineReference"]["referenceName"]
            DataFactoryTriggerSchedule(
                self,
                f"trigger-{name}",
                name=name,
                data_factory_id=factory_id,
                pipeline_name=pipeline_name,
                pipeline_parameters=target.get("parameters") or None,
                frequency=recurrence["frequency"],
                interval=recurrence["interval"],
                start_time=recurrence.get("startTime"),
                time_zone=recurrence.get("timeZone"),
                activated=props.start_triggers,
                description=body.get("description"),
                depends_on=[self.pipelines[pipeline_name]],
            )
