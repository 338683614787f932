"""The stacks of every shipped environment, read from one synthesis: wiring and intent.

Environments come from the config folder and stacks from what build_environment returned, so a
new config/<env>.yaml is covered here without an edit. Option tests build the one stack the
option changes, from plain-value contracts, not a whole app.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import ENVIRONMENTS, REPO_ROOT
from tests.helpers import by_name, data_sources, only, resources, synth_stack
from tooling.synthesized import read_of
from vocabulary.azure import ALL_DNS_ZONES, require_resource_id

# Which stacks each kind of stack reads outputs from. A new kind of stack adds its line here.
EXPECTED_READS: dict[str, set[str]] = {
    "network": set(),
    "platform": {"network"},
    "databricks": {"network", "platform"},
    "databricks-keys": {"platform", "databricks"},
    "governance": {"network", "platform", "databricks"},
    "unity-catalog": {"platform", "databricks", "governance"},
    # databricks-keys: compute is created once the disk key is granted (a precondition).
    "workloads": {"platform", "databricks", "unity-catalog", "governance", "databricks-keys"},
    "ingestion": {"platform", "databricks", "workloads"},
    "account": set(),  # the account scope's stack: environments look its objects up by name
}
# Stacks on the Databricks provider only: no azurerm provider at all.
DATABRICKS_ONLY = {"unity-catalog", "workloads"}


def remote_states(tf: dict[str, Any]) -> set[str]:
    """Stack ids this stack reads contracts from (data.terraform_remote_state.<stack id>)."""
    return set(tf.get("data", {}).get("terraform_remote_state", {}))


read_output = read_of  # (stack, output) when value is exactly one output of another stack's


def reads_output_of(value: str, stack: str, output: str) -> bool:
    """value is the output named `output` of stack's contract (stacks/contract.py)."""
    return read_output(value) == (stack, output)


def _configs_at_collection():
    from platform_config import load_environments
    from tests.conftest import CONFIG_DIR

    return load_environments(CONFIG_DIR)


_COLLECTED = _configs_at_collection()


def environments_where(predicate) -> list[str]:
    """The shipped environments whose config satisfies predicate (read at collection time)."""
    return [c.environment for c in _COLLECTED if predicate(c)]


SANDBOX = environments_where(lambda c: c.network.sandbox)
IT_MODE = environments_where(lambda c: not c.network.sandbox)


def test_the_synthesis_holds_exactly_the_stacks_build_environment_returned(synthesized):
    returned = {stack for ids in synthesized.stack_ids.values() for stack in ids}
    returned |= set(synthesized.account_stack_ids.values())
    assert set(synthesized.stacks) == returned
    assert set(synthesized.stack_ids) == set(ENVIRONMENTS)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_dependencies_run_one_way_in_build_order(synthesized, env):
    order = synthesized.stack_ids[env]
    for position, stack in enumerate(order):
        kind = synthesized.kind(stack)
        assert kind in EXPECTED_READS, f"{stack}: add its expected reads to EXPECTED_READS"
        reads = remote_states(synthesized.stacks[stack])
        # An optional stack (governance) is read where the environment has it.
        assert reads == {f"{env}-{k}" for k in EXPECTED_READS[kind]} & set(order)
        assert reads <= set(order[:position]), f"{stack} reads a stack built after it"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_azurerm_provider_reads_storage_with_entra_id_and_never_purges_key_vaults(synthesized, env):
    for stack in synthesized.stack_ids[env]:
        if synthesized.kind(stack) in DATABRICKS_ONLY:
            assert "azurerm" not in synthesized.stacks[stack]["provider"], stack
            continue
        providers = synthesized.stacks[stack]["provider"]["azurerm"]
        (default,) = [p for p in providers if "alias" not in p]
        assert default["storage_use_azuread"] is True
        assert default["resource_provider_registrations"] == "none"
        (features,) = default["features"]
        (key_vault,) = features["key_vault"]
        assert key_vault["purge_soft_delete_on_destroy"] is False
        assert key_vault["recover_soft_deleted_key_vaults"] is True
        for provider in providers:  # authentication comes from the environment, never the code
            assert not {"client_id", "client_secret", "use_oidc", "use_cli"} & set(provider)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_each_stack_has_its_own_state(synthesized, config_of, env):
    state = config_of[env].state
    for stack in synthesized.stack_ids[env]:
        backend = synthesized.stacks[stack]["terraform"]["backend"]
        if state.backend == "local":
            assert backend == {"local": {"path": f"../../../terraform.{stack}.tfstate"}}
        else:
            azurerm = backend["azurerm"]
            assert azurerm["key"] == f"{state.key_prefix or env}/{stack}.tfstate"
            assert azurerm["storage_account_name"] == state.storage_account
            assert azurerm["use_oidc"] is state.use_oidc
            assert azurerm["use_azuread_auth"] is True


