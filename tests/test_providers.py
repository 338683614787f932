"""stacks.providers and stacks.base: providers are added per stack; credentials never in code."""

from __future__ import annotations

import json

from cdktf import Testing as CdktfTesting

from stacks import providers
from stacks.base import EnvironmentStack
from tests.conftest import ENVIRONMENTS
from vocabulary.azure import require_resource_id

WORKSPACE_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/"
    "Microsoft.Databricks/workspaces/dbw"
)
CREDENTIALS = {
    "token",
    "client_id",
    "client_secret",
    "azure_client_secret",
    "password",
    "azure_client_id",
    "auth_type",
    "use_oidc",
}


def synth(config, build) -> dict:
    app = CdktfTesting.app()
    stack = EnvironmentStack(app, "test", config=config)
    build(stack)
    return json.loads(CdktfTesting.synth(stack))


def test_a_databricks_only_stack_has_no_azurerm_provider(config_of):
    config = config_of[ENVIRONMENTS[0]]

    def build(stack):
        providers.databricks_workspace(
            stack, workspace_url="adb-1.2.azuredatabricks.net", workspace_resource_id=WORKSPACE_ID
        )
        providers.databricks_account(stack, account_id="11111111-2222-3333-4444-555555555555")

    tf = synth(config, build)
    assert set(tf["provider"]) == {"databricks"}
    assert set(tf["terraform"]["required_providers"]) == {"databricks"}
    workspace, account = tf["provider"]["databricks"]
    assert workspace == {
        "host": "https://adb-1.2.azuredatabricks.net",
        "azure_workspace_resource_id": WORKSPACE_ID,
    }
    assert account == {
        "alias": "account",
        "host": "https://accounts.azuredatabricks.net",
        "account_id": "11111111-2222-3333-4444-555555555555",
    }
    assert tf["terraform"]["backend"], "the base stack still configures the state backend"


def test_azurerm_for_another_subscription_is_aliased_and_none_for_the_home_one(config_of):
    config = config_of[ENVIRONMENTS[0]]
    home = require_resource_id(
        f"/subscriptions/{config.subscription_id}/resourceGroups/rg/providers/"
        "Microsoft.Network/virtualNetworks/v",
        "Microsoft.Network",
        "virtualNetworks",
    )
    hub = require_resource_id(
        "/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg/providers/"
        "Microsoft.Network/virtualNetworks/v",
        "Microsoft.Network",
        "virtualNetworks",
    )
    made = {}

    def build(stack):
        providers.azurerm(stack, subscription_id=config.subscription_id)
        made["home"] = providers.azurerm_for(
            stack, home, alias="it_network", home_subscription_id=config.subscription_id
        )
        made["hub"] = providers.azurerm_for(
            stack, hub, alias="it_network", home_subscription_id=config.subscription_id
        )

    tf = synth(config, build)
    assert made["home"] is None
    default, aliased = tf["provider"]["azurerm"]
    assert default["subscription_id"] == config.subscription_id
    assert (aliased["alias"], aliased["subscription_id"]) == (
        "it_network",
        "22222222-2222-2222-2222-222222222222",
    )
    for provider in (default, aliased):
        assert not CREDENTIALS & set(provider)


def test_base_stack_tags_and_placement_come_from_the_config(config_of):
    config = config_of[ENVIRONMENTS[0]]
    app = CdktfTesting.app()
    stack = EnvironmentStack(app, "things", config=config)
    assert stack.node.id == f"{config.environment}-things"
    assert stack.tags == {
        **config.tags,
        "environment": config.environment,
        "managed-by": "cdktf",
        "stack": f"{config.environment}-things",
    }
    assert stack.placement.resource_group_name == config.resource_group
    assert stack.placement.location == config.location
    assert dict(stack.placement.tags) == stack.tags
