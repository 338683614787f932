"""What runs in the workspace: a cluster policy and a cluster under it, a SQL warehouse for dbt,
a Key-Vault-backed secret scope, the legacy settings and the default catalog, the notebooks, the
lakehouse module and the dbt project as workspace files, and the job that runs bronze -> silver
-> dbt (Databricks provider, workspace level)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cdktf import AssetType, TerraformAsset
from cdktf_cdktf_provider_databricks.cluster import Cluster, ClusterAutoscale
from cdktf_cdktf_provider_databricks.cluster_policy import ClusterPolicy
from cdktf_cdktf_provider_databricks.default_namespace_setting import (
    DefaultNamespaceSetting,
    DefaultNamespaceSettingNamespace,
)
from cdktf_cdktf_provider_databricks.directory import Directory
from cdktf_cdktf_provider_databricks.disable_legacy_access_setting import (
    DisableLegacyAccessSetting,
    DisableLegacyAccessSettingDisableLegacyAccess,
)
from cdktf_cdktf_provider_databricks.disable_legacy_dbfs_setting import (
    DisableLegacyDbfsSetting,
    DisableLegacyDbfsSettingDisableLegacyDbfs,
)
from cdktf_cdktf_provider_databricks.job import (
    Job,
    JobEmailNotifications,
    JobGitSource,
    JobHealth,
    JobHealthRules,
    JobJobCluster,
    JobJobClusterNewCluster,
    JobParameter,
    JobRunAs,
    JobSchedule,
    JobTask,
    JobTaskDbtTask,
    JobTaskDependsOn,
    JobTaskLibrary,
    JobTaskLibraryPypi,
    JobTaskNotebookTask,
    JobTrigger,
    JobTriggerFileArrival,
    JobWebhookNotifications,
    JobWebhookNotificationsOnDurationWarningThresholdExceeded,
    JobWebhookNotificationsOnFailure,
)
from cdktf_cdktf_provider_databricks.notebook import Notebook
from cdktf_cdktf_provider_databricks.notification_destination import (
    NotificationDestination,
    NotificationDestinationConfigA,
    NotificationDestinationConfigEmail,
)
from cdktf_cdktf_provider_databricks.secret_acl import SecretAcl
from cdktf_cdktf_provider_databricks.secret_scope import SecretScope, SecretScopeKeyvaultMetadata
from cdktf_cdktf_provider_databricks.sql_endpoint import (
    SqlEndpoint,
    SqlEndpointTags,
    SqlEndpointTagsCustomTags,
)
from cdktf_cdktf_provider_databricks.workspace_file import WorkspaceFile
from constructs import Construct

from vocabulary.databricks import EXACT_PIN, quartz_cron_problem

# Unity Catalog access modes: shared (interactive) and dedicated to one principal (jobs).
ACCESS_MODES = ("USER_ISOLATION", "SINGLE_USER")
NOTEBOOK_HEADER = "# Databricks notebook source"


@dataclass(frozen=True, kw_only=True)
class ClusterPolicyProps:
    name: str
    node_types: tuple[str, ...]
    spark_versions: tuple[str, ...]
    max_workers: int
    max_autotermination_minutes: int
    tags: Mapping[str, str] = field(default_factory=dict)
    """Fixed custom tags on every cluster under the policy. Default: none."""


class LakehouseClusterPolicy(Construct):
    """Unity Catalog access modes only, allowed node types and runtimes, bounded autoscale and
    auto-termination, the environment's tags fixed."""

    def __init__(self, scope: Construct, id_: str, *, props: ClusterPolicyProps):
        super().__init__(scope, id_)
        if not props.node_types or not props.spark_versions:
            raise ValueError("node_types and spark_versions must each allow at least one value")
        definition: dict[str, dict[str, object]] = {
            "data_security_mode": {
                "type": "allowlist",
                "values": list(ACCESS_MODES),
                "defaultValue": "USER_ISOLATION",
            },
            "node_type_id": {
                "type": "allowlist",
                "values": list(props.node_types),
                "defaultValue": props.node_types[0],
            },
            "driver_node_type_id": {
                "type": "allowlist",
                "values": list(props.node_types),
                "defaultValue": props.node_types[0],
            },
            "spark_version": {
                "type": "allowlist",
                "values": list(props.spark_versions),
                "defaultValue": props.spark_versions[0],
            },
            "autoscale.max_workers": {"type": "range", "maxValue": props.max_workers},
            "num_workers": {"type": "range", "maxValue": props.max_workers, "isOptional": True},
            "autotermination_minutes": {
                "type": "range",
                "minValue": 10,
                "maxValue": props.max_autotermination_minutes,
                "defaultValue": min(30, props.max_autotermination_minutes),
                "isOptional": True,
            },
            "azure_attributes.availability": {"type": "fixed", "value": "ON_DEMAND_AZURE"},
        }
        for key, value in sorted(props.tags.items()):
            definition[f"custom_tags.{key}"] = {"type": "fixed", "value": value}
        self.policy = ClusterPolicy(
            self,
            "policy",
            name=props.name,
            definition=json.dumps(definition, sort_keys=True),
            description="Unity Catalog access modes, approved node types and runtimes, "
            "bounded size and idle time.",
        )
        self.policy_id: str = self.policy.id
        self.definition = definition


