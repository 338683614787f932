"""The typed, frozen model of one environment's configuration file (`config/<env>.yaml`).

Every field says its default as behaviour. Field-level rules live on the fields; rules that
relate several fields (CIDR containment, overlap, derived names) live in `rules.py`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from platform_config.naming import Naming
from vocabulary import azure, databricks
from vocabulary.azure import DatabricksSku, KeyVaultSku, ReplicationType
from vocabulary.databricks import MetastoreMode, WorkspacePermission

# Tags the platform sets on every resource; a user tag of the same name (Azure compares tag
# names case-insensitively) is a configuration error, not silently replaced.
PLATFORM_TAG_NAMES: tuple[str, ...] = ("environment", "managed-by", "stack")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _pattern(regex: str, allowed: str) -> AfterValidator:
    """A validator that says in words what is allowed (pydantic's own message shows the regex)."""
    compiled = re.compile(regex)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"must be {allowed}")
        return value

    return AfterValidator(check)


def _cidr(value: str) -> str:
    azure.network(value)
    return value


def _prefix_between(what: str, low: int, high: int, why: str = "") -> AfterValidator:
    """One rule for every network size: a strict CIDR whose prefix is /low to /high."""

    def check(value: str) -> str:
        prefix = azure.network(value).prefixlen
        if not low <= prefix <= high:
            size = f"/{high} or larger" if low <= 0 else f"between /{low} and /{high}"
            raise ValueError(f"{what} must be {size}{why}; got /{prefix}")
        return value

    return AfterValidator(check)


def _non_empty(value: tuple[str, ...]) -> tuple[str, ...]:
    # An AfterValidator, so that a list whose only item is invalid gets one error, not two.
    if not value:
        raise ValueError("must list at least one CIDR")
    return value


def _private_dns_zone_id(value: str) -> str:
    if azure.parse_resource_id(value, "Microsoft.Network", "privateDnsZones") is None:
        raise ValueError(
            "must be a private DNS zone resource id: /subscriptions/<id>/resourceGroups/<rg>"
            "/providers/Microsoft.Network/privateDnsZones/<zone>"
        )
    return value


def _uuid(value: str) -> str:
    if not azure.is_guid(value):
        raise ValueError("must be a GUID in lowercase, e.g. 00000000-0000-0000-0000-000000000000")
    return value


def _rule(problem_of: Callable[[str], str | None]) -> AfterValidator:
    """A field validator from one of the rules modules' `*_problem` functions."""

    def check(value: str) -> str:
        problem = problem_of(value)
        if problem:
            raise ValueError(problem)
        return value

    return AfterValidator(check)


Guid = Annotated[str, AfterValidator(_uuid)]
WorkspaceId = Annotated[
    str,
    _pattern(r"[1-9][0-9]{5,18}", "a workspace id: the digits of adb-<id>.<n>.azuredatabricks.net"),
]
UcName = Annotated[str, _rule(databricks.uc_name_problem)]


def _region_problem(value: str) -> str | None:
    if value not in azure.AZURE_LOCATIONS:
        return (
            "not a known Azure region name; use the programmatic name from "
            "`az account list-locations`, e.g. westeurope, northeurope, eastus2"
        )
    return None


AzureRegion = Annotated[str, _rule(_region_problem)]
PrincipalName = Annotated[str, _rule(databricks.principal_name_problem)]

EnvironmentName = Annotated[
    str, _pattern(r"[a-z][a-z0-9]{1,7}", "2-8 lowercase letters or digits, starting with a letter")
]
Prefix = Annotated[
    str, _pattern(r"[a-z][a-z0-9]{1,9}", "2-10 lowercase letters or digits, starting with a letter")
]
NameSuffix = Annotated[str, _pattern(r"[a-z0-9]{0,4}", "0-4 lowercase letters or digits")]
ResourceGroupName = Annotated[
    str,
    _pattern(
        r"[-\w.()]{0,89}[-\w()]",
        "1-90 letters, digits, underscores, hyphens, periods and parentheses, "
        "not ending in a period",
    ),
]
Cidr = Annotated[str, AfterValidator(_cidr)]
DatabricksSubnet = Annotated[
    str,
    _prefix_between(
        "Databricks subnets",
        0,
        azure.DATABRICKS_SUBNET_MAX_PREFIX,
        " (Microsoft's VNet-injection requirement)",
    ),
]
PrivateEndpointSubnet = Annotated[
    str,
    _prefix_between("the private-endpoint subnet", 0, azure.PRIVATE_ENDPOINT_SUBNET_MAX_PREFIX),
]
VnetSpace = Annotated[
    str,
    _prefix_between(
        "a VNet for Databricks VNet injection",
        azure.VNET_PREFIX_MIN,
        azure.VNET_PREFIX_MAX,
    ),
]
PrivateDnsZoneId = Annotated[str, AfterValidator(_private_dns_zone_id)]