@pytest.mark.parametrize("env", SANDBOX)
def test_sandbox_network_creates_vnet_and_linked_zones(stacks, config_of, env):
    tf = stacks[f"{env}-network"]
    vnet = only(tf, "azurerm_virtual_network")
    assert vnet["address_space"] == list(config_of[env].network.address_space)
    purposes = config_of[env].dns_zone_purposes
    assert len(resources(tf, "azurerm_private_dns_zone")) == len(purposes)
    assert len(resources(tf, "azurerm_private_dns_zone_virtual_network_link")) == len(purposes)
    assert "data" not in tf


@pytest.mark.parametrize("env", IT_MODE)
def test_it_network_looks_up_vnet_and_zones_and_creates_neither(stacks, config_of, env):
    network = config_of[env].network
    tf = stacks[f"{env}-network"]
    assert resources(tf, "azurerm_virtual_network") == []
    assert resources(tf, "azurerm_private_dns_zone") == []
    it_vnet = require_resource_id(network.vnet_id, "Microsoft.Network", "virtualNetworks")
    (vnet,) = data_sources(tf, "azurerm_virtual_network")
    assert (vnet["name"], vnet["resource_group_name"]) == (it_vnet.name, it_vnet.resource_group)
    subnets = resources(tf, "azurerm_subnet")
    assert {s["resource_group_name"] for s in subnets} == {it_vnet.resource_group}
    assert {s["virtual_network_name"] for s in subnets} == {it_vnet.name}
    # One look-up per zone the environment's endpoints use (governance adds Purview's).
    looked_up = {z["name"] for z in data_sources(tf, "azurerm_private_dns_zone")}
    assert looked_up == {ALL_DNS_ZONES[purpose] for purpose in config_of[env].dns_zone_purposes}


@pytest.mark.parametrize("env", IT_MODE)
def test_it_lookups_use_the_subscription_their_id_names(stacks, config_of, env):
    config = config_of[env]
    tf = stacks[f"{env}-network"]
    aliases = {p.get("alias"): p["subscription_id"] for p in tf["provider"]["azurerm"]}
    zone_ids = config.network.private_dns_zone_ids.model_dump()
    for zone in data_sources(tf, "azurerm_private_dns_zone"):
        (zone_id,) = [z for z in zone_ids.values() if z and z.endswith(f"/{zone['name']}")]
        subscription = require_resource_id(
            zone_id, "Microsoft.Network", "privateDnsZones"
        ).subscription
        alias = zone.get("provider", "azurerm").removeprefix("azurerm").removeprefix(".") or None
        assert aliases[alias] == subscription
    vnet_id = require_resource_id(config.network.vnet_id, "Microsoft.Network", "virtualNetworks")
    (vnet,) = data_sources(tf, "azurerm_virtual_network")
    alias = vnet.get("provider", "azurerm").removeprefix("azurerm").removeprefix(".") or None
    assert aliases[alias] == vnet_id.subscription


def _it_config(config_of, **network_changes):
    config = config_of[IT_MODE[0]]
    network = config.network.model_copy(update=network_changes)
    return config.model_copy(update={"network": network})