@dataclass(frozen=True, kw_only=True)
class InteractiveClusterProps:
    name: str
    policy_id: str
    spark_version: str
    node_type: str
    min_workers: int
    max_workers: int
    autotermination_minutes: int


class InteractiveCluster(Construct):
    """A shared (USER_ISOLATION) Unity Catalog cluster under the policy."""

    def __init__(self, scope: Construct, id_: str, *, props: InteractiveClusterProps):
        super().__init__(scope, id_)
        if props.min_workers > props.max_workers:
            raise ValueError(
                f"min_workers ({props.min_workers}) must be at most max_workers "
                f"({props.max_workers})"
            )
        self.cluster = Cluster(
            self,
            "cluster",
            cluster_name=props.name,
            policy_id=props.policy_id,
            apply_policy_default_values=True,
            data_security_mode="USER_ISOLATION",
            spark_version=props.spark_version,
            node_type_id=props.node_type,
            autoscale=ClusterAutoscale(
                min_workers=props.min_workers, max_workers=props.max_workers
            ),
            autotermination_minutes=props.autotermination_minutes,
            no_wait=True,
        )
        self.cluster_id: str = self.cluster.id


@dataclass(frozen=True, kw_only=True)
class SqlWarehouseProps:
    name: str
    size: str
    serverless: bool = False
    """Default: classic pro compute in the VNet-injected data plane."""
    max_clusters: int = 1
    auto_stop_minutes: int = 10
    tags: Mapping[str, str] = field(default_factory=dict)


class SqlWarehouse(Construct):
    def __init__(self, scope: Construct, id_: str, *, props: SqlWarehouseProps):
        super().__init__(scope, id_)
        self.warehouse = SqlEndpoint(
            self,
            "warehouse",
            name=props.name,
            cluster_size=props.size,
            warehouse_type="PRO",
            enable_serverless_compute=props.serverless,
            enable_photon=True,
            min_num_clusters=1,
            max_num_clusters=props.max_clusters,
            auto_stop_mins=props.auto_stop_minutes,
            tags=SqlEndpointTags(
                custom_tags=[
                    SqlEndpointTagsCustomTags(key=k, value=v) for k, v in sorted(props.tags.items())
                ]
            )
            if props.tags
            else None,
        )
        self.warehouse_id: str = self.warehouse.id
        self.http_path: str = f"/sql/1.0/warehouses/{self.warehouse.id}"


@dataclass(frozen=True, kw_only=True)
class KeyVaultSecretScopeProps:
    name: str
    key_vault_id: str
    key_vault_uri: str
    readers: tuple[str, ...] = ()
    """Principals (group names, service principal application ids) with READ."""


