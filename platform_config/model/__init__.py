"""The typed, frozen model of the configuration files: one module per section of
`config/<env>.yaml` (network, workspace, unity_catalog, workloads, security, governance,
ingestion, operations), the environment that holds them, and an account scope's file.

Every field says its default as behaviour. Field-level rules live on the fields; rules that
relate several fields (CIDR containment, overlap, derived names) live in platform_config.checks.
"""

from platform_config.model.account import (
    AccountConfig,
    AccountGroup,
    AccountMetastoreConfig,
    AccountServicePrincipal,
    NetworkConnectivityConfig,
    NetworkPolicyConfig,
)
from platform_config.model.base import PLATFORM_TAG_NAMES, Cidr, EnvironmentName, NameSuffix, Prefix
from platform_config.model.environment import PlatformConfig
from platform_config.model.governance import Governance
from platform_config.model.ingestion import Ingestion, IngestionGit, SourceDatabase
from platform_config.model.network import Network, PrivateDnsZoneIds, Subnets
from platform_config.model.operations import (
    Alerts,
    AzurermState,
    Budget,
    LocalState,
    Monitoring,
    StateBackend,
)
from platform_config.model.security import CustomerManagedKeys, Encryption, Secrets
from platform_config.model.unity_catalog import (
    AccountGroupAssignment,
    LayerSchemas,
    Metastore,
    PrincipalPrivileges,
    UcGrants,
    UcGroup,
    UcServicePrincipal,
    UnityCatalog,
)
from platform_config.model.workloads import (
    ClusterPolicyConfig,
    DbtSource,
    InteractiveCluster,
    IpAccess,
    JobConfig,
    SecretScopeConfig,
    SqlWarehouse,
    Workloads,
    WorkspaceHardening,
    WorkspacePermissions,
)
from platform_config.model.workspace import Databricks, Skus

__all__ = [
    "PLATFORM_TAG_NAMES",
    "AccountConfig",
    "AccountGroup",
    "AccountGroupAssignment",
    "AccountMetastoreConfig",
    "AccountServicePrincipal",
    "Alerts",
    "AzurermState",
    "Budget",
    "Cidr",
    "ClusterPolicyConfig",
    "CustomerManagedKeys",
    "Databricks",
    "DbtSource",
    "Encryption",
    "EnvironmentName",
    "Governance",
    "Ingestion",
    "IngestionGit",
    "InteractiveCluster",
    "IpAccess",
    "JobConfig",
    "LayerSchemas",
    "LocalState",
    "Metastore",
    "Monitoring",
    "NameSuffix",
    "Network",
    "NetworkConnectivityConfig",
    "NetworkPolicyConfig",
    "PlatformConfig",
    "Prefix",
    "PrincipalPrivileges",
    "PrivateDnsZoneIds",
    "SecretScopeConfig",
    "Secrets",
    "Skus",
    "SourceDatabase",
    "SqlWarehouse",
    "StateBackend",
    "Subnets",
    "UcGrants",
    "UcGroup",
    "UcServicePrincipal",
    "UnityCatalog",
    "Workloads",
    "WorkspaceHardening",
    "WorkspacePermissions",
]