class Subnets(_Model):
    """CIDRs of the subnets the platform owns inside the VNet."""

    databricks_host: DatabricksSubnet = Field(
        description="Databricks host ('public') subnet: /26 or larger, inside the address space, "
        "shared with nothing."
    )
    databricks_container: DatabricksSubnet = Field(
        description="Databricks container ('private') subnet: /26 or larger, inside the address "
        "space, shared with nothing."
    )
    private_endpoints: PrivateEndpointSubnet = Field(
        description="Subnet of every private endpoint: /28 or larger, inside the address space."
    )


class PrivateDnsZoneIds(_Model):
    """Ids of IT's existing private DNS zones (required unless network.sandbox)."""

    dfs: PrivateDnsZoneId = Field(description=azure.PRIVATE_DNS_ZONES["dfs"])
    blob: PrivateDnsZoneId = Field(description=azure.PRIVATE_DNS_ZONES["blob"])
    vault: PrivateDnsZoneId = Field(description=azure.PRIVATE_DNS_ZONES["vault"])
    databricks: PrivateDnsZoneId = Field(description=azure.PRIVATE_DNS_ZONES["databricks"])
    purview: PrivateDnsZoneId | None = Field(
        default=None,
        description=f"{azure.GOVERNANCE_DNS_ZONES['purview']} (with governance only)",
        json_schema_extra={"required": "with governance in IT mode"},
    )
    purview_portal: PrivateDnsZoneId | None = Field(
        default=None,
        description=f"{azure.GOVERNANCE_DNS_ZONES['purview_portal']} (with governance only)",
        json_schema_extra={"required": "with governance in IT mode"},
    )
    queue: PrivateDnsZoneId | None = Field(
        default=None,
        description=f"{azure.GOVERNANCE_DNS_ZONES['queue']} (with governance only)",
        json_schema_extra={"required": "with governance in IT mode"},
    )
    servicebus: PrivateDnsZoneId | None = Field(
        default=None,
        description=f"{azure.GOVERNANCE_DNS_ZONES['servicebus']} (with governance only)",
        json_schema_extra={"required": "with governance in IT mode"},
    )


class Network(_Model):
    sandbox: bool = Field(
        default=False,
        description="Create the VNet and private DNS zones instead of looking up IT's. "
        "Default: use IT's existing VNet and zones.",
    )
    vnet_id: str | None = Field(
        default=None,
        description="Resource id of IT's existing VNet; not allowed with sandbox: true.",
        json_schema_extra={"required": "unless `network.sandbox`"},
    )
    address_space: Annotated[tuple[VnetSpace, ...], AfterValidator(_non_empty)] = Field(
        description="The VNet's address space (IT's, or the sandbox's): CIDRs between /16 and /24"
        " (Microsoft's VNet-injection requirement), not overlapping.",
    )
    subnets: Subnets
    private_dns_zone_ids: PrivateDnsZoneIds | None = Field(
        default=None,
        description="IT's private DNS zones, by resource id, all in one subscription; not allowed"
        " with sandbox: true (the sandbox creates its own).",
        json_schema_extra={"required": "unless `network.sandbox`"},
    )
    nat_gateway: bool | None = Field(
        default=None,
        description="Give the Databricks subnets a NAT gateway for outbound traffic (clusters "
        "have no public IPs and the subnets no default outbound access). Default: created in "
        "sandbox mode; not in IT mode, where IT routes egress through its firewall "
        "(route_table_id).",
    )
    route_table_id: str | None = Field(
        default=None,
        description="Resource id of IT's route table (a default route to its firewall), "
        "associated with both Databricks subnets; in the workspace's subscription. IT"
        " mode needs it or nat_gateway: true, so that clusters reach the control "
        "plane (docs/deployment.md: what the firewall must allow). Default: none.",
        json_schema_extra={"required": "IT mode without `nat_gateway`"},
    )

    @property
    def creates_nat_gateway(self) -> bool:
        return self.sandbox if self.nat_gateway is None else self.nat_gateway


