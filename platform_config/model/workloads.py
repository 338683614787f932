"""`workloads`: compute, the job, permissions and the workspace's hardening."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from platform_config.model.base import (
    Cidr,
    Email,
    Guid,
    HttpsUrl,
    NodeType,
    PrincipalName,
    QuartzCron,
    SecretScopeName,
    SparkVersion,
    TimeZone,
    WorkspaceFolder,
    _Model,
)
from vocabulary import databricks
from vocabulary.azure import ComplianceStandard


class ClusterPolicyConfig(_Model):
    node_types: tuple[NodeType, ...] = Field(
        default=("Standard_D4ds_v5", "Standard_D8ds_v5"),
        min_length=1,
        description="VM sizes clusters may use. Default: Standard_D4ds_v5, Standard_D8ds_v5.",
    )
    spark_versions: tuple[SparkVersion, ...] = Field(
        default=("15.4.x-scala2.12", "16.4.x-scala2.12"),
        min_length=1,
        description="Databricks Runtime versions clusters may use (the notebooks need 14.3 LTS or"
        " newer).",
    )
    max_workers: int = Field(
        default=4, ge=1, le=100, description="Autoscale and job-cluster ceiling, 1-100."
    )
    max_autotermination_minutes: int = Field(
        default=60,
        ge=10,
        le=1440,
        description="The longest idle time of an interactive cluster, 10-1440 minutes.",
    )


class InteractiveCluster(_Model):
    enabled: bool = Field(
        default=True,
        description="The shared interactive cluster (USER_ISOLATION, under the policy).",
    )
    node_type: NodeType = Field(
        default="Standard_D4ds_v5", description="One of the policy's node types."
    )
    spark_version: SparkVersion = Field(
        default="15.4.x-scala2.12", description="One of the policy's runtimes."
    )
    min_workers: int = Field(default=1, ge=0, le=100, description="At most max_workers.")
    max_workers: int = Field(
        default=2, ge=1, le=100, description="At most the policy's max_workers."
    )
    autotermination_minutes: int = Field(
        default=30,
        ge=10,
        le=1440,
        description="Idle minutes before it stops; at most the policy's "
        "max_autotermination_minutes.",
    )


class SqlWarehouse(_Model):
    type: Literal["pro", "serverless"] = Field(
        default="pro",
        description="pro: classic compute in the VNet-injected data plane, reaching the private "
        "lake through its private endpoints. serverless: Databricks-hosted compute, which needs a "
        "network connectivity configuration with private endpoints to the lake "
        "(docs/workloads.md). "
        "Default: pro.",
    )
    size: Literal["2X-Small", "X-Small", "Small", "Medium", "Large"] = Field(
        default="2X-Small", description="Cluster size. Default: 2X-Small."
    )
    max_clusters: int = Field(default=1, ge=1, le=10, description="Scaling ceiling, 1-10.")
    auto_stop_minutes: int = Field(
        default=10, ge=1, le=1440, description="Idle minutes before it stops, 1-1440."
    )


class SecretScopeConfig(_Model):
    enabled: bool = Field(
        default=False,
        description="A Key-Vault-backed secret scope on the Databricks vault; creating one needs "
        'Azure (not PAT) authentication with rights on the vault (README: "The secret'
        ' scope").',
    )
    name: SecretScopeName | None = Field(
        default=None,
        description="1-128 letters, digits, dashes, underscores, @ and periods. Default: "
        "<prefix>-<environment>.",
    )
    readers: tuple[PrincipalName, ...] = Field(
        default=(),
        description="Principals of unity_catalog (or the admin group) with READ on the scope.",
    )
    azure_databricks_object_id: Guid | None = Field(
        default=None,
        description="Former home of `databricks.azure_databricks_object_id`, still read; set "
        "that one instead (both at once is an error).",
    )


class IpAccess(_Model):
    allow: tuple[Cidr, ...] = Field(
        default=(),
        description="CIDRs allowed to reach the workspace; not allowed while the workspace is "
        "private.",
        json_schema_extra={"required": "with public access"},
    )
    waive_allow_list: bool = Field(
        default=False,
        description="Accept a public workspace without an allow list (not recommended).",
    )


class WorkspaceHardening(_Model):
    """Workspace settings a security review asks for. Each unset field leaves the workspace's
    own setting alone (Databricks' default); prod sets them."""

    max_token_lifetime_days: int | None = Field(
        default=None,
        ge=1,
        le=730,
        description="Maximum lifetime of new personal access tokens, 1-730 days "
        "(maxTokenLifetimeDays; existing tokens keep theirs). Default: the workspace's (730).",
    )
    dbfs_file_browser: bool | None = Field(
        default=None,
        description="The DBFS file browser in the workspace UI (enableDbfsFileBrowser). "
        "Default: the workspace's (off).",
    )
    results_download: bool | None = Field(
        default=None,
        description="Downloading notebook and query results (enableResultsDownloading). "
        "Default: the workspace's (on).",
    )
    notebook_export: bool | None = Field(
        default=None,
        description="Exporting notebooks (enableExportNotebook). Default: the workspace's (on).",
    )
    web_terminal: bool | None = Field(
        default=None,
        description="The web terminal on clusters (enableWebTerminal). Default: the workspace's.",
    )
    verbose_audit_logs: bool | None = Field(
        default=None,
        description="Verbose audit logs: every notebook command and SQL statement run is "
        "logged (enableVerboseAuditLogs). Default: the workspace's (off).",
    )
    disable_legacy_access: bool = Field(
        default=False,
        description="Turn off legacy access: the Hive metastore, no-isolation clusters, "
        "credential passthrough (databricks_disable_legacy_access_setting). Default: off.",
    )
    disable_legacy_dbfs: bool = Field(
        default=False,
        description="Turn off the DBFS root and mounts (databricks_disable_legacy_dbfs_setting; "
        "the platform's data is in Unity Catalog). Default: off.",
    )
    enhanced_security_monitoring: bool = Field(
        default=False,
        description="Enhanced security monitoring, set on the workspace resource (azurerm's "
        "enhanced_security_compliance; the add-on is bought for the workspace). Default: off.",
    )
    automatic_cluster_update: bool = Field(
        default=False,
        description="Automatic cluster updates in the maintenance window, set on the workspace "
        "resource (the enhanced security and compliance add-on). Default: off.",
    )
    compliance_security_profile: tuple[ComplianceStandard, ...] | None = Field(
        default=None,
        description="Turn the compliance security profile on with these standards (HIPAA, "
        "PCI_DSS, or [] for none), on the workspace resource. It needs "
        "enhanced_security_monitoring and automatic_cluster_update; turning it off, or "
        "dropping a standard, replaces the workspace (azurerm), which prevent_destroy refuses. "
        "Default: off.",
    )

    def workspace_conf(self) -> dict[str, str]:
        """The databricks_workspace_conf keys these settings set."""
        values: dict[str, str] = {}
        if self.max_token_lifetime_days is not None:
            values["maxTokenLifetimeDays"] = str(self.max_token_lifetime_days)
        for field, key in (
            ("dbfs_file_browser", "enableDbfsFileBrowser"),
            ("results_download", "enableResultsDownloading"),
            ("notebook_export", "enableExportNotebook"),
            ("web_terminal", "enableWebTerminal"),
            ("verbose_audit_logs", "enableVerboseAuditLogs"),
        ):
            value = getattr(self, field)
            if value is not None:
                values[key] = "true" if value else "false"
        return values


class DbtSource(_Model):
    source: Literal["workspace", "git"] = Field(
        default="workspace",
        description="workspace: the dbt/ folder is deployed as workspace files. git: the job "
        "checks the project out of git_url at git_branch. Default: workspace.",
    )
    git_url: HttpsUrl | None = Field(
        default=None,
        description="The repository's https:// URL.",
        json_schema_extra={"required": "with source `git`"},
    )
    git_branch: str = Field(default="main", description="Branch (source: git). Default: main.")


class JobConfig(_Model):
    trigger: Literal["none", "schedule", "file_arrival"] = Field(
        default="none",
        description="none: Data Factory starts it with the ingest date (or you do, by hand); "
        "schedule: the Quartz cron below; file_arrival: when files land in the "
        "landing container. Must be none with ingestion.source (the pipeline starts "
        "the job once per copy).",
    )
    schedule: QuartzCron | None = Field(
        default=None,
        description="Quartz cron (seconds minutes hours day-of-month month day-of-week [year], "
        "one of the two days ?), each field checked against its range (0-59, 0-23, "
        "1-31, 1-12 or JAN-DEC, 1-7 or SUN-SAT), e.g. '0 0 5 * * ?'.",
        json_schema_extra={"required": "with trigger `schedule`"},
    )
    timezone: TimeZone = Field(
        default="UTC",
        description="Of the schedule: an IANA (Java) time zone id such as Europe/Zurich.",
    )
    run_as: PrincipalName | None = Field(
        default=None,
        description="A service principal of unity_catalog; the job cluster is dedicated "
        "(SINGLE_USER) to it. Default: the deployer.",
    )
    notify_on_failure: tuple[Email, ...] = Field(
        default=(), description="E-mail addresses told when a run fails (checked to be addresses)."
    )
    node_type: NodeType = Field(
        default="Standard_D4ds_v5",
        description="Job cluster VM size, one of the policy's node types.",
    )
    spark_version: SparkVersion = Field(
        default="15.4.x-scala2.12", description="Job cluster runtime, one of the policy's."
    )
    num_workers: int = Field(
        default=1,
        ge=0,
        le=100,
        description="Job cluster workers, at most the policy's max_workers.",
    )
    pypi_index_url: HttpsUrl | None = Field(
        default=None,
        description="A Python package index inside the network (an Azure Artifacts feed or a "
        "mirror, https) that the job's cluster installs dbt from. Default: the public PyPI, "
        "which IT's firewall must then allow (pypi.org, files.pythonhosted.org; "
        "docs/deployment.md).",
    )


class WorkspacePermissions(_Model):
    """Principal -> permission level on each object the workloads stack creates. The admin group
    gets CAN_MANAGE on each, the job's run_as principal CAN_USE on the cluster policy and the
    SQL warehouse (its dbt task runs there), Purview's identity CAN_USE on the warehouse; these
    are added, not configured. Each object's permissions are authoritative: levels not listed
    here or above are removed."""

    cluster_policy: dict[PrincipalName, str] = Field(
        default_factory=dict, description="Principal -> CAN_USE on the cluster policy."
    )
    cluster: dict[PrincipalName, str] = Field(
        default_factory=dict,
        description="Principal -> CAN_ATTACH_TO, CAN_RESTART or CAN_MANAGE on the shared cluster.",
    )
    sql_warehouse: dict[PrincipalName, str] = Field(
        default_factory=dict,
        description="Principal -> CAN_USE, CAN_MONITOR or CAN_MANAGE on the SQL warehouse.",
    )
    job: dict[PrincipalName, str] = Field(
        default_factory=dict,
        description="Principal -> CAN_VIEW, CAN_MANAGE_RUN or CAN_MANAGE on the lakehouse job.",
    )


class Workloads(_Model):
    folder: WorkspaceFolder | None = Field(
        default=None,
        description="Workspace folder of the notebooks, the lakehouse package, the "
        "source-table contract and the dbt project: absolute, below /, normalized (no ., .. or "
        "empty segments). Default: /Shared/<prefix>/<environment>.",
    )
    cluster_policy: ClusterPolicyConfig = Field(default_factory=ClusterPolicyConfig)
    cluster: InteractiveCluster = Field(default_factory=InteractiveCluster)
    sql_warehouse: SqlWarehouse = Field(default_factory=SqlWarehouse)
    secret_scope: SecretScopeConfig = Field(default_factory=SecretScopeConfig)
    ip_access: IpAccess = Field(default_factory=IpAccess)
    hardening: WorkspaceHardening = Field(default_factory=WorkspaceHardening)
    dbt: DbtSource = Field(default_factory=DbtSource)
    job: JobConfig = Field(default_factory=JobConfig)
    permissions: WorkspacePermissions = Field(default_factory=WorkspacePermissions)
    entitlements: dict[PrincipalName, tuple[databricks.Entitlement, ...]] = Field(
        default_factory=dict,
        description="Group (of unity_catalog) -> its workspace entitlements: workspace_access, "
        "databricks_sql_access, allow_cluster_create, allow_instance_pool_create. Authoritative "
        "for the groups listed. Default: none managed.",
    )
    personal_compute: tuple[PrincipalName, ...] = Field(
        default=(),
        description="Groups that may use the built-in Personal Compute policy. Default: none "
        "(only the admin group); needs the account's Personal Compute setting on Delegate.",
    )
