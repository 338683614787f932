"""`<env>-ingestion` (when `ingestion.source` is set): Data Factory copies the selected source
tables to landing and starts the lakehouse job.

The factory has a system-assigned identity, a managed virtual network and no public access; its
integration runtime runs in that network and reaches the lake (dfs), the platform Key Vault and
the source SQL server through managed private endpoints. Those are created pending and must be
approved on their targets (docs/ingestion.md). The artefacts of `adf/` are deployed unchanged;
what differs per environment is passed as the copy pipeline's parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cdktf import TerraformOutput
from cdktf_cdktf_provider_azurerm.data_factory import DataFactoryGithubConfiguration
from cdktf_cdktf_provider_azurerm.role_assignment import RoleAssignment
from constructs import Construct

from components.alerts import MetricAlertProps, metric_alert
from components.ingestion import (
    AdfArtifacts,
    AdfArtifactsProps,
    DataFactoryProps,
    FactoryKey,
    ManagedDataFactory,
    ManagedPrivateEndpointSpec,
)
from datafactory import copy_pipeline
from datafactory.artifacts import JOB_CREDENTIAL, Artifacts
from datafactory.copy_pipeline import COPY_PIPELINE
from platform_config import PlatformConfig
from platform_config.data_contract import layers, shipped_contract
from stacks import providers
from stacks.base import EnvironmentStack
from vocabulary import monitoring
from vocabulary.platform import APPROVALS_OUTPUT

if TYPE_CHECKING:
    from stacks.databricks import DatabricksOutputs
    from stacks.platform import PlatformOutputs
    from stacks.workloads import WorkloadsOutputs

INTEGRATION_RUNTIME = "ir-managed-vnet"


@dataclass(frozen=True, kw_only=True)
class IngestionOutputs:
    """What `<env>-ingestion` publishes."""

    data_factory_id: str
    data_factory_principal_id: str


def tables_parameter(config: PlatformConfig) -> str:
    """The copy pipeline's `tables` parameter: the contract tables the config selects."""
    return copy_pipeline.tables_parameter(shipped_contract().select(config.ingestion.tables))


