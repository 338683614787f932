"""One environment's file (`config/<env>.yaml`): the sections, and what is derived from them."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from platform_config.model.base import (
    PLATFORM_TAG_NAMES,
    AzureRegion,
    EnvironmentName,
    NameSuffix,
    Prefix,
    ResourceGroupName,
    _Model,
)
from platform_config.model.governance import Governance
from platform_config.model.ingestion import Ingestion
from platform_config.model.network import Network
from platform_config.model.operations import Alerts, LocalState, Monitoring, StateBackend
from platform_config.model.security import Encryption, Secrets
from platform_config.model.unity_catalog import UnityCatalog
from platform_config.model.workloads import Workloads
from platform_config.model.workspace import Databricks, Skus
from platform_config.naming import Naming
from vocabulary import azure, egress


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
    shares_resource_group: bool = Field(
        default=False,
        description="The resource group also holds another environment (IT gave one to "
        "several): set in each file that uses it, or the configuration is refused. Default: "
        "its own.",
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
    alerts: Alerts | None = Field(
        default=None,
        description="Alerts, their receivers and a budget (docs/operations.md). Default: none.",
    )
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
    def egress_allow_list(self) -> tuple[egress.Allowed, ...]:
        """What classic compute may reach through a firewall (vocabulary/egress.py): the
        sandbox's own firewall allows it, IT's must."""
        index = self.workloads.job.pypi_index_url
        return egress.allow_list(
            self.location,
            back_end_private_link=not self.databricks.public_network_access,
            package_index_host=urlsplit(index).hostname if index else None,
            allowed_fqdns=self.network.allowed_fqdns,
        )

    @property
    def workspace_folder(self) -> str:
        return self.workloads.folder or self.naming.workspace_folder()

    @property
    def networks(self) -> tuple[ipaddress.IPv4Network, ...]:
        return tuple(ipaddress.IPv4Network(space) for space in self.network.address_space)