class Skus(_Model):
    storage_replication: ReplicationType = Field(
        default=azure.DEFAULT_REPLICATION,
        description="Replication of the data lake. A choice without geo-redundancy is accepted in"
        " the policy scan, naming this field.",
    )
    key_vault: KeyVaultSku = Field(
        default=azure.DEFAULT_KEY_VAULT_SKU, description="Key Vault SKU. Default: standard."
    )
    databricks: DatabricksSku = Field(
        default=azure.DEFAULT_DATABRICKS_SKU,
        description="Databricks SKU: premium only, as Unity Catalog, private link and secret ACLs"
        " need it.",
    )


class Databricks(_Model):
    public_network_access: bool = Field(
        default=False,
        description="true opens the workspace UI/API to the internet (NSG rules AllRules; then "
        "workloads.ip_access.allow is required); false is private link only "
        "(NoAzureDatabricksRules).",
    )
    browser_authentication_private_endpoint: bool = Field(
        default=True,
        description="Create the browser_authentication private endpoint. Azure wants exactly "
        "one per region and privatelink.azuredatabricks.net zone: among the shipped "
        "environments that share IT's zone in a region, exactly one creates it (a sandbox has "
        "its own zone, so it always does). Default: on.",
    )
    browser_authentication_provided_by_it: bool = Field(
        default=False,
        description="IT already runs the region's browser_authentication endpoint in its zone "
        "(e.g. for another team's workspace): no shipped environment creates one. IT mode only. "
        "Default: off.",
    )
    account_id: Guid | None = Field(
        default=None,
        description="The Databricks account id (Account console, user menu), for the account-"
        "level provider of the unity-catalog stack.",
        json_schema_extra={"required": "yes"},
    )
    network_connectivity_config: str | None = Field(
        default=None,
        description="Name of the account scope's network connectivity configuration "
        "(config/accounts/<account>.yaml) in this region; the workspace binds to it "
        "and its private endpoint rules let serverless compute reach the lake. "
        "Default: none.",
        json_schema_extra={"required": "with a serverless SQL warehouse"},
    )
    azure_databricks_object_id: Guid | None = Field(
        default=None,
        description="Object id of the AzureDatabricks enterprise application in your tenant: `az "
        "ad sp show --id 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d --query id -o tsv`. A "
        "Key-Vault-backed secret scope gives it get and list on the Databricks vault; "
        "customer-managed keys give it wrap and unwrap on the workspace's managed services key.",
        json_schema_extra={
            "required": "with `workloads.secret_scope.enabled` or "
            "`encryption.customer_managed_keys.enabled`"
        },
    )
    private_workspace_storage: bool | None = Field(
        default=None,
        description="Put the workspace's own storage account (DBFS root, in the managed "
        "resource group) behind its firewall, reached by the access connector and through dfs "
        "and blob private endpoints. Default: on for a private workspace (public_network_access "
        "false), off otherwise.",
    )

    @property
    def has_private_storage(self) -> bool:
        if self.private_workspace_storage is None:
            return not self.public_network_access
        return self.private_workspace_storage


class Metastore(_Model):
    mode: MetastoreMode = Field(
        default="region",
        description="region: use the region's metastore (Azure's, or the account scope's; "
        "looked up by region). id: use the metastore with this id. (create: refused: a "
        "metastore is an account object, declared in config/accounts/.) Default: region.",
    )
    id: Guid | None = Field(
        default=None,
        description="The metastore's id (a GUID); not allowed with another mode.",
        json_schema_extra={"required": "with mode `id`"},
    )


PrincipalPrivileges = dict[PrincipalName, tuple[str, ...]]