@pytest.mark.parametrize("env", SANDBOX)
def test_sandbox_databricks_egress_goes_through_a_nat_gateway(stacks, config_of, env):
    if config_of[env].network.firewall is not None:
        pytest.skip(f"{env}'s egress goes through its firewall (tests/test_egress.py)")
    associations = resources(stacks[f"{env}-network"], "azurerm_subnet_nat_gateway_association")
    assert sorted(a["subnet_id"].split(".")[1] for a in associations) == [
        "databricks-subnets_container-subnet_0AE6E3D2",
        "databricks-subnets_host-subnet_0888DDB9",
    ]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_databricks_subnets_have_the_egress_path_the_config_names(stacks, config_of, env):
    """Clusters have no public IPs and the subnets no default outbound access: either IT's
    route table (UDR to its firewall) or a NAT gateway serves both subnets."""
    net = config_of[env].network
    tf = stacks[f"{env}-network"]
    subnets = {
        f"${{azurerm_subnet.{key}.id}}"
        for key, body in tf["resource"]["azurerm_subnet"].items()
        if body.get("delegation")
    }
    routes = resources(tf, "azurerm_subnet_route_table_association")
    nats = resources(tf, "azurerm_subnet_nat_gateway_association")
    if net.route_table_id:
        assert {r["subnet_id"] for r in routes} == subnets
        assert {r["route_table_id"] for r in routes} == {net.route_table_id}
        assert nats == []
    elif net.firewall is not None:
        (table,) = tf["resource"]["azurerm_route_table"]
        assert {r["subnet_id"] for r in routes} == subnets
        assert {r["route_table_id"] for r in routes} == {f"${{azurerm_route_table.{table}.id}}"}
        # Kept only for the first of the two deploys that move an environment to it.
        assert {n["subnet_id"] for n in nats} == (subnets if net.creates_nat_gateway else set())
    else:
        assert net.creates_nat_gateway and routes == []
        assert {n["subnet_id"] for n in nats} == subnets