class KeyVaultSecretScope(Construct):
    """A secret scope backed by the dedicated Databricks Key Vault, with READ ACLs."""

    def __init__(self, scope: Construct, id_: str, *, props: KeyVaultSecretScopeProps):
        super().__init__(scope, id_)
        self.scope = SecretScope(
            self,
            "scope",
            name=props.name,
            backend_type="AZURE_KEYVAULT",
            keyvault_metadata=SecretScopeKeyvaultMetadata(
                resource_id=props.key_vault_id, dns_name=props.key_vault_uri
            ),
        )
        for reader in props.readers:
            SecretAcl(
                self,
                f"read-{reader}",
                scope=self.scope.name,
                principal=reader,
                permission="READ",
            )
        self.scope_name: str = self.scope.name


@dataclass(frozen=True, kw_only=True)
class WorkspaceSettingsProps:
    disable_legacy_access: bool = False
    """databricks_disable_legacy_access_setting. Default: off."""
    disable_legacy_dbfs: bool = False
    """databricks_disable_legacy_dbfs_setting. Default: off."""
    default_catalog: str | None = None
    """The workspace's default catalog (databricks_default_namespace_setting): unqualified
    names resolve in it. Default: the workspace's (hive_metastore)."""


class WorkspaceSettings(Construct):
    """The workspace's legacy-feature settings and its default catalog (which needs the
    catalog, made by the unity-catalog stack). The conf (hardening keys, IP access lists) and
    the allow list are the databricks stack's, set where the workspace is created
    (components/workspace_conf.py); enhanced security monitoring and the compliance profile are
    the workspace resource's on Azure."""

    def __init__(self, scope: Construct, id_: str, *, props: WorkspaceSettingsProps):
        super().__init__(scope, id_)
        if props.disable_legacy_access:
            DisableLegacyAccessSetting(
                self,
                "disable-legacy-access",
                disable_legacy_access=DisableLegacyAccessSettingDisableLegacyAccess(value=True),
            )
        if props.disable_legacy_dbfs:
            DisableLegacyDbfsSetting(
                self,
                "disable-legacy-dbfs",
                disable_legacy_dbfs=DisableLegacyDbfsSettingDisableLegacyDbfs(value=True),
            )
        if props.default_catalog is not None:
            # Where legacy access is off, hive_metastore (the default) no longer answers:
            # unqualified queries would fail ("databricks_disable_legacy_access_setting" page).
            DefaultNamespaceSetting(
                self,
                "default-namespace",
                namespace=DefaultNamespaceSettingNamespace(value=props.default_catalog),
            )


@dataclass(frozen=True, kw_only=True)
class WorkspaceFilesProps:
    folder: str
    """Absolute workspace folder the files go under."""
    files: tuple[tuple[Path, str], ...]
    """(local file, path relative to folder). A .py file that starts with the notebook header is
    deployed as a source notebook (its workspace path without .py); anything else as a file."""


class WorkspaceFiles(Construct):
    """Files of the repository in the workspace, carried in the synthesized stack as assets, so a
    changed file changes the plan and the output does not depend on the checkout's path."""

    def __init__(self, scope: Construct, id_: str, *, props: WorkspaceFilesProps):
        super().__init__(scope, id_)
        if not props.folder.startswith("/"):
            raise ValueError(f"folder {props.folder!r} must be an absolute workspace path")
        self.directory = Directory(self, "folder", path=props.folder)
        self.notebooks: dict[str, str] = {}
        """Relative path without .py -> workspace path, for every notebook."""
        self.files: dict[str, str] = {}
        for local, relative in props.files:
            asset = TerraformAsset(
                self, f"asset-{relative}", path=str(local.resolve()), type=AssetType.FILE
            )
            target = f"{props.folder}/{relative}"
            if local.suffix == ".py" and local.read_text("utf-8").startswith(NOTEBOOK_HEADER):
                path = target.removesuffix(".py")
                Notebook(
                    self,
                    f"notebook-{relative}",
                    path=path,
                    source=asset.path,
                    language="PYTHON",
                    depends_on=[self.directory],
                )
                self.notebooks[relative.removesuffix(".py")] = path
            else:
                WorkspaceFile(
                    self,
                    f"file-{relative}",
                    path=target,
                    source=asset.path,
                    depends_on=[self.directory],
                )
                self.files[relative] = target