class IngestionStack(EnvironmentStack):
    def __init__(
        self,
        scope: Construct,
        *,
        config: PlatformConfig,
        platform: PlatformOutputs,
        databricks: DatabricksOutputs,
        workloads: WorkloadsOutputs,
        artifacts: Artifacts,
    ):
        """artifacts: adf/ as datafactory.artifacts.load() returns it, validated."""
        super().__init__(scope, "ingestion", config=config)
        platform = self.read(platform)
        databricks = self.read(databricks)
        workloads = self.read(workloads)
        self.azurerm_provider = providers.azurerm(self, subscription_id=config.subscription_id)
        source = config.ingestion.source
        assert source is not None  # build_environment builds this stack only with a source
        git = config.ingestion.git
        factory = ManagedDataFactory(
            self,
            "data-factory",
            props=DataFactoryProps(
                name=self.names.data_factory,
                placement=self.placement,
                integration_runtime=artifacts["integrationRuntime"][INTEGRATION_RUNTIME],
                private_endpoints=(
                    ManagedPrivateEndpointSpec(
                        key="lake-dfs",
                        target_resource_id=platform.lake.storage_account_id,
                        subresource="dfs",
                        approve_after_deploy=True,
                    ),
                    ManagedPrivateEndpointSpec(
                        key="kv-platform",
                        target_resource_id=platform.key_vault_platform.id,
                        subresource="vault",
                        approve_after_deploy=True,
                    ),
                    # The copy pipeline starts the lakehouse job through the workspace's REST API,
                    # from the managed virtual network (its Web activity's connectVia).
                    ManagedPrivateEndpointSpec(
                        key="databricks-ui-api",
                        target_resource_id=databricks.workspace_resource_id,
                        subresource="databricks_ui_api",
                        approve_after_deploy=True,
                    ),
                    ManagedPrivateEndpointSpec(
                        key="source-sql",
                        target_resource_id=source.server_id,
                        subresource="sqlServer",
                    ),
                ),
                log_analytics_workspace_id=platform.log_analytics_workspace_id,
                user_assigned_identities={JOB_CREDENTIAL: databricks.pipeline_identity_id}
                if databricks.pipeline_identity_id
                else {},
                git=DataFactoryGithubConfiguration(
                    account_name=git.account_name,
                    repository_name=git.repository_name,
                    branch_name=git.branch_name,
                    root_folder="/adf",
                    publishing_enabled=False,
                )
                if git
                else None,
                customer_managed_key=FactoryKey(
                    key_id=platform.customer_managed_keys["data-factory"].versionless_id,
                    identity_id=platform.data_factory_key_identity_id,
                )
                if platform.data_factory_key_identity_id
                else None,
            ),
        )
        # Read after apply by tooling/approve_endpoints.py (the deploy workflow): the pending
        # connections on the lake and the vault, which the platform owns. The source server's
        # owner approves its own (docs/ingestion.md).
        TerraformOutput(
            self,
            APPROVALS_OUTPUT,
            value=[
                {
                    "target_resource_id": approval.target_resource_id,
                    "private_endpoint_name": approval.private_endpoint_name,
                }
                for approval in factory.approvals
            ],
            description="Managed private endpoints whose connections the deploy approves",
        )
        self._factory_roles(factory, platform)
        AdfArtifacts(
            self,
            "artifacts",
            props=AdfArtifactsProps(
                data_factory_id=factory.data_factory_id,
                artifacts=artifacts,
                pipeline_parameters={
                    COPY_PIPELINE: {
                        "tables": tables_parameter(config),
                        "vaultUri": platform.key_vault_platform.uri,
                        "connectionSecretName": source.connection_secret_name,
                        "dfsUrl": platform.lake.dfs_endpoint,
                        "workspaceUrl": databricks.workspace_url,
                        "jobId": workloads.job_id,
                    }
                },
                start_triggers=config.ingestion.schedule,
                depends_on=(factory.integration_runtime,),
            ),
        )
        if platform.action_group_id is not None and config.alerts is not None:
            # Azure Monitor Baseline Alerts, Data Factory: failed pipeline runs. The pipeline
            # also fails when the lakehouse job it starts fails, so this reaches the webhook too.
            metric_alert(
                self,
                "alert-pipeline-failed",
                MetricAlertProps(
                    name=f"{self.names.alert_prefix}-pipeline-failed",
                    description=f"{COPY_PIPELINE} failed (docs/operations.md, copy pipeline).",
                    placement=self.placement,
                    target_resource_id=factory.data_factory_id,
                    namespace=monitoring.FACTORIES,
                    metric="PipelineFailedRuns",
                    aggregation="Total",
                    operator="GreaterThanOrEqual",
                    threshold=config.alerts.pipeline_failed_runs,
                    dimensions={"Name": (COPY_PIPELINE,)},
                    action_group_id=platform.action_group_id,
                    window="PT1H",
                    frequency="PT15M",
                    severity=1,
                ),
            )
        self.outputs = self.publish(
            IngestionOutputs(
                data_factory_id=factory.data_factory_id,
                data_factory_principal_id=factory.principal_id,
            )
        )

    def _factory_roles(self, factory: ManagedDataFactory, platform: PlatformOutputs) -> None:
        """Least privilege for the factory's identity: it writes landing and reads the
        connection secret."""
        for key, scope_id, role in (
            (
                "landing-writer",
                platform.lake.container_ids[layers.LANDING],
                "Storage Blob Data Contributor",
            ),
            ("secrets-reader", platform.key_vault_platform.id, "Key Vault Secrets User"),
            # No Azure role on the workspace: the job is started with the pipeline identity
            # (credential JOB_CREDENTIAL), a workspace service principal with CAN_MANAGE_RUN on
            # the job alone (the workloads stack).
        ):
            RoleAssignment(
                self,
                key,
                scope=scope_id,
                role_definition_name=role,
                principal_id=factory.principal_id,
                principal_type="ServicePrincipal",
            )
