"""What every stack of an environment shares, whatever its providers: state backend, names, tags.

A stack adds the providers it needs with the helpers in `stacks.providers`; nothing here assumes
a cloud, so a Databricks-only stack has no azurerm provider.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from cdktf import (
    AzurermBackend,
    DataTerraformRemoteStateAzurerm,
    DataTerraformRemoteStateLocal,
    LocalBackend,
    TerraformResource,
    TerraformStack,
)
from constructs import Construct

from components.placement import Placement
from platform_config import PlatformConfig, PlatformNames
from platform_config.checks import naming_for
from platform_config.model import PLATFORM_TAG_NAMES, AzurermState, LocalState
from stacks import contract
from vocabulary.azure import resource_providers

if TYPE_CHECKING:
    from cdktf_cdktf_provider_azurerm.provider import AzurermProvider

T = TypeVar("T")


def stack_id(config: PlatformConfig, name: str) -> str:
    return f"{config.environment}-{name}"


def _azurerm_state(
    state: AzurermState, stack_id: str, *, key_prefix: str, subscription_id: str
) -> dict[str, object]:
    return {
        "resource_group_name": state.resource_group,
        "storage_account_name": state.storage_account,
        "container_name": state.container,
        "key": f"{state.key_prefix or key_prefix}/{stack_id}.tfstate",
        "subscription_id": state.subscription_id or subscription_id,
        "use_oidc": state.use_oidc,
        "use_azuread_auth": True,
    }


def _local_state_path(stack_id: str) -> str:
    # Relative to cdktf.out/stacks/<stack>/, where Terraform runs: the project root.
    return f"../../../terraform.{stack_id}.tfstate"


def configure_state(
    stack: TerraformStack,
    state: LocalState | AzurermState,
    *,
    key_prefix: str,
    subscription_id: str,
) -> None:
    """One state per stack: a local file, or the blob <key prefix>/<stack id>.tfstate."""
    if isinstance(state, AzurermState):
        settings = _azurerm_state(
            state, stack.node.id, key_prefix=key_prefix, subscription_id=subscription_id
        )
        AzurermBackend(stack, **settings)  # type: ignore[arg-type]
    else:
        LocalBackend(stack, path=_local_state_path(stack.node.id))


def configure_backend(stack: TerraformStack, config: PlatformConfig) -> None:
    """An environment's stack: its state next to the environment's others."""
    configure_state(
        stack, config.state, key_prefix=config.environment, subscription_id=config.subscription_id
    )


def remote_state(
    consumer: TerraformStack, producer: EnvironmentStack
) -> DataTerraformRemoteStateAzurerm | DataTerraformRemoteStateLocal:
    """`data.terraform_remote_state.<producer id>` in consumer: the producer's state, read (one
    per producer: a second call returns the first)."""
    producer_id = producer.node.id
    existing = consumer.node.try_find_child(producer_id)
    if existing is not None:
        return existing  # type: ignore[return-value]
    config = producer.config
    if isinstance(config.state, AzurermState):
        settings = _azurerm_state(
            config.state,
            producer_id,
            key_prefix=config.environment,
            subscription_id=config.subscription_id,
        )
        return DataTerraformRemoteStateAzurerm(consumer, producer_id, **settings)  # type: ignore[arg-type]
    return DataTerraformRemoteStateLocal(consumer, producer_id, path=_local_state_path(producer_id))


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

    azurerm_provider: AzurermProvider | None = None
    """The stack's default azurerm provider, when it has one (stacks.providers.azurerm)."""
    extra_resource_providers: tuple[str, ...] = ()
    """Namespaces a service this stack configures needs besides its resources' (file events)."""

    def register_resource_providers(self) -> tuple[str, ...]:
        """Makes the stack's azurerm provider register the namespaces its resources need
        (`register_resource_providers: true`); returns them. The provider registers them when
        it starts, before any resource, and leaves registered ones alone. Resources on another
        provider (IT's subscription) are that subscription owner's."""
        provider = self.azurerm_provider
        if provider is None:
            return ()
        types = {
            str(type(c).TF_RESOURCE_TYPE)  # type: ignore[attr-defined]
            for c in self.node.find_all()
            if isinstance(c, TerraformResource)
            and str(getattr(type(c), "TF_RESOURCE_TYPE", "")).startswith("azurerm_")
            and c.provider in (None, provider)
        }
        namespaces = tuple(sorted({*resource_providers(types), *self.extra_resource_providers}))
        provider.resource_providers_to_register = list(namespaces)
        return namespaces

    def publish(self, outputs: T) -> T:
        """This stack's contract, published as named outputs (stacks.contract); returns it."""
        return contract.publish(self, outputs)

    def read(self, outputs: T) -> T:
        """Another stack's contract as this stack reads it: from that stack's state."""
        return contract.read(self, outputs, remote_state)  # type: ignore[arg-type]
