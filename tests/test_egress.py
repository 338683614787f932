"""Egress: the firewall's allow list (vocabulary/egress.py, one home), the config rules of the
sandbox's firewall, IT's firewall and the serverless network policy, and what they synthesize."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml

from platform_config import ConfigError, load_environment, load_environments
from tests.conftest import REPO_ROOT
from tests.test_config import IT_NETWORK, MINIMAL, problems, with_change, write
from vocabulary import azure, egress

FIREWALL = {"sku_tier": "Standard", "subnet": "10.20.3.0/26"}
IT_ROUTE_TABLE = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net"
    "/providers/Microsoft.Network/routeTables/rt-spoke"
)


def _it_mode(**network: Any) -> dict[str, Any]:
    data = copy.deepcopy(MINIMAL)
    data["network"] = {**copy.deepcopy(IT_NETWORK), **network}
    return data


@pytest.mark.parametrize("location", sorted(azure.AZURE_LOCATIONS))
def test_every_region_has_a_service_tag_name(location):
    name = egress.service_tag_region(location)
    assert name.lower() == location and name[0].isupper()


@pytest.mark.parametrize(
    "tag",
    # As Azure's service tag file (ServiceTags_Public) names the regional Storage tags.
    [
        "WestEurope", "NorthEurope", "EastUS2", "UAENorth", "SouthCentralUS",
        "GermanyWestCentral", "EastAsia", "SoutheastAsia", "UKSouth", "SwitzerlandNorth",
        "AustraliaEast", "BrazilSouth", "CentralIndia", "JapanEast", "KoreaCentral",
        "NewZealandNorth", "SouthAfricaNorth", "WestUS3", "CanadaCentral", "SwedenCentral",
    ],
)  # fmt: skip
def test_regional_tags_are_written_as_azure_writes_them(tag):
    assert egress.service_tag_region(tag.lower()) == tag


def test_the_allow_list_follows_the_workspace_and_the_package_index():
    private = egress.allow_list("westeurope", back_end_private_link=True, package_index_host=None)
    assert [a.requirement.key for a in private] == [
        "metastore",
        "artifact-storage",
        "event-hub",
        "package-index",
    ]
    assert private[0].destinations == ("Sql.WestEurope",)
    assert private[-1].destinations == egress.PUBLIC_PYPI
    public = egress.allow_list(
        "northeurope",
        back_end_private_link=False,
        package_index_host="pkgs.example.com",
        allowed_fqdns=("api.example.com", "*.example.org"),
    )
    keys = [a.requirement.key for a in public]
    assert keys[0] == "control-plane" and keys[-1] == "allowed-fqdns"
    assert public[1].destinations == ("Sql.NorthEurope",)
    assert egress.internet_destinations(public) == ("pkgs.example.com", "api.example.com")


def test_a_firewall_is_configured_with_its_subnet_and_replaces_the_nat_gateway(tmp_path):
    config = load_environment(write(tmp_path, with_change("network.firewall", FIREWALL)))
    assert config.network.firewall is not None
    assert not config.network.creates_nat_gateway
    assert [a.requirement.key for a in config.egress_allow_list][-1] == "package-index"
    # The first of the two deploys of an existing environment keeps its NAT gateway.
    kept = with_change("network.nat_gateway", True, with_change("network.firewall", FIREWALL))
    assert load_environment(write(tmp_path, kept)).network.creates_nat_gateway


@pytest.mark.parametrize(
    ("network", "field", "message"),
    [
        ({"firewall": {**FIREWALL, "subnet": "10.20.3.0/27"}}, "network.firewall.subnet", "/26"),
        ({"firewall": {**FIREWALL, "subnet": "10.20.1.0/26"}}, "network.subnets", "overlaps"),
        ({"firewall": {**FIREWALL, "subnet": "10.99.0.0/26"}}, "network.subnets", "inside"),
        ({"firewall": {**FIREWALL, "sku_tier": "Free"}}, "network.firewall.sku_tier", "Basic"),
        (
            {"firewall": {**FIREWALL, "sku_tier": "Basic"}},
            "network.firewall.management_subnet",
            "required with sku_tier: Basic",
        ),
        (
            {"firewall": {**FIREWALL, "management_subnet": "10.20.3.64/26"}},
            "network.firewall.management_subnet",
            "only with sku_tier: Basic",
        ),
        ({"allowed_fqdns": ["https://x.example.com/"]}, "network.allowed_fqdns[0]", "host name"),
        ({"it_firewall_private_ip": "10.0.1.4"}, "network.it_firewall_private_ip", "sandbox"),
    ],
)
def test_bad_firewall_config_is_refused_naming_the_field(tmp_path, network, field, message):
    data = copy.deepcopy(MINIMAL)
    data["network"].update(network)
    found = problems(tmp_path, data)
    assert any(field in p and message in p for p in found), found


def test_it_mode_names_its_firewall_with_its_route_table(tmp_path):
    routed = _it_mode(nat_gateway=False, route_table_id=IT_ROUTE_TABLE)
    (found,) = problems(tmp_path, routed)
    assert "network.it_firewall_private_ip = None: required with network.route_table_id" in found
    named = {**routed, "network": {**routed["network"], "it_firewall_private_ip": "10.0.1.4"}}
    assert load_environment(write(tmp_path, named)).network.it_firewall_private_ip == "10.0.1.4"
    for ip, message in (
        ("8.8.8.8", "must be a private address"),
        ("10.40.0.9", "inside the platform's own subnets.databricks_host"),
        ("10.0.1", "must be an IPv4 address"),
    ):
        bad = {**routed, "network": {**routed["network"], "it_firewall_private_ip": ip}}
        assert any(message in p for p in problems(tmp_path, bad)), ip
    firewall = _it_mode(firewall=FIREWALL)
    assert any("network.firewall" in p and "IT mode" in p for p in problems(tmp_path, firewall))


def _policy_files(tmp_path, policy: dict[str, Any]):
    config_dir = tmp_path / "config"
    (config_dir / "accounts").mkdir(parents=True)
    account = {
        "account": "acme",
        "account_id": MINIMAL["databricks"]["account_id"],
        "subscription_id": "00000000-0000-0000-0000-000000000000",
        "network_policies": [policy],
    }
    (config_dir / "accounts" / "acme.yaml").write_text(yaml.safe_dump(account))
    data = with_change("databricks.network_policy", "np-dev")
    data["network"]["allowed_fqdns"] = ["api.example.com"]
    write(config_dir, data)
    return config_dir


def test_a_network_policy_must_allow_what_the_environment_needs(tmp_path):
    config_dir = _policy_files(tmp_path, {"name": "np-dev", "allowed_fqdns": ["pypi.org"]})
    with pytest.raises(ConfigError) as err:
        load_environments(config_dir)
    found = err.value.problems
    assert any(
        "databricks.network_policy = 'np-dev': does not allow files.pythonhosted.org, "
        "api.example.com"
        in p
        and "config/accounts/acme.yaml" in p
        for p in found
    ), found
    assert any("does not allow this environment's lake stmdpdevlake" in p for p in found), found


def test_a_network_policy_that_allows_it_all_is_accepted(tmp_path):
    config_dir = _policy_files(
        tmp_path,
        {
            "name": "np-dev",
            "allowed_fqdns": [*egress.PUBLIC_PYPI, "api.example.com"],
            "allowed_storage_accounts": ["stmdpdevlake"],
            "enforcement": "dry_run",
        },
    )
    (config,) = load_environments(config_dir)
    assert config.databricks.network_policy == "np-dev"


def test_an_unknown_network_policy_or_a_wildcard_in_one_is_refused(tmp_path):
    config_dir = _policy_files(tmp_path, {"name": "np-other"})
    with pytest.raises(ConfigError) as err:
        load_environments(config_dir)
    assert any(
        "not a network policy of this account's scope; declared there: np-other" in p
        for p in err.value.problems
    ), err.value.problems
    bad = tmp_path / "bad"
    bad.mkdir()
    config_dir = _policy_files(bad, {"name": "np-dev", "allowed_fqdns": ["*.example.com"]})
    with pytest.raises(ConfigError) as err:
        load_environments(config_dir)
    assert any(
        "network_policies[0].allowed_fqdns[0]" in p and "takes no *." in p
        for p in err.value.problems
    ), err.value.problems


def test_dev_routes_both_databricks_subnets_through_its_firewall(synthesized, config_of):
    tf = json.loads((synthesized.outdir / "stacks/dev-network/cdk.tf.json").read_text())
    resources = tf["resource"]
    (firewall_name,) = resources["azurerm_firewall"]
    (table,) = resources["azurerm_route_table"].values()
    (route,) = table["route"]
    assert route["address_prefix"] == "0.0.0.0/0" and route["next_hop_type"] == "VirtualAppliance"
    assert route["next_hop_in_ip_address"] == (
        f"${{azurerm_firewall.{firewall_name}.ip_configuration[0].private_ip_address}}"
    )
    delegated = {
        f"${{azurerm_subnet.{name}.id}}"
        for name, subnet in resources["azurerm_subnet"].items()
        if subnet.get("delegation")
    }
    associated = {
        a["subnet_id"] for a in resources["azurerm_subnet_route_table_association"].values()
    }
    assert len(delegated) == 2 and associated == delegated
    # The first of its two deploys: the NAT gateway stays beside the route, which wins.
    assert ("azurerm_nat_gateway" in resources) is bool(config_of["dev"].network.nat_gateway)
    (group,) = resources["azurerm_firewall_policy_rule_collection_group"].values()
    network = {r["name"]: r for c in group["network_rule_collection"] for r in c["rule"]}
    assert network["metastore"]["destination_addresses"] == ["Sql.WestEurope"]
    assert "control-plane" not in network  # dev's workspace has back-end Private Link
    assert all(r["source_addresses"] == ["10.20.0.0/24", "10.20.1.0/24"] for r in network.values())
    platform = json.loads((synthesized.outdir / "stacks/dev-platform/cdk.tf.json").read_text())
    settings = platform["resource"]["azurerm_monitor_diagnostic_setting"]
    (firewall_logs,) = [s for s in settings.values() if "firewall_id" in s["target_resource_id"]]
    assert firewall_logs["log_analytics_destination_type"] == "Dedicated"


def test_serverless_egress_is_restricted_in_dev_and_prod(synthesized):
    account = json.loads((synthesized.outdir / "stacks/mdp-account/cdk.tf.json").read_text())
    policies = {
        p["network_policy_id"]: p["egress"]["network_access"]
        for p in account["resource"]["databricks_account_network_policy"].values()
    }
    for env in ("dev", "prod"):
        uc = json.loads(
            (synthesized.outdir / f"stacks/{env}-unity-catalog/cdk.tf.json").read_text()
        )
        (option,) = uc["resource"]["databricks_workspace_network_option"].values()
        access = policies[option["network_policy_id"]]
        assert access["restriction_mode"] == "RESTRICTED_ACCESS"
        assert access["policy_enforcement"] == {"enforcement_mode": "ENFORCED"}
        lake = {d["azure_storage_account"] for d in access["allowed_storage_destinations"]}
        assert lake == {f"stmdp{env}lake01"}
    sandbox = json.loads(
        (synthesized.outdir / "stacks/sandbox-unity-catalog/cdk.tf.json").read_text()
    )
    assert "databricks_workspace_network_option" not in sandbox["resource"]


def test_prod_checks_it_s_route_table_against_its_firewall(synthesized):
    tf = json.loads((synthesized.outdir / "stacks/prod-network/cdk.tf.json").read_text())
    assert tf["locals"][egress.IT_FIREWALL_LOCAL] == "10.0.1.4"
    (table,) = tf["data"]["azurerm_route_table"].values()
    (condition,) = table["lifecycle"]["postcondition"]
    assert f"local.{egress.IT_FIREWALL_LOCAL}" in condition["condition"]
    assert "must send 0.0.0.0/0 to IT's firewall" in condition["error_message"]


def test_docs_list_what_a_firewall_must_allow_as_the_vocabulary_has_it():
    from tooling.egress import markdown_table

    text = (REPO_ROOT / "docs" / "deployment.md").read_text()
    assert markdown_table() in text, "docs/deployment.md's allow list is stale: run `make docs`"


def test_the_allow_list_cli_prints_one_environment_and_refuses_bad_arguments(capsys):
    from tooling.egress import main

    assert main([str(REPO_ROOT / "config" / "prod.yaml")]) == 0
    out = capsys.readouterr().out
    assert "Sql.WestEurope" in out and "10.40.0.0/23" in out and "pypi.org" in out
    assert main([]) == 2 and "usage:" in capsys.readouterr().err
    assert main(["config/nope.yaml"]) == 2
    assert "config/nope.yaml: no such configuration file" in capsys.readouterr().err


def _firewall(**overrides: Any):
    from components.egress import FirewallEgress, FirewallEgressProps
    from components.network import VirtualNetworkRef
    from tests.helpers import PLACEMENT

    values: dict[str, Any] = dict(
        placement=PLACEMENT,
        virtual_network=VirtualNetworkRef(name="vnet", resource_group_name="rg-net"),
        name="afw-x",
        policy_name="afwp-x",
        public_ip_name="pip-afw-x",
        route_table_name="rt-x",
        sku_tier="Standard",
        subnet_cidr="10.0.3.0/26",
        source_cidrs=("10.0.0.0/24", "10.0.1.0/24"),
        allowed=egress.allow_list(
            "westeurope", back_end_private_link=False, package_index_host=None
        ),
    )
    props = FirewallEgressProps(**{**values, **overrides})
    return lambda scope: FirewallEgress(scope, "egress", props=props)


def test_the_firewall_construct_allows_the_list_from_the_databricks_subnets_only():
    from tests.helpers import only, resources, synth_construct

    tf = synth_construct(_firewall())
    (subnet,) = resources(tf, "azurerm_subnet")
    assert subnet["name"] == "AzureFirewallSubnet" and subnet["address_prefixes"] == ["10.0.3.0/26"]
    firewall = only(tf, "azurerm_firewall")
    assert (firewall["sku_name"], firewall["sku_tier"]) == ("AZFW_VNet", "Standard")
    assert "management_ip_configuration" not in firewall
    policy = only(tf, "azurerm_firewall_policy")
    assert policy["threat_intelligence_mode"] == "Deny" and "intrusion_detection" not in policy
    group = only(tf, "azurerm_firewall_policy_rule_collection_group")
    network = {r["name"]: r for c in group["network_rule_collection"] for r in c["rule"]}
    assert network["control-plane"]["destination_addresses"] == ["AzureDatabricks"]
    assert network["control-plane"]["destination_ports"] == ["443", "3306", "8443-8451"]
    (apps,) = group["application_rule_collection"]
    (index,) = apps["rule"]
    assert index["destination_fqdns"] == list(egress.PUBLIC_PYPI)
    assert index["protocols"] == [{"port": 443, "type": "Https"}]
    for rule in [*network.values(), index]:
        assert rule["source_addresses"] == ["10.0.0.0/24", "10.0.1.0/24"]


def test_a_basic_firewall_has_its_management_subnet_and_a_premium_one_idps():
    from tests.helpers import only, resources, synth_construct

    basic = synth_construct(_firewall(sku_tier="Basic", management_subnet_cidr="10.0.3.64/26"))
    names = {s["name"] for s in resources(basic, "azurerm_subnet")}
    assert names == {"AzureFirewallSubnet", "AzureFirewallManagementSubnet"}
    assert only(basic, "azurerm_firewall")["management_ip_configuration"]["name"] == "management"
    assert only(basic, "azurerm_firewall_policy")["threat_intelligence_mode"] == "Alert"
    assert len(resources(basic, "azurerm_public_ip")) == 2
    premium = synth_construct(_firewall(sku_tier="Premium"))
    policy = only(premium, "azurerm_firewall_policy")
    assert policy["intrusion_detection"] == {"mode": "Deny"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"sku_tier": "Free"}, "sku_tier: 'Free'; allowed: Basic, Standard, Premium"),
        ({"sku_tier": "Basic"}, "management_subnet_cidr is required with Basic"),
        ({"management_subnet_cidr": "10.0.3.64/26"}, "refused otherwise"),
        ({"subnet_cidr": "10.0.3.0/27"}, "subnet_cidr"),
        ({"source_cidrs": ()}, "source_cidrs must name the Databricks subnets"),
    ],
)
def test_the_firewall_construct_refuses_bad_props(overrides, message):
    from tests.helpers import synth_construct

    with pytest.raises(ValueError, match=message):
        synth_construct(_firewall(**overrides))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"enforcement": "audit"}, "enforcement: 'audit'; allowed: enforced, dry_run"),
        ({"allowed_fqdns": ("*.example.com",)}, "a DNS_NAME destination is one host"),
        ({"allowed_fqdns": tuple(f"h{i}.example.com" for i in range(2001))}, "holds 2000"),
    ],
)
def test_a_network_policy_refuses_what_the_api_would(overrides, message):
    from cdktf_cdktf_provider_databricks.provider import DatabricksProvider

    from components.serverless import NetworkPolicyProps, network_policy
    from tests.helpers import synth_construct

    def build(scope):
        values: dict[str, Any] = dict(
            name="np-x",
            allowed_fqdns=("pypi.org",),
            allowed_storage_accounts=("stlake",),
            enforcement="enforced",
            account_id="00000000-0000-0000-0000-00000000000a",
            account_provider=DatabricksProvider(scope, "account"),
        )
        return network_policy(scope, "policy", NetworkPolicyProps(**{**values, **overrides}))

    with pytest.raises(ValueError, match=message):
        synth_construct(build)