@dataclass(frozen=True, kw_only=True)
class NotebookStep:
    key: str
    notebook_path: str
    parameters: Mapping[str, str]
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class DbtStep:
    key: str
    project_directory: str
    """Workspace folder of the project, or its folder in the Git repository (source git)."""
    commands: tuple[str, ...]
    warehouse_id: str
    catalog: str
    schema: str
    libraries: tuple[str, ...]
    """pip requirements the dbt CLI runs with, each pinned exactly (dbt-databricks==1.11.8,
    dbt-core==1.11.8): the versions the project's tests parse and compile."""
    depends_on: tuple[str, ...] = ()
    git_url: str | None = None
    git_branch: str = "main"
    pypi_repo: str | None = None
    """The package index the libraries install from. Default: the public PyPI."""


@dataclass(frozen=True, kw_only=True)
class LakehouseJobProps:
    name: str
    policy_id: str
    spark_version: str
    node_type: str
    num_workers: int
    steps: tuple[NotebookStep, ...]
    dbt: DbtStep | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)
    """Job parameters and their defaults (tasks read them as {{job.parameters.<name>}})."""
    cluster_env: Mapping[str, str] = field(default_factory=dict)
    """Environment of the job cluster (dbt's profile reads it)."""
    run_as_application_id: str | None = None
    """Default: the deploying principal."""
    schedule: str | None = None
    """Quartz cron. Default: no schedule."""
    timezone: str = "UTC"
    file_arrival_url: str | None = None
    """Start a run when files arrive under this external-location URL. Default: off."""
    notify_on_failure: tuple[str, ...] = ()
    destination_id: str | None = None
    """A notification destination told of each failed run and of each run past
    duration_warning_seconds. Default: none."""
    duration_warning_seconds: int | None = None
    """The job's health rule: a run longer than this warns the destination. Default: none."""
    tags: Mapping[str, str] = field(default_factory=dict)