@pytest.mark.skipif(not IT_MODE, reason="no shipped environment in IT mode")
def test_nat_gateway_option_overrides_the_mode_default(config_of):
    from stacks.network import NetworkStack

    config = _it_config(config_of, nat_gateway=True, route_table_id=None)
    tf = synth_stack(lambda app: NetworkStack(app, config=config))
    assert only(tf, "azurerm_nat_gateway")["name"] == f"ng-{config.prefix}-{config.environment}-dbw"
    assert len(resources(tf, "azurerm_subnet_nat_gateway_association")) == 2


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_workspace_uses_the_network_stacks_subnets_and_associations(stacks, config_of, env):
    ws = only(stacks[f"{env}-databricks"], "azurerm_databricks_workspace")
    params = ws["custom_parameters"]
    network = f"{env}-network"
    assert params["no_public_ip"] is True
    assert reads_output_of(
        params["public_subnet_name"], network, "databricks_subnets_host_subnet_name"
    )
    assert reads_output_of(
        params["private_subnet_name"], network, "databricks_subnets_container_subnet_name"
    )
    assert reads_output_of(
        params["public_subnet_network_security_group_association_id"],
        network,
        "databricks_subnets_host_nsg_association_id",
    )
    assert reads_output_of(
        params["private_subnet_network_security_group_association_id"],
        network,
        "databricks_subnets_container_nsg_association_id",
    )
    assert reads_output_of(params["virtual_network_id"], network, "virtual_network_id")
    assert ws["public_network_access_enabled"] is config_of[env].databricks.public_network_access


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_browser_authentication_endpoint_follows_the_config(stacks, config_of, env):
    subresources = {
        e["private_service_connection"]["subresource_names"][0]
        for e in resources(stacks[f"{env}-databricks"], "azurerm_private_endpoint")
        if "Microsoft.Storage" not in str(e)  # the workspace storage's own endpoints
    }
    creates = config_of[env].databricks.browser_authentication_private_endpoint
    assert subresources == {"databricks_ui_api"} | (
        {"browser_authentication"} if creates else set()
    )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_private_endpoints_use_the_network_stacks_subnet_and_zones(stacks, env):
    for kind in ("platform", "databricks"):
        for endpoint in resources(stacks[f"{env}-{kind}"], "azurerm_private_endpoint"):
            assert endpoint["name"].startswith("pep-")
            assert endpoint["custom_network_interface_name"] == f"{endpoint['name']}-nic"
            assert reads_output_of(
                endpoint["subnet_id"], f"{env}-network", "private_endpoint_subnet_id"
            )
            (zone,) = endpoint["private_dns_zone_group"]["private_dns_zone_ids"]
            stack, output = read_output(zone) or ("", "")
            assert stack == f"{env}-network" and output.startswith("private_dns_zone_ids_")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_lake_and_vault_endpoints_are_named_by_the_naming_helper(stacks, config_of, env):
    from platform_config import PlatformNames
    from platform_config.checks import naming_for

    names = PlatformNames.derive(naming_for(config_of[env]))
    endpoints = by_name(resources(stacks[f"{env}-platform"], "azurerm_private_endpoint"))
    assert set(endpoints) == {
        names.pep_lake_dfs,
        names.pep_lake_blob,
        names.pep_key_vault_platform,
        names.pep_key_vault_databricks,
    }


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_platform_has_two_key_vaults_one_for_databricks(stacks, config_of, env):
    from platform_config import PlatformNames
    from platform_config.checks import naming_for

    names = PlatformNames.derive(naming_for(config_of[env]))
    vaults = by_name(resources(stacks[f"{env}-platform"], "azurerm_key_vault"))
    assert set(vaults) == {names.key_vault_platform, names.key_vault_databricks}
    assert {v["sku_name"] for v in vaults.values()} == {config_of[env].skus.key_vault}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_access_connector_reads_landing_and_writes_the_other_containers(stacks, env):
    assignments = resources(stacks[f"{env}-databricks"], "azurerm_role_assignment")
    by_role: dict[str, list[str]] = {}
    for a in assignments:
        by_role.setdefault(a["role_definition_name"], []).append(a["scope"])
    platform = f"{env}-platform"
    readers = by_role["Storage Blob Data Reader"]
    assert len(readers) == 1 and reads_output_of(readers[0], platform, "lake_container_ids_landing")
    writers = by_role["Storage Blob Data Contributor"]
    assert len(writers) == 4
    for container in ("bronze", "silver", "gold", "unity-catalog"):
        assert any(reads_output_of(s, platform, f"lake_container_ids_{container}") for s in writers)
    # Containers are scoped by their Resource Manager id (`id` when created by account id).
    published = stacks[platform]["output"]
    for scope in writers:
        _, output = read_output(scope) or ("", "")
        value = published[output]["value"]
        assert value.endswith(".id}") and "resource_manager_id" not in value, value


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_lake_firewall_rule_for_the_connector_is_declared_in_the_databricks_stack(stacks, env):
    rules = only(stacks[f"{env}-databricks"], "azurerm_storage_account_network_rules")
    assert reads_output_of(
        rules["storage_account_id"], f"{env}-platform", "lake_storage_account_id"
    )
    assert rules["private_link_access"][0]["endpoint_resource_id"].startswith(
        "${azurerm_databricks_access_connector."
    )
    assert resources(stacks[f"{env}-platform"], "azurerm_storage_account_network_rules") == []


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_lake_replication_follows_the_config(stacks, config_of, env):
    lake = only(stacks[f"{env}-platform"], "azurerm_storage_account")
    assert lake["account_replication_type"] == config_of[env].skus.storage_replication


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_resource_providers_are_registered_only_on_request(stacks, config_of, env):
    registrations = resources(stacks[f"{env}-platform"], "azurerm_resource_provider_registration")
    assert bool(registrations) is config_of[env].register_resource_providers


def fake_network_outputs():
    from stacks.network import DatabricksSubnetOutputs, NetworkOutputs, PrivateDnsZoneIds

    return NetworkOutputs(
        virtual_network_id="vnet-id",
        databricks_subnets=DatabricksSubnetOutputs(
            host_subnet_name="host",
            container_subnet_name="container",
            host_nsg_association_id="host-nsg",
            container_nsg_association_id="container-nsg",
        ),
        private_endpoint_subnet_id="pep-subnet",
        private_dns_zone_ids=PrivateDnsZoneIds(
            dfs="dfs", blob="blob", vault="vault", databricks="dbx"
        ),
    )


