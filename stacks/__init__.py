"""One Terraform state per stack; an environment is network -> platform -> databricks ->
[databricks-keys] -> [governance] -> unity-catalog -> workloads -> [ingestion].

Each stack publishes a frozen dataclass of values (`<Name>Outputs`, its contract) and takes the
outputs of the stacks it reads as constructor arguments; it never imports or reaches into
another stack. `build_environment` is the only place that knows the order. Values cross stacks
as named Terraform outputs read through explicit remote state (stacks/contract.py).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from constructs import Construct

from datafactory.artifacts import Artifacts
from datafactory.artifacts import load as load_artifacts
from platform_config import PlatformConfig
from stacks.base import EnvironmentStack
from stacks.databricks import DatabricksStack
from stacks.databricks_keys import DatabricksKeysStack
from stacks.governance import GovernanceStack
from stacks.ingestion import IngestionStack
from stacks.network import NetworkStack
from stacks.platform import PlatformStack
from stacks.unity_catalog import UnityCatalogStack
from stacks.workloads import WorkloadsStack


@dataclass(frozen=True)
class EnvironmentStacks:
    """The stacks of one environment, in dependency order."""

    network: NetworkStack
    platform: PlatformStack
    databricks: DatabricksStack
    databricks_keys: DatabricksKeysStack | None
    """Only with encryption.customer_managed_keys."""
    governance: GovernanceStack | None
    """Only with governance.enabled."""
    unity_catalog: UnityCatalogStack
    workloads: WorkloadsStack
    ingestion: IngestionStack | None
    """Only with ingestion.source."""

    def in_order(self) -> tuple[EnvironmentStack, ...]:
        built = (getattr(self, f.name) for f in fields(self))
        return tuple(stack for stack in built if stack is not None)


def build_environment(
    scope: Construct, config: PlatformConfig, *, adf: Artifacts | None = None
) -> EnvironmentStacks:
    """adf: the Data Factory artefacts to deploy (main.py loads and validates them once).
    Default: adf/."""
    network = NetworkStack(scope, config=config)
    platform = PlatformStack(scope, config=config, network=network.outputs)
    databricks = DatabricksStack(
        scope, config=config, network=network.outputs, platform=platform.outputs
    )
    databricks_keys = (
        DatabricksKeysStack(
            scope, config=config, platform=platform.outputs, databricks=databricks.outputs
        )
        if config.encryption.customer_managed_keys.enabled
        else None
    )
    governance = (
        GovernanceStack(
            scope,
            config=config,
            network=network.outputs,
            platform=platform.outputs,
            databricks=databricks.outputs,
        )
        if config.governance.enabled
        else None
    )
    unity_catalog = UnityCatalogStack(
        scope,
        config=config,
        platform=platform.outputs,
        databricks=databricks.outputs,
        governance=governance.outputs if governance else None,
    )
    workloads = WorkloadsStack(
        scope,
        config=config,
        platform=platform.outputs,
        databricks=databricks.outputs,
        unity_catalog=unity_catalog.outputs,
        governance=governance.outputs if governance else None,
        databricks_keys=databricks_keys.outputs if databricks_keys else None,
    )
    ingestion = (
        IngestionStack(
            scope,
            config=config,
            platform=platform.outputs,
            databricks=databricks.outputs,
            workloads=workloads.outputs,
            artifacts=adf if adf is not None else load_artifacts(),
        )
        if config.ingestion.source is not None
        else None
    )
    built = EnvironmentStacks(
        network=network,
        platform=platform,
        databricks=databricks,
        databricks_keys=databricks_keys,
        governance=governance,
        unity_catalog=unity_catalog,
        workloads=workloads,
        ingestion=ingestion,
    )
    if config.register_resource_providers:
        for stack in built.in_order():
            stack.register_resource_providers()
    return built
