"""`<env>-workloads`: what runs in the workspace (Databricks provider, workspace level only).

A cluster policy and a shared cluster under it, the SQL warehouse dbt runs on, the optional
Key-Vault-backed secret scope, IP access lists when the workspace is public, the notebooks, the
lakehouse module, the source-table contract and the dbt project as workspace files, and the job
bronze -> silver -> dbt with the parameters the notebooks read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cdktf import Fn
from constructs import Construct

from components.lakehouse_code import (
    BRONZE_NOTEBOOK,
    SILVER_NOTEBOOK,
    dbt_requirements,
    lakehouse_files,
)
from components.workloads import (
    ClusterPolicyProps,
    DbtStep,
    InteractiveCluster,
    InteractiveClusterProps,
    KeyVaultSecretScope,
    KeyVaultSecretScopeProps,
    LakehouseClusterPolicy,
    LakehouseJob,
    LakehouseJobProps,
    NotebookStep,
    SqlWarehouse,
    SqlWarehouseProps,
    WorkspaceFiles,
    WorkspaceFilesProps,
    WorkspaceSettings,
    WorkspaceSettingsProps,
    email_destination,
)
from components.workspace_access import (
    GroupEntitlements,
    GroupEntitlementsProps,
    ObjectPermissions,
    ObjectPermissionsProps,
    PersonalComputeAccess,
    PersonalComputeAccessProps,
    WorkloadAccess,
    workload_grants,
)
from platform_config import PlatformConfig
from stacks import providers
from stacks.base import EnvironmentStack

if TYPE_CHECKING:
    from stacks.databricks import DatabricksOutputs
    from stacks.databricks_keys import DatabricksKeysOutputs
    from stacks.governance import GovernanceOutputs
    from stacks.platform import PlatformOutputs
    from stacks.unity_catalog import UnityCatalogOutputs

FORMER_WORKSPACE_CONFS: tuple[str, ...] = (
    "databricks_workspace_conf.ip-access_enable_4A621950",
    "databricks_workspace_conf.workspace-settings_conf_B001B960",
)
"""Where this stack held the workspace conf: at `ip-access` (821e62d) and in WorkspaceSettings
(up to 07bc336). The databricks stack sets it now, where the workspace is created; this stack
forgets it (a `removed` block, destroy = false): deleting a conf resets its enable* keys to
false, IP access lists off (resource_workspace_conf.go). The allow list at its former addresses
(`ip-access_allow_78772768`, `workspace-settings_allow_A4AF256F`) is deleted after the
databricks stack has created its successor (docs/deployment.md, "The IP access list where the
workspace opens")."""


@dataclass(frozen=True, kw_only=True)
class WorkloadsOutputs:
    """What `<env>-workloads` publishes."""

    job_id: str
    """The lakehouse job; Data Factory starts it with the ingest date (job parameter)."""
    sql_warehouse_id: str
    cluster_policy_id: str
    workspace_folder: str


class WorkloadsStack(EnvironmentStack):
    def __init__(
        self,
        scope: Construct,
        *,
        config: PlatformConfig,
        platform: PlatformOutputs,
        databricks: DatabricksOutputs,
        unity_catalog: UnityCatalogOutputs,
        governance: GovernanceOutputs | None = None,
        databricks_keys: DatabricksKeysOutputs | None = None,
    ):
        super().__init__(scope, "workloads", config=config)
        # Clusters write to disks the disk encryption set encrypts: with customer-managed keys,
        # compute starts only once that set holds its key (the databricks-keys stack), which
        # this stack reads, so it deploys after that one and is planned as waiting for it.
        self.keys = self.read(databricks_keys) if databricks_keys is not None else None
        platform = self.read(platform)
        databricks = self.read(databricks)
        unity_catalog = self.read(unity_catalog)
        governance = self.read(governance) if governance is not None else None
        providers.databricks_workspace(
            self,
            workspace_url=databricks.workspace_url,
            workspace_resource_id=databricks.workspace_resource_id,
        )
        self.principal_ids = {
            p.name: p.application_id for p in config.unity_catalog.service_principals
        }
        policy, cluster, warehouse = self._compute()
        if config.workloads.secret_scope.enabled:
            self._secret_scope(platform)
        self._workspace_settings()
        job = self._job(unity_catalog, policy, warehouse)
        self._access(
            databricks,
            governance,
            {
                "cluster_policy": policy.policy_id,
                "cluster": cluster.cluster_id if cluster else None,
                "sql_warehouse": warehouse.warehouse_id,
                "job": job.job_id,
            },
        )
        self.outputs = self.publish(
            WorkloadsOutputs(
                job_id=job.job_id,
                sql_warehouse_id=warehouse.warehouse_id,
                cluster_policy_id=policy.policy_id,
                workspace_folder=config.workspace_folder,
            )
        )

    def _compute(self) -> tuple[LakehouseClusterPolicy, InteractiveCluster | None, SqlWarehouse]:
        """The cluster policy, the shared cluster under it (when on) and the SQL warehouse."""
        work, tags = self.config.workloads, self.tags
        policy = LakehouseClusterPolicy(
            self,
            "cluster-policy",
            props=ClusterPolicyProps(
                name=self.names.lakehouse,
                node_types=work.cluster_policy.node_types,
                spark_versions=work.cluster_policy.spark_versions,
                max_workers=work.cluster_policy.max_workers,
                max_autotermination_minutes=work.cluster_policy.max_autotermination_minutes,
                tags=tags,
            ),
        )
        cluster = None
        if work.cluster.enabled:
            cluster = InteractiveCluster(
                self,
                "cluster",
                props=InteractiveClusterProps(
                    name=self.names.shared_cluster,
                    policy_id=policy.policy_id,
                    spark_version=work.cluster.spark_version,
                    node_type=work.cluster.node_type,
                    min_workers=work.cluster.min_workers,
                    max_workers=work.cluster.max_workers,
                    autotermination_minutes=work.cluster.autotermination_minutes,
                ),
            )
        warehouse = SqlWarehouse(
            self,
            "sql-warehouse",
            props=SqlWarehouseProps(
                name=self.names.sql_warehouse,
                size=work.sql_warehouse.size,
                serverless=work.sql_warehouse.type == "serverless",
                max_clusters=work.sql_warehouse.max_clusters,
                auto_stop_minutes=work.sql_warehouse.auto_stop_minutes,
                tags=tags,
            ),
        )
        if self.keys is not None:
            in_place = {
                "condition": Fn.can(Fn.regex("^/subscriptions/", self.keys.dbfs_root_key_id)),
                "error_message": "The workspace's disk key is not granted yet: apply the "
                "databricks-keys stack first (compute writes to disks that key encrypts).",
            }
            for compute in (cluster.cluster if cluster else None, warehouse.warehouse):
                if compute is not None:
                    compute.add_override("lifecycle.precondition", [in_place])
        return policy, cluster, warehouse

    def _secret_scope(self, platform: PlatformOutputs) -> None:
        """The Key-Vault-backed scope on the Databricks vault, READ for its readers."""
        work = self.config.workloads
        KeyVaultSecretScope(
            self,
            "secret-scope",
            props=KeyVaultSecretScopeProps(
                name=work.secret_scope.name or self.names.databricks_objects,
                key_vault_id=platform.key_vault_databricks.id,
                key_vault_uri=platform.key_vault_databricks.uri,
                readers=tuple(self.principal_ids.get(r, r) for r in work.secret_scope.readers),
            ),
        )

    def _workspace_settings(self) -> None:
        """The legacy settings and the default catalog; the conf this stack held before is
        forgotten, never deleted (FORMER_WORKSPACE_CONFS). No-ops where there is no such state."""
        config, hardening = self.config, self.config.workloads.hardening
        WorkspaceSettings(
            self,
            "workspace-settings",
            props=WorkspaceSettingsProps(
                disable_legacy_access=hardening.disable_legacy_access,
                disable_legacy_dbfs=hardening.disable_legacy_dbfs,
                default_catalog=config.catalog_name if hardening.disable_legacy_access else None,
            ),
        )
        self.add_override(
            "removed",
            [{"from": a, "lifecycle": {"destroy": False}} for a in FORMER_WORKSPACE_CONFS],
        )

    def _job(
        self,
        unity_catalog: UnityCatalogOutputs,
        policy: LakehouseClusterPolicy,
        warehouse: SqlWarehouse,
    ) -> LakehouseJob:
        """The code as workspace files, and the job bronze -> silver -> dbt that runs it."""
        config, work, tags = self.config, self.config.workloads, self.tags
        folder = config.workspace_folder
        files = lakehouse_files(dbt_in_workspace=work.dbt.source == "workspace")
        deployed = WorkspaceFiles(
            self, "workspace-files", props=WorkspaceFilesProps(folder=folder, files=files)
        )
        tables = ",".join(config.ingestion.tables) if config.ingestion.tables else "*"
        catalog = unity_catalog.catalog_name
        run_as = self.principal_ids.get(work.job.run_as) if work.job.run_as else None
        alerts = config.alerts
        destination = (
            email_destination(
                self,
                "alerts-destination",
                display_name=self.names.action_group,
                emails=alerts.emails,
            )
            if alerts
            else None
        )
        job = LakehouseJob(
            self,
            "job",
            props=LakehouseJobProps(
                name=self.names.lakehouse,
                policy_id=policy.policy_id,
                spark_version=work.job.spark_version,
                node_type=work.job.node_type,
                num_workers=work.job.num_workers,
                # Data Factory passes the date it copied; a scheduled run uses its own start date.
                parameters={"ingest_date": "{{job.start_time.iso_date}}"},
                steps=(
                    NotebookStep(
                        key="bronze",
                        notebook_path=deployed.notebooks[BRONZE_NOTEBOOK],
                        parameters={
                            "catalog": catalog,
                            "schema": unity_catalog.bronze_schema,
                            "landing_path": unity_catalog.landing_url,
                            "tables": tables,
                        },
                    ),
                    NotebookStep(
                        key="silver",
                        notebook_path=deployed.notebooks[SILVER_NOTEBOOK],
                        parameters={
                            "catalog": catalog,
                            "bronze_schema": unity_catalog.bronze_schema,
                            "silver_schema": unity_catalog.silver_schema,
                            "tables": tables,
                            "ingest_date": "{{job.parameters.ingest_date}}",
                            "table_format": "delta",
                        },
                        depends_on=("bronze",),
                    ),
                ),
                dbt=DbtStep(
                    key="dbt",
                    project_directory=f"{folder}/dbt" if work.dbt.source == "workspace" else "dbt",
                    commands=("dbt build",),
                    warehouse_id=warehouse.warehouse_id,
                    catalog=catalog,
                    schema=unity_catalog.gold_schema,
                    libraries=dbt_requirements(),
                    depends_on=("silver",),
                    git_url=work.dbt.git_url if work.dbt.source == "git" else None,
                    git_branch=work.dbt.git_branch,
                    pypi_repo=work.job.pypi_index_url,
                ),
                run_as_application_id=run_as,
                schedule=work.job.schedule if work.job.trigger == "schedule" else None,
                timezone=work.job.timezone,
                file_arrival_url=f"{unity_catalog.landing_url}/"
                if work.job.trigger == "file_arrival"
                else None,
                notify_on_failure=work.job.notify_on_failure,
                destination_id=destination.id if destination else None,
                duration_warning_seconds=alerts.job_duration_warning_minutes * 60
                if alerts
                else None,
                tags=tags,
            ),
        )

        return job

    def _access(
        self,
        databricks: DatabricksOutputs,
        governance: GovernanceOutputs | None,
        objects: dict[str, str | None],
    ) -> None:
        """Who may use what: each object's permissions, entitlements, Personal Compute."""
        config, work = self.config, self.config.workloads
        grants = workload_grants(
            WorkloadAccess(
                admin_group=config.admin_group_name,
                service_principals=self.principal_ids,
                run_as=work.job.run_as,
                pipeline_client_id=databricks.pipeline_identity_client_id,
                purview_client_id=governance.purview_client_id if governance else None,
                configured=work.permissions.model_dump(),
            )
        )
        for kind, object_id in objects.items():
            if object_id is None:
                continue
            ObjectPermissions(
                self,
                f"permissions-{kind.replace('_', '-')}",
                props=ObjectPermissionsProps(
                    object_type=kind,
                    object_id=object_id,
                    grants=grants[kind],
                ),
            )
        if work.entitlements:
            GroupEntitlements(
                self,
                "entitlements",
                props=GroupEntitlementsProps(entitlements=dict(work.entitlements)),
            )
        PersonalComputeAccess(
            self,
            "personal-compute",
            props=PersonalComputeAccessProps(
                groups=work.personal_compute, admin_group=config.admin_group_name
            ),
        )