def test_resource_provider_registration_option(config_of):
    from stacks.platform import FORMER_REGISTRATIONS, PlatformStack

    config = config_of[ENVIRONMENTS[0]].model_copy(update={"register_resource_providers": True})

    def build(app):
        stack = PlatformStack(app, config=config, network=fake_network_outputs())
        budget = ("Microsoft.Consumption",) if config.alerts and config.alerts.budget else ()
        assert stack.register_resource_providers() == (
            *budget,
            "Microsoft.Insights",
            "Microsoft.KeyVault",
            "Microsoft.Network",
            "Microsoft.OperationalInsights",
            "Microsoft.Storage",
        )
        return stack

    tf = synth_stack(build)
    (default,) = tf["provider"]["azurerm"]
    assert default["resource_providers_to_register"][0] == (
        "Microsoft.Consumption" if config.alerts and config.alerts.budget else "Microsoft.Insights"
    )
    assert default["resource_provider_registrations"] == "none"
    # The registrations the stack held as resources are forgotten, never unregistered.
    assert resources(tf, "azurerm_resource_provider_registration") == []
    assert tf["removed"] == [
        {
            "from": f"azurerm_resource_provider_registration.{name}",
            "lifecycle": {"destroy": False},
        }
        for name in FORMER_REGISTRATIONS
    ]
    # The contract's plain values are used as they are: no cross-stack reference is made.
    assert "terraform_remote_state" not in tf.get("data", {})
    (dfs,) = [
        e for e in resources(tf, "azurerm_private_endpoint") if e["name"].endswith("lake-dfs")
    ]
    assert dfs["subnet_id"] == "pep-subnet"
    assert dfs["private_dns_zone_group"]["private_dns_zone_ids"] == ["dfs"]