class LakehouseJob(Construct):
    """One job: notebook tasks in order, then the dbt task on the SQL warehouse, on a job cluster
    under the policy in Unity Catalog's dedicated access mode."""

    def __init__(self, scope: Construct, id_: str, *, props: LakehouseJobProps):
        super().__init__(scope, id_)
        if props.schedule and props.file_arrival_url:
            raise ValueError("a job starts on a schedule or on file arrival, not both")
        if props.schedule:
            problem = quartz_cron_problem(props.schedule)
            if problem:
                raise ValueError(f"schedule {props.schedule!r}: {problem}")
        ordered: list[NotebookStep | DbtStep] = [*props.steps]
        if props.dbt is not None:
            ordered.append(props.dbt)
        keys = [step.key for step in ordered]
        for step in ordered:
            unknown = [d for d in step.depends_on if d not in keys[: keys.index(step.key)]]
            if unknown:
                raise ValueError(f"task {step.key!r} depends on {unknown}, not an earlier task")
        cluster_key = "lakehouse"
        tasks = [
            JobTask(
                task_key=step.key,
                job_cluster_key=cluster_key,
                notebook_task=JobTaskNotebookTask(
                    notebook_path=step.notebook_path,
                    source="WORKSPACE",
                    base_parameters=dict(step.parameters),
                ),
                depends_on=[JobTaskDependsOn(task_key=d) for d in step.depends_on] or None,
            )
            for step in props.steps
        ]
        git_source = None
        if props.dbt is not None:
            dbt = props.dbt
            loose = [r for r in dbt.libraries if not EXACT_PIN.match(r)]
            if not dbt.libraries or loose:
                raise ValueError(
                    f"DbtStep.libraries = {list(dbt.libraries)}: each must be pinned exactly "
                    "(name==version), so the job runs the dbt that the tests ran"
                )
            tasks.append(
                JobTask(
                    task_key=dbt.key,
                    job_cluster_key=cluster_key,
                    # With a warehouse, Databricks generates the profile (the SQL warehouse,
                    # catalog and schema below, the Run As principal's token); the Jobs API
                    # accepts profiles_directory only without warehouse_id.
                    dbt_task=JobTaskDbtTask(
                        project_directory=dbt.project_directory,
                        commands=list(dbt.commands),
                        warehouse_id=dbt.warehouse_id,
                        catalog=dbt.catalog,
                        schema=dbt.schema,
                        source="GIT" if dbt.git_url else "WORKSPACE",
                    ),
                    library=[
                        JobTaskLibrary(
                            pypi=JobTaskLibraryPypi(package=requirement, repo=dbt.pypi_repo)
                        )
                        for requirement in dbt.libraries
                    ],
                    depends_on=[JobTaskDependsOn(task_key=d) for d in dbt.depends_on] or None,
                )
            )
            if dbt.git_url:
                git_source = JobGitSource(url=dbt.git_url, branch=dbt.git_branch)
        self.job = Job(
            self,
            "job",
            name=props.name,
            max_concurrent_runs=1,
            parameter=[JobParameter(name=k, default=v) for k, v in props.parameters.items()]
            or None,
            job_cluster=[
                JobJobCluster(
                    job_cluster_key=cluster_key,
                    new_cluster=JobJobClusterNewCluster(
                        policy_id=props.policy_id,
                        # Only the policy's fixed values (tags, availability): its defaults
                        # include the interactive clusters' autotermination_minutes, which job
                        # compute does not take (it ends with its run).
                        apply_policy_default_values=False,
                        data_security_mode="SINGLE_USER",
                        single_user_name=props.run_as_application_id,
                        spark_version=props.spark_version,
                        node_type_id=props.node_type,
                        num_workers=props.num_workers,
                        spark_env_vars=dict(props.cluster_env) or None,
                    ),
                )
            ],
            task=tasks,
            git_source=git_source,
            run_as=JobRunAs(service_principal_name=props.run_as_application_id)
            if props.run_as_application_id
            else None,
            schedule=JobSchedule(
                quartz_cron_expression=props.schedule,
                timezone_id=props.timezone,
                pause_status="UNPAUSED",
            )
            if props.schedule
            else None,
            trigger=JobTrigger(
                file_arrival=JobTriggerFileArrival(url=props.file_arrival_url),
                pause_status="UNPAUSED",
            )
            if props.file_arrival_url
            else None,
            email_notifications=JobEmailNotifications(on_failure=list(props.notify_on_failure))
            if props.notify_on_failure
            else None,
            webhook_notifications=JobWebhookNotifications(
                on_failure=[JobWebhookNotificationsOnFailure(id=props.destination_id)],
                on_duration_warning_threshold_exceeded=[
                    JobWebhookNotificationsOnDurationWarningThresholdExceeded(
                        id=props.destination_id
                    )
                ]
                if props.duration_warning_seconds
                else None,
            )
            if props.destination_id
            else None,
            health=JobHealth(
                rules=[
                    JobHealthRules(
                        metric="RUN_DURATION_SECONDS",
                        op="GREATER_THAN",
                        value=props.duration_warning_seconds,
                    )
                ]
            )
            if props.duration_warning_seconds
            else None,
            tags=dict(props.tags) or None,
        )
        self.job_id: str = self.job.id


def email_destination(
    scope: Construct, id_: str, *, display_name: str, emails: tuple[str, ...]
) -> NotificationDestination:
    """A workspace notification destination that e-mails these addresses (the jobs notify it
    by its id: "Add email and system notifications for job events")."""
    if not emails:
        raise ValueError("emails must name at least one address")
    return NotificationDestination(
        scope,
        id_,
        display_name=display_name,
        config=NotificationDestinationConfigA(
            email=NotificationDestinationConfigEmail(addresses=list(emails))
        ),
    )
