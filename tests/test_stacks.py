"""The stacks of every shipped environment, read from one synthesis: wiring and intent."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.helpers import by_name, data_sources, only, resources

ENVIRONMENTS = ("dev", "prod")
STACK_NAMES = ("network", "platform", "databricks")


def remote_states(tf: dict[str, Any]) -> set[str]:
    """Stack ids this stack reads outputs from (cdktf cross-stack references)."""
    names = tf.get("data", {}).get("terraform_remote_state", {})
    return {name.removeprefix("cross-stack-reference-input-") for name in names}


def reads_output_of(value: str, stack: str, fragment: str) -> bool:
    pattern = rf"^\$\{{data\.terraform_remote_state\.cross-stack-reference-input-{stack}\.outputs\.cross-stack-output-[^}}]*{re.escape(fragment)}[^}}]*\}}$"
    return re.match(pattern, value) is not None


def test_every_environment_has_network_platform_and_databricks_stacks(stacks):
    assert set(stacks) == {f"{env}-{name}" for env in ENVIRONMENTS for name in STACK_NAMES}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_dependencies_run_network_then_platform_then_databricks(stacks, env):
    assert remote_states(stacks[f"{env}-network"]) == set()
    assert remote_states(stacks[f"{env}-platform"]) == {f"{env}-network"}
    assert remote_states(stacks[f"{env}-databricks"]) == {f"{env}-network", f"{env}-platform"}


@pytest.mark.parametrize("stack", [f"{e}-{n}" for e in ENVIRONMENTS for n in STACK_NAMES])
def test_provider_reads_storage_with_entra_id_and_never_purges_key_vaults(stacks, stack):
    provider = stacks[stack]["provider"]["azurerm"][0]
    assert provider["storage_use_azuread"] is True
    assert provider["resource_provider_registrations"] == "none"
    (features,) = provider["features"]
    (key_vault,) = features["key_vault"]
    assert key_vault["purge_soft_delete_on_destroy"] is False
    assert key_vault["recover_soft_deleted_key_vaults"] is True


def test_dev_state_is_local_per_stack(stacks):
    for name in STACK_NAMES:
        backend = stacks[f"dev-{name}"]["terraform"]["backend"]
        assert backend == {"local": {"path": f"../../../terraform.dev-{name}.tfstate"}}


def test_prod_state_is_one_blob_per_stack_with_oidc(stacks):
    for name in STACK_NAMES:
        backend = stacks[f"prod-{name}"]["terraform"]["backend"]["azurerm"]
        assert backend["key"] == f"prod/prod-{name}.tfstate"
        assert backend["use_oidc"] is True
        assert backend["use_azuread_auth"] is True


def test_sandbox_network_creates_vnet_and_linked_zones(stacks):
    tf = stacks["dev-network"]
    vnet = only(tf, "azurerm_virtual_network")
    assert vnet["address_space"] == ["10.20.0.0/22"]
    assert len(resources(tf, "azurerm_private_dns_zone")) == 4
    assert len(resources(tf, "azurerm_private_dns_zone_virtual_network_link")) == 4
    assert "data" not in tf


def test_it_network_looks_up_vnet_and_zones_and_creates_neither(stacks):
    tf = stacks["prod-network"]
    assert resources(tf, "azurerm_virtual_network") == []
    assert resources(tf, "azurerm_private_dns_zone") == []
    (vnet,) = data_sources(tf, "azurerm_virtual_network")
    assert (vnet["name"], vnet["resource_group_name"]) == ("vnet-it-spoke-prod", "rg-it-network")
    zones = data_sources(tf, "azurerm_private_dns_zone")
    assert len(zones) == 4
    # IT's zones live in the hub subscription: they are read through an aliased provider.
    assert {z["provider"] for z in zones} == {"azurerm.it_dns"}
    hub = [p for p in tf["provider"]["azurerm"] if p.get("alias") == "it_dns"]
    assert hub[0]["subscription_id"] == "22222222-2222-2222-2222-222222222222"


def test_sandbox_databricks_egress_goes_through_a_nat_gateway_and_it_mode_uses_its_firewall(stacks):
    associations = resources(stacks["dev-network"], "azurerm_subnet_nat_gateway_association")
    assert sorted(a["subnet_id"].split(".")[1] for a in associations) == [
        "databricks-subnets_container-subnet_0AE6E3D2", "databricks-subnets_host-subnet_0888DDB9"
    ]
    assert resources(stacks["prod-network"], "azurerm_nat_gateway") == []


def test_nat_gateway_option_overrides_the_mode_default(shipped_configs, tmp_path):
    from main import build_app

    prod = next(c for c in shipped_configs if c.environment == "prod")
    network = prod.network.model_copy(update={"nat_gateway": True})
    app = build_app([prod.model_copy(update={"network": network})], outdir=str(tmp_path))
    app.synth()
    tf = json.loads((tmp_path / "stacks" / "prod-network" / "cdk.tf.json").read_text())
    assert only(tf, "azurerm_nat_gateway")["name"] == "ng-mdp-prod-dbw"
    assert len(resources(tf, "azurerm_subnet_nat_gateway_association")) == 2


def test_it_network_subnets_are_created_in_the_vnet_resource_group(stacks):
    subnets = resources(stacks["prod-network"], "azurerm_subnet")
    assert {s["resource_group_name"] for s in subnets} == {"rg-it-network"}
    assert {s["virtual_network_name"] for s in subnets} == {"vnet-it-spoke-prod"}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_workspace_uses_the_network_stacks_subnets_and_associations(stacks, env):
    ws = only(stacks[f"{env}-databricks"], "azurerm_databricks_workspace")
    params = ws["custom_parameters"]
    network = f"{env}-network"
    assert params["no_public_ip"] is True
    assert reads_output_of(params["public_subnet_name"], network, "host-subnet")
    assert reads_output_of(params["private_subnet_name"], network, "container-subnet")
    assert reads_output_of(
        params["public_subnet_network_security_group_association_id"], network, "host-nsg-association"
    )
    assert reads_output_of(
        params["private_subnet_network_security_group_association_id"], network,
        "container-nsg-association",
    )
    assert reads_output_of(params["virtual_network_id"], network, "vnet")
    assert ws["public_network_access_enabled"] is False


def test_only_dev_owns_the_regions_browser_authentication_endpoint(stacks):
    def subresources(env):
        return {
            e["private_service_connection"]["subresource_names"][0]
            for e in resources(stacks[f"{env}-databricks"], "azurerm_private_endpoint")
        }

    assert subresources("dev") == {"databricks_ui_api", "browser_authentication"}
    assert subresources("prod") == {"databricks_ui_api"}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_lake_endpoints_use_the_network_stacks_subnet_and_zones(stacks, env):
    endpoints = by_name(resources(stacks[f"{env}-platform"], "azurerm_private_endpoint"))
    assert set(endpoints) == {
        f"pep-mdp-{env}-lake-dfs", f"pep-mdp-{env}-lake-blob",
        f"pep-mdp-{env}-kv-platform", f"pep-mdp-{env}-kv-databricks",
    }
    for endpoint in endpoints.values():
        assert reads_output_of(endpoint["subnet_id"], f"{env}-network", "private-endpoint-subnet")
        (zone,) = endpoint["private_dns_zone_group"]["private_dns_zone_ids"]
        assert reads_output_of(zone, f"{env}-network", "private-dns-zones")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_platform_has_two_key_vaults_one_for_databricks(stacks, env):
    vaults = by_name(resources(stacks[f"{env}-platform"], "azurerm_key_vault"))
    assert set(vaults) == {f"kv-mdp-{env}-plat-01", f"kv-mdp-{env}-dbw-01"}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_access_connector_reads_landing_and_writes_the_other_containers(stacks, env):
    assignments = resources(stacks[f"{env}-databricks"], "azurerm_role_assignment")
    by_role: dict[str, list[str]] = {}
    for a in assignments:
        by_role.setdefault(a["role_definition_name"], []).append(a["scope"])
    platform = f"{env}-platform"
    readers = by_role["Storage Blob Data Reader"]
    assert len(readers) == 1 and reads_output_of(readers[0], platform, "container-landing")
    writers = by_role["Storage Blob Data Contributor"]
    assert len(writers) == 4
    for container in ("bronze", "silver", "gold", "unity-catalog"):
        assert any(reads_output_of(s, platform, f"container-{container}") for s in writers)
    # Containers are scoped by their Resource Manager id (`id` when created by account id).
    assert all(s.endswith("id}") and "resource_manager_id" not in s for s in writers)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_lake_firewall_rule_for_the_connector_is_declared_in_the_databricks_stack(stacks, env):
    rules = only(stacks[f"{env}-databricks"], "azurerm_storage_account_network_rules")
    assert reads_output_of(rules["storage_account_id"], f"{env}-platform", "lake_account")
    assert rules["private_link_access"][0]["endpoint_resource_id"].startswith(
        "${azurerm_databricks_access_connector."
    )
    assert resources(stacks[f"{env}-platform"], "azurerm_storage_account_network_rules") == []


def test_prod_lake_is_geo_zone_redundant_and_dev_is_local(stacks):
    assert only(stacks["prod-platform"], "azurerm_storage_account")["account_replication_type"] == "GZRS"
    assert only(stacks["dev-platform"], "azurerm_storage_account")["account_replication_type"] == "LRS"


def test_resource_providers_are_not_registered_by_default(stacks):
    for env in ENVIRONMENTS:
        assert resources(stacks[f"{env}-platform"], "azurerm_resource_provider_registration") == []


def test_register_resource_providers_option(shipped_configs, tmp_path):
    from main import build_app

    dev = next(c for c in shipped_configs if c.environment == "dev")
    app = build_app([dev.model_copy(update={"register_resource_providers": True})],
                    outdir=str(tmp_path))
    app.synth()
    tf = json.loads((tmp_path / "stacks" / "dev-platform" / "cdk.tf.json").read_text())
    assert {r["name"] for r in resources(tf, "azurerm_resource_provider_registration")} == {
        "Microsoft.Databricks", "Microsoft.DataFactory", "Microsoft.Purview",
        "Microsoft.Storage", "Microsoft.KeyVault",
    }


TAGGED = ("azurerm_storage_account", "azurerm_key_vault", "azurerm_databricks_workspace",
          "azurerm_databricks_access_connector", "azurerm_network_security_group",
          "azurerm_private_endpoint", "azurerm_log_analytics_workspace")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_tags_merge_config_tags_with_platform_tags(stacks, env):
    for stack in (f"{env}-{n}" for n in STACK_NAMES):
        for resource_type in TAGGED:
            for resource in resources(stacks[stack], resource_type):
                tags = resource["tags"]
                assert tags["environment"] == env
                assert tags["managed-by"] == "cdktf"
                assert tags["stack"] == stack
                assert tags["workload"] == "mini-data-platform"