# Resource types that take tags and that the platform creates: each must carry them.
TAGGED = (
    "azurerm_storage_account",
    "azurerm_key_vault",
    "azurerm_databricks_workspace",
    "azurerm_databricks_access_connector",
    "azurerm_network_security_group",
    "azurerm_private_endpoint",
    "azurerm_log_analytics_workspace",
    "azurerm_virtual_network",
    "azurerm_private_dns_zone",
    "azurerm_nat_gateway",
    "azurerm_public_ip",
)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_tags_merge_config_tags_with_platform_tags(synthesized, config_of, env):
    checked = 0
    for stack in synthesized.stack_ids[env]:
        for resource_type, items in synthesized.stacks[stack].get("resource", {}).items():
            for logical_id, resource in items.items():
                if resource_type in TAGGED:
                    assert "tags" in resource, f"{stack}: {resource_type}.{logical_id} has no tags"
                if "tags" not in resource:
                    continue
                expected = {
                    **config_of[env].tags,
                    "environment": env,
                    "managed-by": "cdktf",
                    "stack": stack,
                }
                tags = resource["tags"]
                if "custom_tags" in tags:  # a SQL warehouse's tags are a list of key/value pairs
                    tags = {t["key"]: t["value"] for t in tags["custom_tags"]}
                assert tags == expected, f"{stack}: {resource_type}.{logical_id}"
                checked += 1
    assert checked >= 10


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_unity_catalog_storage_credential_is_the_databricks_stacks_access_connector(stacks, env):
    tf = stacks[f"{env}-unity-catalog"]
    credential = only(tf, "databricks_storage_credential")
    connector = credential["azure_managed_identity"]["access_connector_id"]
    assert reads_output_of(connector, f"{env}-databricks", "access_connector_id")
    (key,) = tf["resource"]["databricks_storage_credential"]
    locations = resources(tf, "databricks_external_location")
    assert len(locations) == 5
    for location in locations:
        assert location["credential_name"] == f"${{databricks_storage_credential.{key}.name}}"
        assert reads_output_of(
            location["url"].split("@")[1].split(".dfs.")[0],
            f"{env}-platform",
            "lake_storage_account_name",
        )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_each_schema_grants_exactly_the_configured_principals(stacks, config_of, env):
    """Grants are authoritative: a group without a grant on a layer (analysts on bronze, say)
    gets nothing there; the admin group (and Purview's identity) are added by the stack."""
    config = config_of[env]
    tf = stacks[f"{env}-unity-catalog"]
    keys = {v["name"]: k for k, v in tf["resource"]["databricks_schema"].items()}
    ids = {p.name: p.application_id for p in config.unity_catalog.service_principals}
    for layer, name in config.unity_catalog.schemas.model_dump().items():
        (grants,) = [
            g for g in resources(tf, "databricks_grants") if keys[name] in g.get("schema", "")
        ]
        granted = {g["principal"] for g in grants["grant"]}
        configured = {ids.get(p, p) for p in config.unity_catalog.grants.schemas.get(layer, {})}
        extra = {p for p in granted - configured - {config.admin_group_name}}
        assert all(p.endswith(".outputs.purview_client_id}") for p in extra), (layer, extra)
        assert configured <= granted


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_catalog_stores_its_managed_tables_in_the_unity_catalog_container(
    stacks, config_of, env
):
    catalog = only(stacks[f"{env}-unity-catalog"], "databricks_catalog")
    config = config_of[env]
    assert catalog["name"] == config.catalog_name
    assert catalog["storage_root"].startswith("abfss://unity-catalog@")
    assert catalog["storage_root"].endswith(f".dfs.core.windows.net/{config.catalog_name}")
    assert catalog["owner"] == config.admin_group_name


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_each_layer_schema_keeps_its_managed_tables_in_its_layer_container(stacks, config_of, env):
    config = config_of[env]
    schemas = {s["name"]: s for s in resources(stacks[f"{env}-unity-catalog"], "databricks_schema")}
    for layer, name in config.unity_catalog.schemas.model_dump().items():
        root = schemas[name]["storage_root"]
        assert root.startswith(f"abfss://{layer}@")
        assert root.endswith(f".dfs.core.windows.net/{config.catalog_name}")
        # Created there; a schema deployed before keeps its location instead of being replaced.
        assert schemas[name]["lifecycle"] == {
            "prevent_destroy": True,
            "ignore_changes": ["storage_root"],
        }


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_a_private_workspace_keeps_its_own_storage_private(stacks, config_of, env):
    databricks = config_of[env].databricks
    tf = stacks[f"{env}-databricks"]
    workspace = only(tf, "azurerm_databricks_workspace")
    if not databricks.has_storage_firewall:
        assert "default_storage_firewall_enabled" not in workspace
        assert "access_connector_id" not in workspace
    if not databricks.has_private_storage:
        return
    if databricks.has_storage_firewall:
        assert workspace["default_storage_firewall_enabled"] is True
        (connector,) = tf["resource"]["azurerm_databricks_access_connector"]
        assert workspace["access_connector_id"] == (
            f"${{azurerm_databricks_access_connector.{connector}.id}}"
        )
    # The storage account's id from values known at plan: the subscription, the managed
    # resource group and the name the workspace reports (no look-up read at apply).
    (workspace_name,) = tf["resource"]["azurerm_databricks_workspace"]
    account_id = (
        f"/subscriptions/{config_of[env].subscription_id}/resourceGroups/"
        f"{workspace['managed_resource_group_name']}/providers/Microsoft.Storage/"
        f"storageAccounts/${{azurerm_databricks_workspace.{workspace_name}"
        ".custom_parameters[0].storage_account_name}"
    )
    assert "azurerm_resources" not in tf.get("data", {})
    storage = {
        e["private_service_connection"]["subresource_names"][0]: e
        for e in resources(tf, "azurerm_private_endpoint")
        if e["private_service_connection"]["private_connection_resource_id"] == account_id
    }
    assert set(storage) == {"dfs", "blob"}
    for subresource, endpoint in storage.items():
        (zone,) = endpoint["private_dns_zone_group"]["private_dns_zone_ids"]
        assert reads_output_of(zone, f"{env}-network", f"private_dns_zone_ids_{subresource}")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_catalog_locations_and_credential_are_bound_to_the_environments_workspace(
    stacks, config_of, env
):
    tf = stacks[f"{env}-unity-catalog"]
    bindings = resources(tf, "databricks_workspace_binding")
    own = [b for b in bindings if b["binding_type"] == "BINDING_TYPE_READ_WRITE"]
    assert all(reads_output_of(b["workspace_id"], f"{env}-databricks", "workspace_id") for b in own)
    kinds = sorted(b["securable_type"] for b in own)
    containers = len(resources(tf, "databricks_external_location"))
    assert kinds == ["catalog", *["external_location"] * containers, "storage_credential"]
    read_only = sorted(
        str(b["workspace_id"]) for b in bindings if b["binding_type"] == "BINDING_TYPE_READ_ONLY"
    )
    assert read_only == sorted(config_of[env].unity_catalog.read_only_workspaces)