class UcGrants(_Model):
    catalog: PrincipalPrivileges = Field(
        default_factory=dict,
        description="Principal name -> privileges on the catalog (USE_CATALOG, BROWSE, "
        "CREATE_SCHEMA, ...; the list per securable is in "
        "vocabulary/databricks.py).",
    )
    schemas: dict[str, PrincipalPrivileges] = Field(
        default_factory=dict,
        description="Layer (bronze, silver, gold) -> principal -> privileges on its schema.",
    )
    external_locations: dict[str, PrincipalPrivileges] = Field(
        default_factory=dict,
        description="Container (landing, bronze, silver, gold, unity-catalog) -> principal -> "
        "privileges on its external location.",
    )


class UcGroup(_Model):
    name: PrincipalName = Field(
        description="Display name of the account-level group: 1-255 printable characters."
    )
    entra_object_id: Guid | None = Field(
        default=None,
        description="The Entra ID group's object id: the group exists in Entra (and may already "
        "be provisioned by SCIM); it is adopted, not duplicated. Default: a Databricks group is "
        "created.",
    )
    workspace_permission: WorkspacePermission | None = Field(
        default="USER",
        description="Assignment to the environment's workspace: USER or ADMIN; null: none. "
        "Default: USER.",
    )


class AccountGroupAssignment(_Model):
    name: PrincipalName = Field(description="The group's name in the account scope's file.")
    workspace_permission: WorkspacePermission | None = Field(
        default="USER",
        description="Assignment to this environment's workspace: USER or ADMIN; null: none. "
        "Default: USER.",
    )


class UcServicePrincipal(_Model):
    name: PrincipalName = Field(description="Display name.")
    application_id: Guid = Field(description="The Entra application (client) id.")
    workspace_permission: WorkspacePermission | None = Field(
        default="USER", description="USER or ADMIN in the workspace; null: none. Default: USER."
    )
    platform_admin: bool = Field(
        default=False,
        description="Member of the admin group that owns every Unity Catalog object (the "
        "deploying principal must be one). Default: off.",
    )


class LayerSchemas(_Model):
    bronze: UcName = Field(default="bronze", description="Schema of the bronze tables.")
    silver: UcName = Field(default="silver", description="Schema of the silver tables.")
    gold: UcName = Field(default="gold", description="Schema of dbt's marts.")


class UnityCatalog(_Model):
    metastore: Metastore = Field(default_factory=Metastore)
    catalog: UcName | None = Field(
        default=None,
        description="The environment's catalog: 1-255 lowercase letters, digits and underscores. "
        "Its managed location is abfss://unity-"
        "catalog@<lake>.dfs.core.windows.net/<catalog>. Default: "
        "<prefix>_<environment>.",
    )
    schemas: LayerSchemas = Field(default_factory=LayerSchemas)
    file_events: bool = Field(
        default=True,
        description="File events on the external locations (the access connector holds the "
        "queue and event-subscription roles they need). Default: on.",
    )
    admin_group: PrincipalName | None = Field(
        default=None,
        description="Account group created to own every Unity Catalog object; it holds "
        "ALL_PRIVILEGES in every grant and is the workspace's ADMIN. Default: "
        "<prefix>-<environment>-platform-admins.",
    )
    groups: tuple[UcGroup, ...] = Field(
        default=(),
        description="Account-level groups this environment owns (created or adopted in its "
        "unity-catalog stack). A group that several environments use belongs to the account "
        "scope instead (config/accounts/, account_groups).",
    )
    account_groups: tuple[AccountGroupAssignment, ...] = Field(
        default=(),
        description="Groups the account scope owns (config/accounts/<account>.yaml), assigned "
        "to this environment's workspace and usable in its grants; referred to by name. "
        "Default: none.",
    )
    service_principals: tuple[UcServicePrincipal, ...] = Field(
        default=(), description="Service principals (Entra applications)."
    )
    grants: UcGrants = Field(default_factory=UcGrants)
    read_only_workspaces: tuple[WorkspaceId, ...] = Field(
        default=(),
        description="Ids of other environments' workspaces (the digits of adb-<id>.<n>."
        "azuredatabricks.net) that may read this environment's catalog, read-only. The catalog, "
        "its external locations and storage credential are bound to this environment's "
        "workspace; nothing else reaches them. Default: none.",
    )


QuartzCron = Annotated[str, _rule(databricks.quartz_cron_problem)]


def _time_zone(value: str) -> str:
    # The Jobs API takes Java time zone ids; the IANA names (Europe/Zurich, UTC) are those.
    if value not in _known_time_zones():
        raise ValueError("not an IANA time zone id such as UTC or Europe/Zurich")
    return value


