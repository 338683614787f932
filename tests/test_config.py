"""Configuration: every rule rejects bad input with the file, field, value and what is allowed."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from platform_config import ConfigError, load_environment, load_environments
from platform_config.model import AzurermState, LocalState

MINIMAL: dict[str, Any] = {
    "environment": "dev",
    "subscription_id": "00000000-0000-0000-0000-000000000000",
    "resource_group": "rg-mdp-dev",
    "location": "westeurope",
    "prefix": "mdp",
    "databricks": {"account_id": "00000000-0000-0000-0000-00000000000a"},
    "unity_catalog": {
        "deployer": "dana@example.com",
        "users": [{"user_name": "dana@example.com", "platform_admin": True}],
    },
    "network": {
        "sandbox": True,
        "address_space": ["10.20.0.0/22"],
        "subnets": {
            "databricks_host": "10.20.0.0/24",
            "databricks_container": "10.20.1.0/24",
            "private_endpoints": "10.20.2.0/26",
        },
    },
}
IT_NETWORK: dict[str, Any] = {
    "sandbox": False,
    "nat_gateway": True,  # an egress path (or route_table_id): IT mode needs one
    "vnet_id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net"
    "/providers/Microsoft.Network/virtualNetworks/vnet-spoke",
    "address_space": ["10.40.0.0/21"],
    "subnets": {
        "databricks_host": "10.40.0.0/23",
        "databricks_container": "10.40.2.0/23",
        "private_endpoints": "10.40.4.0/26",
    },
    "private_dns_zone_ids": {
        zone: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dns"
        f"/providers/Microsoft.Network/privateDnsZones/privatelink.{suffix}"
        for zone, suffix in {
            "dfs": "dfs.core.windows.net",
            "blob": "blob.core.windows.net",
            "vault": "vaultcore.azure.net",
            "databricks": "azuredatabricks.net",
        }.items()
    },
}


def write(tmp_path: Path, data: dict[str, Any], name: str = "dev") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def with_change(path: str, value: Any, base: dict[str, Any] = MINIMAL) -> dict[str, Any]:
    """A copy of base with the dotted `path` set to value (or removed if value is DELETE)."""
    data = copy.deepcopy(base)
    *parents, last = path.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return data


DELETE = object()


def problems(tmp_path: Path, data: dict[str, Any]) -> list[str]:
    path = write(tmp_path, data)
    with pytest.raises(ConfigError) as err:
        load_environment(path)
    for problem in err.value.problems:
        assert problem.startswith(str(path)), f"problem does not name the file: {problem}"
    return err.value.problems


def test_minimal_config_is_accepted_with_documented_defaults(tmp_path):
    config = load_environment(write(tmp_path, MINIMAL))
    assert config.environment == "dev"
    assert config.name_suffix == ""
    assert config.skus.storage_replication == "ZRS"
    assert config.skus.databricks == "premium"
    assert config.databricks.public_network_access is False
    assert config.register_resource_providers is False
    assert isinstance(config.state, LocalState)


def test_it_network_config_is_accepted(tmp_path):
    config = load_environment(write(tmp_path, with_change("network", IT_NETWORK)))
    assert config.network.sandbox is False
    assert config.network.private_dns_zone_ids is not None


def test_nat_gateway_defaults_to_the_network_mode(tmp_path):
    sandbox = load_environment(write(tmp_path, MINIMAL)).network
    routed = {**IT_NETWORK, "route_table_id": ROUTE_TABLE, "it_firewall_private_ip": "10.0.1.4"}
    del routed["nat_gateway"]
    it = load_environment(write(tmp_path, with_change("network", routed))).network
    assert (sandbox.nat_gateway, sandbox.creates_nat_gateway) == (None, True)
    assert (it.nat_gateway, it.creates_nat_gateway) == (None, False)
    forced = load_environment(write(tmp_path, with_change("network", IT_NETWORK)))
    assert forced.network.creates_nat_gateway is True


def test_config_is_frozen(tmp_path):
    config = load_environment(write(tmp_path, MINIMAL))
    with pytest.raises(Exception, match="frozen"):
        config.prefix = "other"


def test_azurerm_state_backend_is_accepted(tmp_path):
    state = {
        "backend": "azurerm",
        "resource_group": "rg-tfstate",
        "storage_account": "sttfstate01",
        "container": "tfstate",
    }
    config = load_environment(write(tmp_path, with_change("state", state)))
    assert isinstance(config.state, AzurermState)
    assert config.state.use_oidc is True


@pytest.mark.parametrize(
    ("path", "value", "field", "message"),
    [
        ("environment", "Dev", "environment", "2-8 lowercase letters or digits"),
        ("subscription_id", "not-a-guid", "subscription_id", "subscription GUID"),
        ("resource_group", "rg.", "resource_group", "not ending in a period"),
        ("location", "westeuropa", "location", "not a known Azure region"),
        ("prefix", "MDP", "prefix", "2-10 lowercase letters or digits"),
        ("name_suffix", "TOO-LONG", "name_suffix", "0-4 lowercase letters or digits"),
        ("name_suffix", 1, "name_suffix", "quote it in YAML"),
        ("tags", {"a/b": "x"}, "tags", "without any of"),
        ("skus.storage_replication", "XRS", "skus.storage_replication", "'LRS'"),
        ("skus.databricks", "standard", "skus.databricks", "'premium'"),
        ("monitoring.log_retention_days", 7, "monitoring.log_retention_days", "30"),
        ("network.address_space", ["10.0.0.0/15"], "network.address_space[0]", "/16 and /24"),
        ("network.address_space", ["10.20.0.0/25"], "network.address_space[0]", "/16 and /24"),
        ("network.address_space", ["10.20.0.1/22"], "network.address_space[0]", "zero host bits"),
        (
            "network.subnets.databricks_host",
            "10.20.0.0/27",
            "network.subnets.databricks_host",
            "/26 or larger",
        ),
        (
            "network.subnets.databricks_container",
            "10.20.1.0/28",
            "network.subnets.databricks_container",
            "/26 or larger",
        ),
        (
            "network.subnets.private_endpoints",
            "10.20.2.0/29",
            "network.subnets.private_endpoints",
            "/28 or larger",
        ),
        ("state", {"backend": "s3"}, "state", "'local'"),
        (
            "workloads.hardening.max_token_lifetime_days",
            731,
            "workloads.hardening.max_token_lifetime_days",
            "less than or equal to 730",
        ),
        (
            "workloads.hardening.web_terminal",
            "sometimes",
            "workloads.hardening.web_terminal",
            "valid boolean",
        ),
        (
            "workloads.job.pypi_index_url",
            "http://mirror.local/simple",
            "workloads.job.pypi_index_url",
            "must be an https:// URL with a path",
        ),
    ],
)
def test_field_rule_rejects_with_field_and_allowed(tmp_path, path, value, field, message):
    found = problems(tmp_path, with_change(path, value))
    assert any(f": {field}" in p and message in p for p in found), found


def test_fails_if_unknown_key_is_given(tmp_path):
    (found,) = problems(tmp_path, with_change("network.subnet_typo", "x"))
    assert "network.subnet_typo: unknown field" in found
    assert (
        "allowed here: address_space, allowed_fqdns, firewall, import_route_table_associations, "
        "it_firewall_private_ip, nat_gateway, private_dns_zone_ids, route_table_id, sandbox, "
        "subnets, vnet_id" in found
    )


def test_a_key_that_is_not_a_plain_name_is_quoted_in_the_field(tmp_path):
    config = copy.deepcopy(MINIMAL)
    config["network"]["subnet typo"] = "x"
    config["tags"] = {"0": "${var.x}"}
    found = problems(tmp_path, config)
    assert any("network['subnet typo']: unknown field" in p for p in found), found
    assert any("tags['0'] = '${var.x}': contains the Terraform template marker" in p for p in found)


def test_a_rule_names_a_key_the_user_wrote_as_the_loader_does(tmp_path):
    config = copy.deepcopy(MINIMAL)
    config["workloads"] = {"entitlements": {"no such group": ["workspace_access"], "0": []}}
    found = problems(tmp_path, config)
    assert any("workloads.entitlements['no such group'] = 'no such group'" in p for p in found)
    assert any("workloads.entitlements['0'] = '0'" in p for p in found), found


def test_fails_if_required_field_is_missing(tmp_path):
    (found,) = problems(tmp_path, with_change("subscription_id", DELETE))
    assert "subscription_id: required field is missing" in found


def test_fails_if_environment_differs_from_file_name(tmp_path):
    (found,) = problems(tmp_path, with_change("environment", "prod"))
    assert "environment = 'prod': must equal the file name 'dev'" in found


def test_fails_if_subnet_lies_outside_the_vnet(tmp_path):
    (found,) = problems(tmp_path, with_change("network.subnets.private_endpoints", "10.99.0.0/26"))
    assert "network.subnets.private_endpoints = '10.99.0.0/26': must lie inside" in found


def test_fails_if_subnets_overlap(tmp_path):
    (found,) = problems(
        tmp_path, with_change("network.subnets.databricks_container", "10.20.0.0/25")
    )
    assert "network.subnets.databricks_container" in found
    assert "overlaps subnets.databricks_host 10.20.0.0/24" in found


def test_fails_if_address_spaces_overlap(tmp_path):
    (found,) = problems(
        tmp_path, with_change("network.address_space", ["10.20.0.0/22", "10.20.2.0/24"])
    )
    assert "network.address_space[1] = '10.20.2.0/24': overlaps address_space[0]" in found


def test_fails_if_derived_storage_account_name_is_too_long(tmp_path):
    data = with_change("prefix", "longprefix", with_change("name_suffix", "0001"))
    data["environment"] = "devtest1"
    path = write(tmp_path, data, name="devtest1")
    with pytest.raises(ConfigError) as err:
        load_environment(path)
    (problem,) = err.value.problems
    assert "prefix = 'longprefix'" in problem
    assert "must be 3-24 characters" in problem
    assert "shorten 'prefix', 'environment' or 'name_suffix'" in problem


def test_fails_if_sandbox_also_names_an_existing_vnet(tmp_path):
    (found,) = problems(tmp_path, with_change("network.vnet_id", IT_NETWORK["vnet_id"]))
    assert "network.vnet_id" in found and "not allowed with sandbox: true" in found


def test_fails_if_it_network_lacks_vnet_and_dns_zones(tmp_path):
    network = {k: v for k, v in IT_NETWORK.items() if k not in ("vnet_id", "private_dns_zone_ids")}
    found = problems(tmp_path, with_change("network", network))
    assert any("network.vnet_id = None: required unless sandbox" in p for p in found)
    assert any("network.private_dns_zone_ids = None: required unless sandbox" in p for p in found)


def test_fails_if_vnet_id_is_not_a_vnet_resource_id(tmp_path):
    network = {
        **IT_NETWORK,
        "vnet_id": "/subscriptions/x/resourceGroups/y/providers/"
        "Microsoft.Network/networkSecurityGroups/z",
    }
    (found,) = problems(tmp_path, with_change("network", network))
    assert "network.vnet_id" in found and "must be a VNet resource id" in found


def test_fails_if_dns_zone_id_is_not_a_private_dns_zone(tmp_path):
    zones = {**IT_NETWORK["private_dns_zone_ids"], "dfs": "privatelink.dfs.core.windows.net"}
    (found,) = problems(
        tmp_path, with_change("network", {**IT_NETWORK, "private_dns_zone_ids": zones})
    )
    assert "network.private_dns_zone_ids.dfs" in found and "private DNS zone resource id" in found


def test_fails_if_state_storage_account_name_is_invalid(tmp_path):
    state = {
        "backend": "azurerm",
        "resource_group": "rg-tfstate",
        "storage_account": "st-tf-state",
        "container": "tfstate",
    }
    (found,) = problems(tmp_path, with_change("state", state))
    assert "state.storage_account = 'st-tf-state'" in found
    assert "lowercase letters and digits only" in found


def test_every_problem_is_reported_in_one_run(tmp_path):
    data = with_change("location", "mars")
    data = with_change("prefix", "BAD", data)
    data = with_change("network.subnets.private_endpoints", "10.20.2.0/29", data)
    data = with_change("network.subnets.databricks_container", "10.20.0.0/25", data)
    found = problems(tmp_path, data)
    joined = "\n".join(found)
    assert "location = 'mars'" in joined
    assert "prefix = 'BAD'" in joined
    assert "/28 or larger" in joined
    # cross-field rules still run on the parts that parsed
    assert "overlaps subnets.databricks_host" in joined
    assert len(found) == 4


def test_fails_if_key_is_given_twice(tmp_path):
    path = tmp_path / "dev.yaml"
    path.write_text(yaml.safe_dump(MINIMAL) + "prefix: other\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"dev.yaml:\d+:\d+: invalid YAML: key 'prefix' is given twice"
    ):
        load_environment(path)


def test_fails_if_file_is_not_a_mapping(tmp_path):
    path = tmp_path / "dev.yaml"
    path.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="must be a YAML mapping"):
        load_environment(path)


def test_load_environments_defaults_to_every_file(tmp_path):
    write(tmp_path, MINIMAL, "dev")
    write(
        tmp_path, with_change("resource_group", "rg-mdp-qa", with_change("environment", "qa")), "qa"
    )
    assert [c.environment for c in load_environments(tmp_path)] == ["dev", "qa"]
    assert [c.environment for c in load_environments(tmp_path, ["qa"])] == ["qa"]


def test_fails_if_environment_has_no_file(tmp_path):
    write(tmp_path, MINIMAL, "dev")
    with pytest.raises(ConfigError, match="no configuration for environment.s. qa; allowed: dev"):
        load_environments(tmp_path, ["qa"])


def test_problems_of_every_file_are_reported_together(tmp_path):
    write(tmp_path, with_change("location", "mars"), "dev")
    write(tmp_path, with_change("environment", "qa", with_change("prefix", "X")), "qa")
    with pytest.raises(ConfigError) as err:
        load_environments(tmp_path)
    assert len(err.value.problems) == 2
    assert "dev.yaml: location" in err.value.problems[0]
    assert "qa.yaml: prefix" in err.value.problems[1]


def test_shipped_configs_are_valid(shipped_configs):
    from tests.conftest import ENVIRONMENTS

    assert [c.environment for c in shipped_configs] == ENVIRONMENTS


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("tags", {"owner": "${data.azurerm_client_config.current.client_id}"}),
        ("resource_group", "rg-${var.team}"),
        ("tags", {"%{if true}x%{endif}": "v"}),
    ],
    ids=["tag value", "name", "tag name"],
)
def test_fails_if_a_value_holds_a_terraform_template_marker(tmp_path, path, value):
    (found,) = problems(tmp_path, with_change(path, value))  # one problem, one error
    assert "contains the Terraform template marker" in found
    assert "may not hold expressions" in found


def test_fails_if_a_user_tag_collides_with_a_platform_tag(tmp_path):
    (found,) = problems(tmp_path, with_change("tags", {"Environment": "dev", "owner": "me"}))
    assert "tags = " in found
    assert "tag 'Environment' is set by the platform on every resource" in found


def test_fails_if_there_are_more_tags_than_azure_allows(tmp_path):
    (found,) = problems(tmp_path, with_change("tags", {f"t{i}": "v" for i in range(48)}))
    assert "48 tags; Azure allows 50 per resource and the platform sets 3, so at most 47" in found


def test_an_oversized_vnet_gives_one_error(tmp_path):
    (found,) = problems(tmp_path, with_change("network.address_space", ["10.0.0.0/8"]))
    assert "network.address_space[0] = '10.0.0.0/8'" in found and "/16 and /24" in found


def test_fails_if_address_space_is_empty(tmp_path):
    found = problems(tmp_path, with_change("network.address_space", []))
    assert any("network.address_space = []: must list at least one CIDR" in p for p in found)


def test_ingestion_tables_default_to_the_whole_contract(tmp_path):
    config = load_environment(write(tmp_path, MINIMAL))
    assert config.ingestion.tables is None
    chosen = with_change("ingestion", {"tables": ["SalesLT.Customer", "SalesLT.Product"]})
    assert load_environment(write(tmp_path, chosen)).ingestion.tables == (
        "SalesLT.Customer",
        "SalesLT.Product",
    )


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        (["SalesLT.Address"], "unknown source table(s) SalesLT.Address; allowed: SalesLT.Customer"),
        ([], "must name at least one table"),
        (["SalesLT.Customer", "saleslt.customer"], "more than once"),
    ],
)
def test_fails_if_ingestion_tables_are_not_in_the_contract(tmp_path, tables, message):
    (found,) = problems(tmp_path, with_change("ingestion", {"tables": tables}))
    assert "ingestion.tables" in found and message in found


def test_fails_if_it_dns_zones_span_subscriptions(tmp_path):
    zones = dict(IT_NETWORK["private_dns_zone_ids"])
    zones["vault"] = zones["vault"].replace(
        "00000000-0000-0000-0000-000000000000", "22222222-2222-2222-2222-222222222222"
    )
    (found,) = problems(
        tmp_path, with_change("network", {**IT_NETWORK, "private_dns_zone_ids": zones})
    )
    assert (
        "network.private_dns_zone_ids.vault" in found
        and "all four must be in the same one" in found
    )


def test_fails_if_a_sandbox_does_not_create_its_browser_authentication_endpoint(tmp_path):
    data = with_change("databricks.browser_authentication_private_endpoint", False)
    (found,) = problems(tmp_path, data)
    assert (
        "databricks.browser_authentication_private_endpoint = False: must be true in sandbox"
        in found
    )


def test_fails_if_it_provides_the_endpoint_and_the_environment_creates_one_too(tmp_path):
    data = with_change(
        "network",
        IT_NETWORK,
        with_change("databricks.browser_authentication_provided_by_it", True),
    )
    (found,) = problems(tmp_path, data)
    assert "contradicts browser_authentication_private_endpoint: true" in found


def it_environment(name: str, creates: bool, by_it: bool = False, subnets: dict | None = None):
    network = {**IT_NETWORK, "subnets": subnets or IT_NETWORK["subnets"]}
    data = with_change("network", network, with_change("environment", name))
    data["resource_group"] = f"rg-mdp-{name}"  # its own (environments_keep_their_own)
    data["databricks"] = {
        **data["databricks"],
        "browser_authentication_private_endpoint": creates,
        "browser_authentication_provided_by_it": by_it,
    }
    return data


OTHER_SUBNETS = {
    "databricks_host": "10.40.6.0/26",
    "databricks_container": "10.40.6.64/26",
    "private_endpoints": "10.40.6.128/26",
}


def test_exactly_one_environment_per_region_and_zone_creates_browser_authentication(tmp_path):
    write(tmp_path, it_environment("qa", creates=True), "qa")
    write(tmp_path, it_environment("prod", creates=False, subnets=OTHER_SUBNETS), "prod")
    assert [c.environment for c in load_environments(tmp_path)] == ["prod", "qa"]


def test_fails_if_no_environment_in_a_region_and_zone_creates_browser_authentication(tmp_path):
    write(tmp_path, it_environment("qa", creates=False), "qa")
    write(tmp_path, it_environment("prod", creates=False, subnets=OTHER_SUBNETS), "prod")
    with pytest.raises(ConfigError) as err:
        load_environments(tmp_path, ["prod"])  # every file is checked, also when narrowed
    assert len(err.value.problems) == 2
    assert all(
        "no environment in westeurope with zone privatelink.azuredatabricks.net (prod, qa) "
        "creates the browser_authentication endpoint" in p
        for p in err.value.problems
    )


def test_fails_if_two_environments_in_a_region_and_zone_create_browser_authentication(tmp_path):
    write(tmp_path, it_environment("qa", creates=True), "qa")
    write(tmp_path, it_environment("prod", creates=True, subnets=OTHER_SUBNETS), "prod")
    with pytest.raises(ConfigError) as err:
        load_environments(tmp_path)
    (problem,) = err.value.problems
    assert problem.startswith(str(tmp_path / "qa.yaml"))
    assert "prod already creates the browser_authentication endpoint in westeurope" in problem


def test_it_can_provide_browser_authentication_for_every_environment(tmp_path):
    write(tmp_path, it_environment("qa", creates=False, by_it=True), "qa")
    write(
        tmp_path, it_environment("prod", creates=False, by_it=True, subnets=OTHER_SUBNETS), "prod"
    )
    assert len(load_environments(tmp_path)) == 2
    write(tmp_path, it_environment("prod", creates=False, subnets=OTHER_SUBNETS), "prod")
    with pytest.raises(ConfigError, match="says IT provides the browser_authentication endpoint"):
        load_environments(tmp_path)


def test_fails_if_environments_in_one_it_vnet_overlap(tmp_path):
    write(tmp_path, it_environment("qa", creates=True), "qa")
    overlapping = {**OTHER_SUBNETS, "databricks_host": "10.40.0.0/26"}
    write(tmp_path, it_environment("prod", creates=False, subnets=overlapping), "prod")
    with pytest.raises(ConfigError) as err:
        load_environments(tmp_path)
    (problem,) = err.value.problems  # reported once, on the range inside the other
    assert problem.startswith(str(tmp_path / "prod.yaml"))
    assert (
        "network.subnets.databricks_host = '10.40.0.0/26': overlaps qa's "
        "subnets.databricks_host 10.40.0.0/23" in problem
    )
    assert "in the same VNet; environments sharing IT's VNet need their own ranges" in problem


def test_unity_catalog_defaults_name_the_catalog_and_admin_group_after_the_environment(tmp_path):
    config = load_environment(write(tmp_path, MINIMAL))
    assert config.catalog_name == "mdp_dev"
    assert config.admin_group_name == "mdp-dev-platform-admins"
    assert config.unity_catalog.metastore.mode == "region"
    assert config.unity_catalog.schemas.model_dump() == {
        "bronze": "bronze",
        "silver": "silver",
        "gold": "gold",
    }


def test_fails_if_the_databricks_account_id_is_missing(tmp_path):
    (found,) = problems(tmp_path, with_change("databricks.account_id", DELETE))
    assert "databricks.account_id = None: required: the Databricks account id" in found


UC_PRINCIPALS = {
    "groups": [
        {"name": "engineers"},
        {"name": "analysts", "entra_object_id": "00000000-0000-0000-0000-0000000000a1"},
    ],
    "service_principals": [
        {"name": "jobs", "application_id": "00000000-0000-0000-0000-0000000000d2"},
        {
            "name": "deployer",
            "application_id": "00000000-0000-0000-0000-0000000000d1",
            "platform_admin": True,
        },
    ],
    "deployer": "deployer",
}


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (
            "unity_catalog.catalog",
            "Main-Catalog",
            "unity_catalog.catalog = 'Main-Catalog': must be 1-255 lowercase",
        ),
        ("unity_catalog.schemas.gold", "1gold", "must be 1-255 lowercase"),
        (
            "unity_catalog.metastore",
            {"mode": "id"},
            "unity_catalog.metastore.id = None: required with mode: id",
        ),
        (
            "unity_catalog.metastore",
            {"mode": "create"},
            "a metastore is an account object every workspace of the region shares",
        ),
        ("unity_catalog.metastore", {"mode": "shared"}, "'region', 'id' or 'create'"),
        (
            "unity_catalog.grants",
            {"catalog": {"nobody": ["USE_CATALOG"]}},
            "unity_catalog.grants.catalog.nobody = 'nobody': not a principal of this config; "
            "allowed: analysts, deployer, engineers, jobs",
        ),
        (
            "unity_catalog.grants",
            {"catalog": {"analysts": ["SELECT_ALL"]}},
            "SELECT_ALL not a catalog privilege; allowed: ALL_PRIVILEGES",
        ),
        (
            "unity_catalog.grants",
            {"schemas": {"platinum": {"jobs": ["SELECT"]}}},
            "unity_catalog.grants.schemas.platinum = 'platinum': not a layer; "
            "allowed: bronze, silver, gold",
        ),
        (
            "unity_catalog.grants",
            {"external_locations": {"landing": {"jobs": ["USE_SCHEMA"]}}},
            "USE_SCHEMA not a external location privilege",
        ),
        (
            "unity_catalog.grants",
            {"external_locations": {"archive": {"jobs": ["READ_FILES"]}}},
            "not a lake container; allowed: landing, bronze, silver, gold, unity-catalog",
        ),
        (
            "unity_catalog.schemas",
            {"bronze": "raw", "silver": "raw"},
            "unity_catalog.schemas.silver = 'raw': is used by two layers",
        ),
    ],
)
def test_unity_catalog_rule_rejects_with_field_and_allowed(tmp_path, path, value, message):
    data = with_change("unity_catalog", dict(UC_PRINCIPALS))
    found = problems(tmp_path, with_change(path, value, data))
    assert any(message in p for p in found), found


def test_fails_if_a_principal_is_named_twice(tmp_path):
    uc = {**UC_PRINCIPALS, "groups": [{"name": "jobs"}]}
    found = problems(tmp_path, with_change("unity_catalog", uc))
    assert any("unity_catalog.groups[0].name = 'jobs': names a principal twice" in p for p in found)


def test_fails_if_a_group_is_assigned_an_unknown_workspace_permission(tmp_path):
    uc = {"groups": [{"name": "engineers", "workspace_permission": "OWNER"}]}
    (found,) = problems(tmp_path, with_change("unity_catalog", uc))
    assert (
        "unity_catalog.groups[0].workspace_permission = 'OWNER'" in found
        and "'USER' or 'ADMIN'" in found
    )


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (
            "workloads.cluster",
            {"min_workers": 3, "max_workers": 2},
            "workloads.cluster.min_workers = 3: must be at most max_workers (2)",
        ),
        (
            "workloads.cluster",
            {"node_type": "Standard_E64s_v5"},
            "workloads.cluster.node_type = 'Standard_E64s_v5': not allowed by the cluster policy",
        ),
        ("workloads.cluster", {"max_workers": 8}, "above the cluster policy's max_workers (4)"),
        ("workloads.cluster", {"spark_version": "13.3.x"}, "a Databricks Runtime key"),
        (
            "workloads.job",
            {"trigger": "schedule"},
            "workloads.job.schedule = None: required with trigger",
        ),
        (
            "workloads.job",
            {"trigger": "schedule", "schedule": "0 6 * * *"},
            "must be a Quartz cron",
        ),
        (
            "workloads.job",
            {"trigger": "schedule", "schedule": "0 0 6 * * *"},
            "exactly one of day-of-month (4th field) and day-of-week (6th field) must be '?'",
        ),
        (
            "workloads.job",
            {"run_as": "nobody"},
            "workloads.job.run_as = 'nobody': not a service principal",
        ),
        (
            "workloads.secret_scope",
            {"enabled": True, "readers": ["ghost"]},
            "workloads.secret_scope.readers[0] = 'ghost': not a principal of this config",
        ),
        (
            "workloads.dbt",
            {"source": "git"},
            "workloads.dbt.git_url = None: required with source: git",
        ),
        (
            "workloads.ip_access",
            {"allow": ["203.0.113.0/24"]},
            "only with databricks.public_network_access: true",
        ),
        ("workloads.sql_warehouse", {"type": "classic"}, "'pro' or 'serverless'"),
    ],
)
def test_workloads_rule_rejects_with_field_and_allowed(tmp_path, path, value, message):
    found = problems(tmp_path, with_change(path, value))
    assert any(message in p for p in found), found


def test_public_workspace_needs_an_ip_allow_list_unless_waived(tmp_path):
    public = with_change("databricks.public_network_access", True)
    (found,) = problems(tmp_path, public)
    assert "workloads.ip_access.allow = []: required with databricks.public_network_access" in found
    waived = with_change("workloads.ip_access", {"waive_allow_list": True}, public)
    assert load_environment(write(tmp_path, waived)).workloads.ip_access.waive_allow_list
    listed = with_change("workloads.ip_access", {"allow": ["203.0.113.0/24"]}, public)
    assert load_environment(write(tmp_path, listed)).workloads.ip_access.allow == (
        "203.0.113.0/24",
    )


SOURCE = {
    "server_id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-src"
    "/providers/Microsoft.Sql/servers/sql-src",
    "database": "adventureworkslt",
    "connection_secret_name": "source-sql-connection-string",
}


@pytest.mark.parametrize(
    "job",
    [{"trigger": "schedule", "schedule": "0 0 5 * * ?"}, {"trigger": "file_arrival"}],
)
def test_a_job_the_copy_pipeline_starts_has_no_trigger_of_its_own(tmp_path, job):
    data = with_change("ingestion", {"source": SOURCE}, with_change("workloads.job", job))
    data = with_change("secrets", {"writers": ["00000000-0000-0000-0000-0000000000c1"]}, data)
    (found,) = problems(tmp_path, data)
    assert (
        f"workloads.job.trigger = '{job['trigger']}': must be none when ingestion.source" in found
    )
    without_source = with_change("workloads.job", job)
    assert load_environment(write(tmp_path, without_source)).workloads.job.trigger == job["trigger"]


@pytest.mark.parametrize(
    ("workloads", "message"),
    [
        (
            {"permissions": {"job": {"ghost": "CAN_VIEW"}}},
            "workloads.permissions.job.ghost = 'CAN_VIEW': 'ghost' is not a principal",
        ),
        (
            {"permissions": {"cluster_policy": {"jobs": "CAN_MANAGE"}}},
            "not a cluster_policy permission; allowed: CAN_USE",
        ),
        (
            {"permissions": {"sql_warehouse": {"jobs": "CAN_VIEW"}}},
            "allowed: CAN_USE, CAN_MONITOR, CAN_MANAGE",
        ),
        (
            {"cluster": {"enabled": False}, "permissions": {"cluster": {"jobs": "CAN_RESTART"}}},
            "only with workloads.cluster.enabled: true",
        ),
        ({"entitlements": {"jobs": ["workspace_access"]}}, "not a group of unity_catalog"),
        ({"entitlements": {"engineers": ["cluster_create"]}}, "workloads.entitlements"),
        ({"personal_compute": ["jobs"]}, "workloads.personal_compute"),
    ],
)
def test_workspace_access_names_known_principals_and_levels_the_object_has(
    tmp_path, workloads, message
):
    data = with_change("workloads", workloads, with_change("unity_catalog", UC_PRINCIPALS))
    found = problems(tmp_path, data)
    assert any(message in p for p in found), found


def test_a_key_vault_backed_scope_needs_the_azure_databricks_object_id_and_writers(tmp_path):
    data = with_change(
        "workloads.secret_scope", {"enabled": True}, with_change("unity_catalog", UC_PRINCIPALS)
    )
    found = problems(tmp_path, data)
    assert any(
        "databricks.azure_databricks_object_id = None: required with workloads.secret_scope.enabled"
        in p
        and "az ad sp show --id 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d" in p
        for p in found
    ), found
    assert any(
        "secrets.writers = []: required with workloads.secret_scope.enabled" in p for p in found
    )
    writers = with_change("secrets", {"writers": ["00000000-0000-0000-0000-0000000000c1"]}, data)
    fixed = with_change("databricks.azure_databricks_object_id", AZURE_DATABRICKS, writers)
    assert load_environment(write(tmp_path, fixed)).azure_databricks_object_id == AZURE_DATABRICKS


AZURE_DATABRICKS = "00000000-0000-0000-0000-0000000000f1"


def test_the_azure_databricks_object_id_s_former_home_is_read_but_not_beside_the_new_one(
    tmp_path,
):
    data = with_change(
        "workloads.secret_scope",
        {"enabled": True, "azure_databricks_object_id": AZURE_DATABRICKS},
        with_change(
            "secrets",
            {"writers": ["00000000-0000-0000-0000-0000000000c1"]},
            with_change("unity_catalog", UC_PRINCIPALS),
        ),
    )
    assert load_environment(write(tmp_path, data)).azure_databricks_object_id == AZURE_DATABRICKS
    both = with_change("databricks.azure_databricks_object_id", AZURE_DATABRICKS, data)
    (found,) = problems(tmp_path, both)
    assert "workloads.secret_scope.azure_databricks_object_id" in found
    assert "moved to databricks.azure_databricks_object_id" in found


def test_customer_managed_keys_need_the_azure_databricks_application(tmp_path):
    data = with_change("encryption.customer_managed_keys", {"enabled": True})
    (found,) = problems(tmp_path, data)
    assert "databricks.azure_databricks_object_id = None: required with " in found
    assert "encryption.customer_managed_keys.enabled" in found
    fixed = with_change("databricks.azure_databricks_object_id", AZURE_DATABRICKS, data)
    config = load_environment(write(tmp_path, fixed))
    assert config.encryption.customer_managed_keys.key_size == 3072


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"key_size": 1024}, "encryption.customer_managed_keys.key_size"),
        ({"rotate_after_days": 3}, "encryption.customer_managed_keys.rotate_after_days"),
        (
            {"rotate_after_days": 365, "expire_after_days": 380},
            "encryption.customer_managed_keys.expire_after_days = 380: must be at least "
            "rotate_after_days + 28 (393)",
        ),
        ({"data_factory": True}, "encryption.customer_managed_keys.data_factory = True: needs "),
        ({"colour": "blue"}, "encryption.customer_managed_keys.colour"),
    ],
)
def test_a_bad_customer_managed_key_setting_names_its_field(tmp_path, change, message):
    data = with_change(
        "encryption.customer_managed_keys",
        {"enabled": True, **change},
        with_change("databricks.azure_databricks_object_id", AZURE_DATABRICKS),
    )
    found = problems(tmp_path, data)
    assert any(message in p for p in found), found


def test_ingestion_needs_someone_to_write_the_connection_secret(tmp_path):
    (found,) = problems(tmp_path, with_change("ingestion", {"source": SOURCE}))
    assert "secrets.writers = []: required with ingestion.source" in found
    with pytest.raises(ConfigError, match="secrets.writers"):
        load_environment(write(tmp_path, with_change("secrets", {"writers": ["the-group"]})))


ROUTE_TABLE = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/"
    "Microsoft.Network/routeTables/rt-spoke"
)


def _it(**changes):
    merged = {
        **IT_NETWORK,
        "nat_gateway": DELETE,
        "route_table_id": ROUTE_TABLE,
        "it_firewall_private_ip": "10.0.1.4",
        **changes,
    }
    if changes.get("route_table_id") is DELETE and "it_firewall_private_ip" not in changes:
        merged["it_firewall_private_ip"] = DELETE  # it names the route table's next hop
    network = {k: v for k, v in merged.items() if v is not DELETE}
    data = with_change("network", network)
    return with_change("databricks.browser_authentication_private_endpoint", True, data)


def test_an_it_mode_environment_with_a_route_table_is_valid(tmp_path):
    config = load_environment(write(tmp_path, _it()))
    assert config.network.route_table_id == ROUTE_TABLE


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"route_table_id": DELETE},
            "network.route_table_id = None: IT mode needs an egress path for the clusters",
        ),
        (
            {"nat_gateway": True},
            f"network.route_table_id = '{ROUTE_TABLE}': and a NAT gateway: choose one egress path",
        ),
        (
            {
                "vnet_id": "/subscriptions/33333333-3333-3333-3333-333333333333/resourceGroups/"
                "rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub"
            },
            "is in subscription 33333333-3333-3333-3333-333333333333; it must be in the "
            "workspace's subscription 00000000-0000-0000-0000-000000000000",
        ),
        ({"route_table_id": "/subscriptions/x/rt"}, "must be a route table resource id"),
        (
            {
                "route_table_id": DELETE,
                "nat_gateway": True,
                "import_route_table_associations": True,
            },
            "network.import_route_table_associations = True: needs network.route_table_id",
        ),
    ],
)
def test_it_mode_egress_and_subscription_rules(tmp_path, changes, message):
    found = problems(tmp_path, _it(**changes))
    assert any(message in p for p in found), found
    if "route_table_id = None" in message:
        (only_problem,) = found
        assert "network.nat_gateway: true" in only_problem  # names both options


@pytest.mark.parametrize(
    ("value", "endpoints", "firewall"),
    [(None, True, True), (True, True, True), ("endpoints", True, False), (False, False, False)],
)
def test_workspace_storage_endpoints_and_firewall(tmp_path, value, endpoints, firewall):
    """`endpoints`: the first of the two deploys that turn the firewall on for an existing
    workspace (its default, on, for a private workspace is the second)."""
    data = (
        _it()
        if value is None
        else with_change("databricks.private_workspace_storage", value, _it())
    )
    databricks = load_environment(write(tmp_path, data)).databricks
    assert not databricks.public_network_access
    assert (databricks.has_private_storage, databricks.has_storage_firewall) == (
        endpoints,
        firewall,
    )


def test_workspace_storage_refuses_other_steps(tmp_path):
    data = with_change("databricks.private_workspace_storage", "firewall", _it())
    (found,) = problems(tmp_path, data)
    assert "databricks.private_workspace_storage" in found and "endpoints" in found


def test_associations_it_made_are_imported_with_a_route_table(tmp_path):
    config = load_environment(write(tmp_path, _it(import_route_table_associations=True)))
    assert config.network.import_route_table_associations


def test_a_nat_gateway_alone_is_an_it_mode_egress_path(tmp_path):
    config = load_environment(write(tmp_path, _it(route_table_id=DELETE, nat_gateway=True)))
    assert config.network.creates_nat_gateway and config.network.route_table_id is None


def test_read_only_workspaces_are_workspace_ids(tmp_path):
    shared = with_change("unity_catalog.read_only_workspaces", ["1234567890123456"])
    assert load_environment(write(tmp_path, shared)).unity_catalog.read_only_workspaces == (
        "1234567890123456",
    )
    (found,) = problems(tmp_path, with_change("unity_catalog.read_only_workspaces", ["dev"]))
    assert "unity_catalog.read_only_workspaces[0] = 'dev': must be a workspace id" in found


def test_a_serverless_warehouse_needs_the_regions_network_connectivity_config(tmp_path):
    serverless = with_change("workloads.sql_warehouse", {"type": "serverless"})
    (found,) = problems(tmp_path, serverless)
    assert "databricks.network_connectivity_config = None: required with" in found
    config_dir = tmp_path / "config"
    (config_dir / "accounts").mkdir(parents=True)
    account = {
        "account": "acme",
        "account_id": MINIMAL["databricks"]["account_id"],
        "subscription_id": "00000000-0000-0000-0000-000000000000",
        "network_connectivity_configs": [{"name": "ncc-acme-northeurope", "region": "northeurope"}],
    }
    (config_dir / "accounts" / "acme.yaml").write_text(yaml.safe_dump(account))
    named = with_change(
        "databricks.network_connectivity_config", "ncc-acme-northeurope", serverless
    )
    write(config_dir, named)
    with pytest.raises(ConfigError) as err:
        load_environments(config_dir)
    assert any(
        "databricks.network_connectivity_config = 'ncc-acme-northeurope': not a network "
        "connectivity configuration of this account's scope in westeurope" in p
        for p in err.value.problems
    ), err.value.problems


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (
            "workloads.job",
            {"trigger": "schedule", "schedule": "0 0 25 * * ?"},
            "hours (field 3) '25': values must be 0-23",
        ),
        (
            "workloads.job",
            {"trigger": "schedule", "schedule": "0 0 5 ? * 8"},
            "day-of-week (field 6) '8': values must be 1-7 or SUN-SAT",
        ),
        (
            "workloads.job",
            {"trigger": "schedule", "schedule": "0 0/75 5 * * ?"},
            "step '75' must be 1-59",
        ),
        ("workloads.job", {"timezone": "Mars/Olympus"}, "not an IANA time zone id"),
        ("workloads.job", {"notify_on_failure": ["team"]}, "not an e-mail address"),
        ("workloads.secret_scope", {"name": "my scope!"}, "1-128 letters, digits, dashes"),
        ("workloads", {"folder": "/"}, "must be an absolute workspace path below /"),
        ("workloads", {"folder": "/Shared/../x"}, "no empty, '.' or '..' segments"),
        ("workloads", {"folder": "Shared/mdp"}, "must be an absolute workspace path"),
        (
            "workloads.dbt",
            {"source": "git", "git_url": "github.com/org/repo"},
            "must be an https:// URL with a path",
        ),
    ],
)
def test_values_the_services_would_refuse_are_config_errors(tmp_path, path, value, message):
    found = problems(tmp_path, with_change(path, value))
    assert any(message in p for p in found), found


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("workloads.job", {"trigger": "schedule", "schedule": "0 30 5 ? * MON-FRI"}),
        ("workloads.job", {"trigger": "schedule", "schedule": "0 0 6 L * ?"}),
        ("workloads.job", {"timezone": "Europe/Zurich"}),
        ("workloads.job", {"notify_on_failure": ["data-team@example.com"]}),
        ("workloads.secret_scope", {"name": "mdp-dev_scope.1"}),
        ("workloads", {"folder": "/Shared/mdp/dev"}),
        ("workloads.dbt", {"source": "git", "git_url": "https://github.com/org/repo.git"}),
    ],
)
def test_values_the_services_take_are_accepted(tmp_path, path, value):
    assert load_environment(write(tmp_path, with_change(path, value)))


def test_environments_that_share_a_state_account_give_it_one_subscription(tmp_path):
    state = {
        "backend": "azurerm",
        "resource_group": "rg-tfstate",
        "storage_account": "sttfstate01",
        "container": "tfstate",
    }
    dev = with_change("state", state)
    qa = with_change("state", state, with_change("environment", "qa"))
    qa["subscription_id"] = "11111111-1111-1111-1111-111111111111"
    write(tmp_path, dev, "dev")
    write(tmp_path, qa, "qa")
    with pytest.raises(ConfigError) as err:
        load_environments(tmp_path)
    assert len(err.value.problems) == 2
    assert err.value.problems[0].startswith(f"{tmp_path / 'dev.yaml'}: state.subscription_id = ")
    assert (
        "the state storage account sttfstate01 is in one subscription, and qa.yaml"
        in (err.value.problems[0])
    )
    # Naming the account's subscription in the file whose own differs settles it; the backend
    # then uses it, not the environment's.
    write(tmp_path, {**dev, "state": {**state, "subscription_id": qa["subscription_id"]}}, "dev")
    configs = {c.environment: c for c in load_environments(tmp_path)}
    dev_state = configs["dev"].state
    assert isinstance(dev_state, AzurermState)
    assert dev_state.subscription_id == qa["subscription_id"]

    from cdktf import TerraformStack
    from cdktf import Testing as CdktfTesting

    from stacks.base import configure_backend

    stack = TerraformStack(CdktfTesting.app(), "dev-network")
    configure_backend(stack, configs["dev"])
    backend = json.loads(CdktfTesting.synth(stack))["terraform"]["backend"]["azurerm"]
    assert backend["subscription_id"] == qa["subscription_id"]
    assert backend["key"] == "dev/dev-network.tfstate"


@pytest.mark.parametrize(
    ("unity_catalog", "message"),
    [
        ({"deployer": None}, "unity_catalog.deployer = None: required: who deploys"),
        (
            {"deployer": "ci@example.com"},
            "unity_catalog.deployer = 'ci@example.com': not a principal of this file",
        ),
        (
            {
                "deployer": "dana@example.com",
                "users": [{"user_name": "dana@example.com", "platform_admin": False}],
            },
            "unity_catalog.users[0].platform_admin = False: the deployer dana@example.com must "
            "be a platform admin (a member of mdp-dev-platform-admins",
        ),
        (
            {
                "deployer": "ci",
                "service_principals": [
                    {"name": "ci", "application_id": "00000000-0000-0000-0000-0000000000d1"}
                ],
            },
            "unity_catalog.service_principals[0].platform_admin = False: the deployer ci must",
        ),
        (
            {"users": [{"user_name": "not an address", "platform_admin": True}]},
            "unity_catalog.users[0].user_name",
        ),
    ],
)
def test_the_deployer_is_a_platform_admin_of_the_file(tmp_path, unity_catalog, message):
    """Whoever deploys (CI's service principal, or a person) owns what it creates through the
    admin group; outside it, the unity-catalog stack stops halfway (issue 31)."""
    config = copy.deepcopy(MINIMAL)
    config["unity_catalog"] = {**config["unity_catalog"], **unity_catalog}
    with pytest.raises(ConfigError) as err:
        load_environment(write(tmp_path, config))
    assert any(message in p for p in err.value.problems), err.value.problems


def test_a_person_deploys_and_is_looked_up_not_created(tmp_path):
    config = load_environment(write(tmp_path, MINIMAL))
    (user,) = config.unity_catalog.users
    assert config.unity_catalog.deployer == user.user_name and user.platform_admin


def test_every_configuration_example_in_the_docs_is_a_valid_environment(tmp_path):
    """A YAML example a reader copies works as shown: each ```yaml block of README.md and docs/
    that names an environment is loaded as config/<environment>.yaml."""
    import re

    root = Path(__file__).resolve().parent.parent
    checked = 0
    for page in [root / "README.md", *sorted((root / "docs").glob("*.md"))]:
        for block in re.findall(r"```yaml\n(.*?)```", page.read_text("utf-8"), re.S):
            example = yaml.safe_load(block)
            if not isinstance(example, dict) or "environment" not in example:
                continue
            folder = tmp_path / f"{page.stem}-{checked}"
            folder.mkdir()
            load_environment(write(folder, example, name=example["environment"]))
            checked += 1
    assert checked >= 1


def test_the_compliance_profile_needs_monitoring_and_automatic_updates(tmp_path):
    config = with_change("workloads.hardening", {"compliance_security_profile": ["HIPAA"]})
    with pytest.raises(ConfigError) as err:
        load_environment(write(tmp_path, config))
    found = " ".join(err.value.problems)
    for field in ("enhanced_security_monitoring", "automatic_cluster_update"):
        assert f"workloads.hardening.{field} = False: must be true" in found
    wrong = with_change("workloads.hardening", {"compliance_security_profile": ["SOC2"]})
    with pytest.raises(ConfigError) as err:
        load_environment(write(tmp_path, wrong))
    assert "workloads.hardening.compliance_security_profile" in " ".join(err.value.problems)


def _shipped_plus(tmp_path, name: str, edit) -> Path:
    """The shipped config folder plus config/<name>.yaml: config/sandbox.yaml renamed, then
    edited (the README's "Adding an environment" starts from such a copy)."""
    import shutil

    from tests.conftest import CONFIG_DIR

    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    data = yaml.safe_load((CONFIG_DIR / "sandbox.yaml").read_text())
    data["environment"] = name
    edit(data)
    (folder / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return folder


def test_a_renamed_copy_of_the_sandbox_is_refused_naming_each_field_to_change(tmp_path):
    folder = _shipped_plus(tmp_path, "qa", lambda data: None)
    with pytest.raises(ConfigError) as err:
        load_environments(folder)
    mine = [p for p in err.value.problems if p.startswith(str(folder / "qa.yaml"))]
    assert [p.split(" = ")[0].split(": ", 1)[1] for p in mine] == [
        "unity_catalog.admin_group",
        "unity_catalog.catalog",
        "resource_group",
    ]
    assert "is also sandbox.yaml's admin group" in mine[0] and "rename it" in mine[0]
    assert "config/accounts" not in " ".join(mine)  # not the advice for a shared group

    # Renamed, it passes; a resource group both files declare shared passes too.
    def own(data):
        data["unity_catalog"]["admin_group"] = "mdp-qa-platform-admins"
        data["unity_catalog"]["catalog"] = "mdp_qa"
        data["resource_group"] = "rg-mdp-qa"

    assert "qa" in [
        c.environment for c in load_environments(_shipped_plus(tmp_path / "a", "qa", own))
    ]

    def shared(data):
        own(data)
        data["resource_group"] = "rg-mdp-sandbox"
        data["shares_resource_group"] = True

    folder = _shipped_plus(tmp_path / "b", "qa", shared)
    with pytest.raises(ConfigError, match="qa.yaml's resource group"):  # sandbox.yaml says no
        load_environments(folder)
    text = (folder / "sandbox.yaml").read_text()
    (folder / "sandbox.yaml").write_text(text + "shares_resource_group: true\n")
    assert len(load_environments(folder)) == 4


def test_two_environments_deployed_by_one_service_principal_are_refused(tmp_path):
    def deployed_by_dev_s(data):
        data["unity_catalog"]["admin_group"] = "mdp-qa-platform-admins"
        data["unity_catalog"]["catalog"] = "mdp_qa"
        data["resource_group"] = "rg-mdp-qa"
        data["unity_catalog"]["deployer"] = "mdp-qa-deployer"
        data["unity_catalog"]["service_principals"] = [
            {
                "name": "mdp-qa-deployer",
                "application_id": "00000000-0000-0000-0000-0000000000d1",  # dev's
                "workspace_permission": "ADMIN",
                "platform_admin": True,
            }
        ]

    with pytest.raises(ConfigError) as err:
        load_environments(_shipped_plus(tmp_path, "qa", deployed_by_dev_s))
    (mine,) = [p for p in err.value.problems if "qa.yaml: " in p]
    assert (
        "unity_catalog.deployer = 'mdp-qa-deployer (00000000-0000-0000-0000-0000000000d1)'" in mine
    )
    assert "is also dev.yaml's deployer" in mine and "its own service principal" in mine


def test_the_readme_s_minimal_example_is_the_real_minimal_one(tmp_path):
    """It loads as shown, and removing any one of its lines makes it invalid."""
    root = Path(__file__).resolve().parent.parent
    text = (root / "README.md").read_text("utf-8")
    block = text.split("A minimal sandbox environment:", 1)[1].split("```yaml\n", 1)[1]
    example = yaml.safe_load(block.split("```", 1)[0])
    load_environment(write(tmp_path, example, name=example["environment"]))

    def leaves(node, prefix=()):
        for key, value in node.items():
            if isinstance(value, dict):
                yield from leaves(value, (*prefix, key))
            else:
                yield (*prefix, key)

    optional = []
    for path in leaves(example):
        trimmed = copy.deepcopy(example)
        node = trimmed
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
        folder = tmp_path / "-".join(path)
        folder.mkdir()
        try:
            load_environment(write(folder, trimmed, name=trimmed.get("environment", "sandbox")))
        except ConfigError:
            continue
        optional.append(".".join(path))
    assert optional == [], "not minimal: these have defaults"


def test_another_environment_declaring_a_deployer_by_name_is_refused(tmp_path):
    """dev's deployer declared again (as an ordinary principal) in another file: one owner per
    account object, and the advice is a deployer of its own, not the account scope."""

    def with_dev_s_deployer(data):
        data["unity_catalog"]["admin_group"] = "mdp-qa-platform-admins"
        data["unity_catalog"]["catalog"] = "mdp_qa"
        data["resource_group"] = "rg-mdp-qa"
        data["unity_catalog"]["service_principals"] = [
            {"name": "mdp-dev-deployer", "application_id": "00000000-0000-0000-0000-0000000000f9"}
        ]

    with pytest.raises(ConfigError) as err:
        load_environments(_shipped_plus(tmp_path, "qa", with_dev_s_deployer))
    mine = [p for p in err.value.problems if "qa.yaml: unity_catalog.service_principals" in p]
    assert mine and "is also declared in" in mine[0] and "its own deployer" in mine[0]
