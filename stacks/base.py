"""What every azurerm stack of an environment shares: provider, state backend, names, tags."""

from __future__ import annotations

from cdktf import AzurermBackend, LocalBackend, TerraformStack
from cdktf_cdktf_provider_azurerm.provider import (
    AzurermProvider,
    AzurermProviderFeatures,
    AzurermProviderFeaturesKeyVault,
)
from constructs import Construct

from platform_config import PlatformConfig, PlatformNames
from platform_config.model import AzurermState
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


class AzureStack(TerraformStack):
    """Base of the azurerm stacks: one Terraform state, configured for this platform."""

    def __init__(self, scope: Construct, name: str, *, config: PlatformConfig):
        super().__init__(scope, stack_id(config, name))
        self.config = config
        self.names = PlatformNames.derive(naming_for(config))
        self.tags: dict[str, str] = {
            **config.tags,
            "environment": config.environment,
            "managed-by": "cdktf",
            "stack": stack_id(config, name),
        }
        configure_backend(self, config)
        AzurermProvider(
            self,
            "azurerm",
            subscription_id=config.subscription_id,
            storage_use_azuread=True,
            # The platform team holds rights on IT's resource group, not the subscription;
            # providers are registered explicitly (register_resource_providers) or by IT.
            resource_provider_registrations="none",
            features=[
                AzurermProviderFeatures(
                    key_vault=[AzurermProviderFeaturesKeyVault(
                        purge_soft_delete_on_destroy=False,
                        purge_soft_deleted_keys_on_destroy=False,
                        purge_soft_deleted_secrets_on_destroy=False,
                        purge_soft_deleted_certificates_on_destroy=False,
                        recover_soft_deleted_key_vaults=True,
                    )]
                )
            ],
        )