def test_the_architecture_page_lists_every_stack_with_its_reads():
    """docs/architecture.md's table of stacks is EXPECTED_READS, which the synthesis is held to."""
    text = (REPO_ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = text[text.index("stack <env>-...") :].split("\n\n", 1)[0].splitlines()[1:]
    documented = {}
    for line in table:
        kind, reads, _publishes = re.split(r"\s{2,}", line.strip())
        documented[kind.strip("[]")] = (
            set() if reads == "-" else {r.strip("[] ") for r in reads.split(",")}
        )
    environment_kinds = {k: v for k, v in EXPECTED_READS.items() if k != "account"}
    assert documented == environment_kinds


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_audit_logs_of_the_workspace_the_vaults_and_the_lake_reach_log_analytics(stacks, env):
    """allLogs: every category of each (the workspace's accounts and unityCatalog included,
    a vault's AuditEvent, storage reads, writes and deletes), to the platform's workspace."""
    audited: dict[str, set[str]] = {}
    for kind in ("platform", "databricks"):
        tf = stacks[f"{env}-{kind}"]
        for setting in resources(tf, "azurerm_monitor_diagnostic_setting"):
            if {"category_group": "allLogs"} not in setting.get("enabled_log", []):
                continue
            target = setting["target_resource_id"]
            for type_name in ("azurerm_databricks_workspace", "azurerm_key_vault"):
                if target.startswith(f"${{{type_name}."):
                    audited.setdefault(type_name, set()).add(target)
            if target.startswith("${azurerm_storage_account.") and target.endswith(
                ("/blobServices/default", "/queueServices/default")
            ):
                audited.setdefault("lake", set()).add(target.rsplit("/", 2)[1])
            assert reads_output_of(
                setting["log_analytics_workspace_id"],
                f"{env}-platform",
                "log_analytics_workspace_id",
            ) or setting["log_analytics_workspace_id"].startswith(
                "${azurerm_log_analytics_workspace."
            )
    assert len(audited["azurerm_databricks_workspace"]) == 1
    assert len(audited["azurerm_key_vault"]) == 2
    assert audited["lake"] == {"blobServices", "queueServices"}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_adopted_groups_move_from_their_former_address_and_the_rest_is_forgotten(
    stacks, config_of, env
):
    """Where an environment's adopted groups lived until a shared one moved to the account
    scope: the ones that stay move (state kept); what is left there is forgotten, never
    destroyed. The upgrade rehearsal applies it (tests/test_rehearsal.py)."""
    from stacks.unity_catalog import FORMER_ADOPTED_GROUPS

    tf = stacks[f"{env}-unity-catalog"]
    former_group = f"databricks_group.{FORMER_ADOPTED_GROUPS['databricks_group']}"
    former_assignment = (
        "databricks_mws_permission_assignment."
        f"{FORMER_ADOPTED_GROUPS['databricks_mws_permission_assignment']}"
    )
    assert tf["removed"] == [
        {"from": former_group, "lifecycle": {"destroy": False}},
        {"from": former_assignment, "lifecycle": {"destroy": False}},
    ]
    groups = config_of[env].unity_catalog.groups
    adopted = sorted(g.name for g in groups if g.entra_object_id)
    assigned = sorted(g.name for g in groups if g.entra_object_id and g.workspace_permission)
    if not adopted:
        assert "moved" not in tf
        return
    (group,) = [k for k in tf["resource"]["databricks_group"] if "adopted-groups" in k]
    expected = [
        {"from": f'{former_group}["{n}"]', "to": f'databricks_group.{group}["{n}"]'}
        for n in adopted
    ]
    if assigned:
        (assignment,) = [
            k
            for k in tf["resource"]["databricks_mws_permission_assignment"]
            if "adopted-groups" in k
        ]
        expected += [
            {
                "from": f'{former_assignment}["{n}"]',
                "to": f'databricks_mws_permission_assignment.{assignment}["{n}"]',
            }
            for n in assigned
        ]
    assert tf["moved"] == expected
