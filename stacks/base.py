"""What every stack of an environment shares, whatever its providers: state backend, names, tags.

A stack adds the providers it needs with the helpers in `stacks.providers`; nothing here assumes
a cloud, so a Databricks-only stack has no azurerm provider.
"""

from __future__ import annotations

from cdktf import AzurermBackend, LocalBackend, TerraformStack
from constructs import Construct

from components.placement import Placement
from platform_config import PlatformConfig, PlatformNames
from platform_config.model import PLATFORM_TAG_NAMES, AzurermState
from platform_config.rules import naming_for


def stack_id(config: PlatformConfig, name: str) -> str:
    return f"{config.environment}-{name}"


def configure_backend(stack: TerraformStack, config: PlatformConfig) -> None:
    """One state per stack: local files by default, or a blob per stack in Azure Storage."""
    state_name = stack.node.id
    if isinstance(config.state, AzurermState):
        prefix = config.state.key_prefix or config.environment
        AzurermBackend(
            stack,
            resource_group_name=config.state.resource_group,
            storage_account_name=config.state.storage_account,
            container_name=config.state.container,
            key=f"{prefix}/{state_name}.tfstate",
            subscription_id=config.subscription_id,
            use_oidc=config.state.use_oidc,
            use_azuread_auth=True,
        )
    else:
        # Relative to cdktf.out/stacks/<stack>/, where Terraform runs: the project root.
        LocalBackend(stack, path=f"../../../terraform.{state_name}.tfstate")


class EnvironmentStack(TerraformStack):
    """One Terraform state of one environment: `<env>-<name>`.

    Holds the backend, the environment's derived names and its tags (the config's tags plus
    the platform's: environment, managed-by, stack; the config may not set those).
    """

    def __init__(self, scope: Construct, name: str, *, config: PlatformConfig):
        super().__init__(scope, stack_id(config, name))
        self.config = config
        self.names = PlatformNames.derive(naming_for(config))
        platform_tags = {
            "environment": config.environment,
            "managed-by": "cdktf",
            "stack": stack_id(config, name),
        }
        assert tuple(platform_tags) == PLATFORM_TAG_NAMES  # the config model rejects these
        self.tags: dict[str, str] = {**config.tags, **platform_tags}
        self.placement = Placement(
            resource_group_name=config.resource_group, location=config.location, tags=self.tags
        )
        configure_backend(self, config)
