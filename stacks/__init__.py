"""One Terraform state each; an environment is network -> platform -> databricks."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from platform_config import PlatformConfig
from stacks.databricks import DatabricksStack
from stacks.network import NetworkStack
from stacks.platform import PlatformStack


@dataclass(frozen=True)
class EnvironmentStacks:
    network: NetworkStack
    platform: PlatformStack
    databricks: DatabricksStack


def build_environment(scope: Construct, config: PlatformConfig) -> EnvironmentStacks:
    network = NetworkStack(scope, config=config)
    platform = PlatformStack(scope, config=config, network=network)
    databricks = DatabricksStack(scope, config=config, network=network, platform=platform)
    return EnvironmentStacks(network=network, platform=platform, databricks=databricks)