def _known_time_zones() -> frozenset[str]:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones()) | {"UTC"}


def _email(value: str) -> str:
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", value):
        raise ValueError("not an e-mail address such as team@example.com")
    return value


def _https_url(value: str) -> str:
    if not re.fullmatch(r"https://[A-Za-z0-9.-]+(:[0-9]+)?/[^\s]+", value):
        raise ValueError(
            "must be an https:// URL with a path, e.g. https://github.com/org/repo or "
            "https://pkgs.example.com/pypi/simple/"
        )
    return value


TimeZone = Annotated[str, AfterValidator(_time_zone)]
Email = Annotated[str, AfterValidator(_email)]
HttpsUrl = Annotated[str, AfterValidator(_https_url)]
SecretScopeName = Annotated[str, _rule(databricks.secret_scope_name_problem)]
WorkspaceFolder = Annotated[str, _rule(databricks.workspace_folder_problem)]
SparkVersion = Annotated[
    str,
    _pattern(
        r"\d+\.\d+\.x(-[a-z0-9-]+)?-scala\d+\.\d+",
        "a Databricks Runtime key such as 15.4.x-scala2.12 (14.3 LTS or newer for the notebooks)",
    ),
]
NodeType = Annotated[
    str, _pattern(r"Standard_[A-Za-z0-9_]+", "an Azure VM size such as Standard_D4ds_v5")
]


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
        description="Enhanced security monitoring (needs the enhanced security and compliance "
        "add-on). Default: off.",
    )
    compliance_security_profile: tuple[str, ...] | None = Field(
        default=None,
        description="Turn the compliance security profile on with these standards, e.g. "
        "[HIPAA] or [] for none (needs the enhanced security and compliance add-on; it cannot "
        "be turned off again). Default: off.",
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


class Secrets(_Model):
    writers: tuple[Guid, ...] = Field(
        default=(),
        description="Entra object ids (best: one group) that write the platform's secrets: Key "
        "Vault Secrets Officer on both vaults (access policies with set and delete on"
        " the Databricks vault when a Key-Vault-backed scope needs that model).",
        json_schema_extra={
            "required": "with `ingestion.source` or `workloads.secret_scope.enabled`"
        },
    )


class CustomerManagedKeys(_Model):
    """Keys in the platform's Key Vault that encrypt the lake, the workspace and, optionally,
    Data Factory (docs/security.md)."""

    enabled: bool = Field(
        default=False,
        description="Customer-managed keys for the lake, the workspace's managed services, "
        "managed disks and workspace storage (DBFS root). Creating the keys is a Key Vault data-"
        "plane call: the deploy runs inside the network, and the deploying identity holds Key "
        "Vault Crypto Officer (docs/deployment.md, Rights). Default: off.",
    )
    key_size: Literal[2048, 3072, 4096] = Field(
        default=3072,
        description="RSA key size, 2048, 3072 or 4096 (what Azure Storage, managed disks, "
        "Databricks and Data Factory all accept). HSM-backed (RSA-HSM) when skus.key_vault is "
        "premium. Default: 3072.",
    )
    rotate_after_days: int = Field(
        default=365,
        ge=7,
        le=3650,
        description="Key Vault creates a new key version this many days after the last one "
        "(rotation policy). The lake, the disks and Data Factory follow the newest version by "
        "themselves; the workspace's managed services key moves on the next deploy. Default: 365.",
    )
    expire_after_days: int | None = Field(
        default=None,
        ge=28,
        description="Each key version expires this many days after its creation; at least "
        "rotate_after_days + 28, so a new version exists in time. Default: none (versions do not "
        "expire: a service pinned to an expired version could no longer wrap keys).",
    )
    data_factory: bool = Field(
        default=False,
        description="Data Factory too, through a user-assigned identity. Azure accepts it only "
        "on an empty factory, so turn it on when the environment is first deployed (docs/"
        "security.md). Needs ingestion.source. Default: off.",
    )


class Encryption(_Model):
    customer_managed_keys: CustomerManagedKeys = Field(default_factory=CustomerManagedKeys)


class Governance(_Model):
    enabled: bool = Field(
        default=False,
        description="The <env>-governance stack: a Purview account with public access off, its "
        "private endpoints, read access to the lake and, in Unity Catalog, a service principal "
        "with read grants. Default: off.",
    )
    ingestion_private_endpoints: bool = Field(
        default=True,
        description="Private endpoints to Purview's managed ingestion storage (blob, queue) and "
        "Event Hub namespace besides the account and portal ones. Default: on.",
    )


def _sql_server_id(value: str) -> str:
    if azure.parse_resource_id(value, "Microsoft.Sql", "servers") is None:
        raise ValueError(
            "must be an Azure SQL server's resource id: /subscriptions/<id>/resourceGroups/<rg>"
            "/providers/Microsoft.Sql/servers/<name>"
        )
    return value


class SourceDatabase(_Model):
    server_id: Annotated[str, AfterValidator(_sql_server_id)] = Field(
        description="Resource id of the source Azure SQL server (referenced, never created)."
    )
    database: Annotated[
        str, _pattern(r"[^<>*%&:\\/?]{1,128}", "1-128 characters without any of <>*%&:\\/?")
    ] = Field(description="The source database, e.g. the AdventureWorksLT sample.")
    connection_secret_name: Annotated[
        str, _pattern(r"[0-9A-Za-z-]{1,127}", "1-127 letters, digits and hyphens")
    ] = Field(
        default="source-sql-connection-string",
        description="Secret in the platform Key Vault holding the source's connection string. "
        "Default: source-sql-connection-string.",
    )


class IngestionGit(_Model):
    account_name: str = Field(description="GitHub account (organization or user) of the repo.")
    repository_name: str = Field(description="The repository holding adf/.")
    branch_name: str = Field(default="main", description="Collaboration branch. Default: main.")


class Ingestion(_Model):
    source: SourceDatabase | None = Field(
        default=None,
        description="The source database. Set: the <env>-ingestion stack is built. Default: none.",
    )
    schedule: bool = Field(
        default=False,
        description="Start the daily trigger (adf/trigger/tr_daily.json).",
    )
    git: IngestionGit | None = Field(
        default=None,
        description="Connect this environment's factory to GitHub with adf/ as its root folder, "
        "for authoring in the Studio. One environment only (the authoring one, dev). "
        "Default: none.",
    )
    tables: tuple[str, ...] | None = Field(
        default=None,
        description="Source tables this environment copies, as <schema>.<table> from the "
        "source-table contract (lakehouse/sources/). Default: every table in it.",
    )

    @field_validator("tables")
    @classmethod
    def _known_tables(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        from platform_config.data_contract import shipped_contract

        if not value:
            raise ValueError("must name at least one table; leave it out to copy every table")
        shipped_contract().select(value)  # raises naming the unknown tables and the allowed
        lowered = [name.lower() for name in value]
        twice = sorted({name for name in value if lowered.count(name.lower()) > 1})
        if twice:
            raise ValueError(f"names {', '.join(twice)} more than once")
        return value


class Monitoring(_Model):
    log_retention_days: int = Field(
        default=azure.DEFAULT_LOG_RETENTION_DAYS,
        ge=azure.LOG_RETENTION_DAYS[0],
        le=azure.LOG_RETENTION_DAYS[1],
        description="Log Analytics retention, 30-730 days. Default: 30.",
    )


class LocalState(_Model):
    backend: Literal["local"] = "local"


class AzurermState(_Model):
    backend: Literal["azurerm"]
    resource_group: ResourceGroupName = Field(
        description="Resource group of the state storage account."
    )
    storage_account: str = Field(
        description="The state storage account (3-24 lowercase letters/digits)."
    )
    container: Annotated[
        str,
        _pattern(
            r"(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]",
            "3-63 lowercase letters, digits and single hyphens, starting and ending with a "
            "letter or digit",
        ),
    ] = Field(
        description="Blob container of the state files: lowercase letters, digits, hyphens.",
    )
    key_prefix: Annotated[
        str, _pattern(r"[A-Za-z0-9._/-]*", "letters, digits and . _ / - only")
    ] = Field(
        default="",
        description="Folder of the state blobs: <key_prefix>/<stack>.tfstate. Default: the "
        "environment's (or account's) name.",
    )
    use_oidc: bool = Field(
        default=True, description="Authenticate with GitHub's OIDC token. Default: on."
    )
    subscription_id: Guid | None = Field(
        default=None,
        description="Subscription of the state storage account, when it is not the "
        "environment's (several environments sharing one state account). Default: the "
        "environment's subscription_id (an account scope's).",
    )

    @field_validator("storage_account")
    @classmethod
    def _storage_account(cls, value: str) -> str:
        problem = azure.storage_account_name_problem(value, hint="")
        if problem:
            raise ValueError(problem)
        return value


StateBackend = Annotated[LocalState | AzurermState, Field(discriminator="backend")]


class AccountGroup(_Model):
    name: PrincipalName = Field(description="Display name of the account-level group.")
    entra_object_id: Guid | None = Field(
        default=None,
        description="The Entra ID group's object id: adopted (SCIM may have provisioned it), "
        "not duplicated. Default: a Databricks group is created.",
    )


class AccountServicePrincipal(_Model):
    name: PrincipalName = Field(description="Display name.")
    application_id: Guid = Field(description="The Entra application (client) id.")


class NetworkConnectivityConfig(_Model):
    name: Annotated[
        str, _pattern(r"[a-z0-9][a-z0-9-]{2,29}", "3-30 lowercase letters, digits and hyphens")
    ] = Field(description="Its name; environments refer to it by name.")
    region: AzureRegion = Field(description="Azure region: it serves workspaces of that region.")


class AccountMetastoreConfig(_Model):
    name: UcName = Field(description="The metastore's name.")
    region: AzureRegion = Field(description="Azure region whose workspaces attach to it.")
    owner: PrincipalName = Field(description="The group that administers it (metastore admin).")


class AccountConfig(_Model):
    """The objects of one Databricks account that several environments share, each owned by
    exactly one state: the `<account>-account` stack (config/accounts/<account>.yaml)."""

    account: EnvironmentName = Field(
        description="Short name of the account scope (its stack is <account>-account); not an "
        "environment's name."
    )
    account_id: Guid = Field(description="The Databricks account id.")
    subscription_id: Guid = Field(
        description="Subscription of the state storage account (azurerm state backend)."
    )
    groups: tuple[AccountGroup, ...] = Field(
        default=(),
        description="Account groups shared by environments (they assign them to their "
        "workspaces with unity_catalog.account_groups).",
    )
    service_principals: tuple[AccountServicePrincipal, ...] = Field(
        default=(), description="Service principals shared by environments."
    )
    metastores: tuple[AccountMetastoreConfig, ...] = Field(
        default=(),
        description="Metastores this account scope creates, at most one per region (instead of "
        "the one Azure creates). Default: none.",
    )
    network_connectivity_configs: tuple[NetworkConnectivityConfig, ...] = Field(
        default=(),
        description="Network connectivity configurations (NCCs): serverless compute reaches "
        "private resources through their private endpoint rules. Workspaces of the region bind "
        "to one (databricks.network_connectivity_config). Default: none.",
    )
    state: StateBackend = Field(
        default_factory=LocalState,
        description="Terraform state backend of the account stack. Default: local files.",
    )


class PlatformConfig(_Model):
    """One environment of the platform."""

    environment: EnvironmentName = Field(
        description="The environment's name: 2-8 lowercase letters/digits, starting with a "
        "letter; equals the file's name and names its stacks (<env>-network, ...).",
    )
    subscription_id: str = Field(description="The Azure subscription id, a lowercase GUID.")
    resource_group: ResourceGroupName = Field(
        description="The resource group IT provides (1-90 characters); every resource is created "
        "in it.",
    )
    location: AzureRegion = Field(
        description="An Azure region's programmatic name (westeurope, northeurope, ...; `az "
        "account list-locations`)."
    )
    prefix: Prefix = Field(
        description="The workload's short name in every resource name: 2-10 lowercase "
        "letters/digits.",
    )
    name_suffix: NameSuffix = Field(
        default="",
        description="0-4 lowercase letters/digits added to globally unique names (storage "
        'accounts, Key Vaults); quote it ("01"). The knob when a name is taken. '
        "Default: none.",
    )
    tags: dict[str, str] = Field(
        default_factory=dict,
        description="Tags on every resource. The platform sets environment, managed-by and stack "
        "itself, so those names (in any case) are an error here. Default: none.",
    )
    network: Network
    skus: Skus = Field(default_factory=Skus)
    databricks: Databricks = Field(default_factory=Databricks)
    monitoring: Monitoring = Field(default_factory=Monitoring)
    ingestion: Ingestion = Field(default_factory=Ingestion)
    unity_catalog: UnityCatalog = Field(default_factory=UnityCatalog)
    workloads: Workloads = Field(default_factory=Workloads)
    governance: Governance = Field(default_factory=Governance)
    secrets: Secrets = Field(default_factory=Secrets)
    encryption: Encryption = Field(default_factory=Encryption)
    register_resource_providers: bool = Field(
        default=False,
        description="true: each azurerm stack's provider registers the namespaces its resources "
        "need and what those services create themselves (Microsoft.Compute, .Network,"
        " .Storage, .ManagedIdentity for Databricks; .EventGrid with file events; "
        ".EventHub for Purview; .Insights, .OperationalInsights for diagnostics); "
        "needs rights on the subscription. false: IT registers them "
        "(docs/deployment.md).",
    )
    state: StateBackend = Field(
        default_factory=LocalState,
        description="Terraform state backend. Default: local files.",
    )

    @field_validator("subscription_id")
    @classmethod
    def _subscription(cls, value: str) -> str:
        if not azure.is_subscription_id(value):
            raise ValueError(
                "must be a subscription GUID in lowercase, "
                "e.g. 00000000-0000-0000-0000-000000000000"
            )
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: dict[str, str]) -> dict[str, str]:
        problems = []
        forbidden = azure.TAG_NAME_FORBIDDEN
        for key, tag in value.items():
            if azure.template_marker(key) or azure.template_marker(tag):
                continue  # reported once, by rules.template_marker_issues
            if not 1 <= len(key) <= azure.TAG_NAME_MAX or any(c in key for c in forbidden):
                problems.append(
                    f"tag name {key!r} must be 1-{azure.TAG_NAME_MAX} characters without "
                    f"any of {forbidden}"
                )
            elif key.lower() in PLATFORM_TAG_NAMES:
                problems.append(
                    f"tag {key!r} is set by the platform on every resource "
                    f"({', '.join(PLATFORM_TAG_NAMES)}); remove it or use another name"
                )
            if len(tag) > azure.TAG_VALUE_MAX:
                problems.append(
                    f"tag {key!r} value is longer than {azure.TAG_VALUE_MAX} characters"
                )
        room = azure.TAGS_PER_RESOURCE_MAX - len(PLATFORM_TAG_NAMES)
        if len(value) > room:
            problems.append(
                f"{len(value)} tags; Azure allows {azure.TAGS_PER_RESOURCE_MAX} per resource "
                f"and the platform sets {len(PLATFORM_TAG_NAMES)}, so at most {room}"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @property
    def azure_databricks_object_id(self) -> str | None:
        """The AzureDatabricks application's object id, from its home or its former one."""
        return (
            self.databricks.azure_databricks_object_id
            or self.workloads.secret_scope.azure_databricks_object_id
        )

    @property
    def naming(self) -> Naming:
        """The environment's naming helper (platform_config.naming: every derived name)."""
        return Naming(prefix=self.prefix, environment=self.environment, suffix=self.name_suffix)

    @property
    def catalog_name(self) -> str:
        return self.unity_catalog.catalog or self.naming.catalog()

    @property
    def admin_group_name(self) -> str:
        return self.unity_catalog.admin_group or self.naming.admin_group()

    @property
    def group_names(self) -> tuple[str, ...]:
        """Every group this environment may name: its own, the account scope's it uses, and
        the admin group."""
        uc = self.unity_catalog
        return (
            *(g.name for g in uc.groups),
            *(g.name for g in uc.account_groups),
            self.admin_group_name,
        )

    @property
    def dns_zone_purposes(self) -> tuple[str, ...]:
        """The private DNS zones this environment's endpoints register in."""
        zones = tuple(azure.PRIVATE_DNS_ZONES)
        if self.governance.enabled:
            zones += tuple(azure.GOVERNANCE_DNS_ZONES)
        return zones

    @property
    def workspace_folder(self) -> str:
        return self.workloads.folder or self.naming.workspace_folder()

    @property
    def networks(self) -> tuple[ipaddress.IPv4Network, ...]:
        return tuple(ipaddress.IPv4Network(space) for space in self.network.address_space)
