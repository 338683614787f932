"""The governance stack: Purview private, reading the lake, known to Unity Catalog as a reader."""

from __future__ import annotations

import pytest

from tests.conftest import ENVIRONMENTS
from tests.helpers import only, resources
from tests.test_stacks import read_output, reads_output_of


def governed(config_of) -> list[str]:
    return [env for env in ENVIRONMENTS if config_of[env].governance.enabled]


def test_governance_is_optional_per_environment(synthesized, config_of):
    for env, stacks in synthesized.stack_ids.items():
        assert (f"{env}-governance" in stacks) is config_of[env].governance.enabled
    assert governed(config_of), "a shipped environment shows governance"


def test_purview_is_private_with_a_user_assigned_identity(stacks, config_of):
    for env in governed(config_of):
        tf = stacks[f"{env}-governance"]
        account = only(tf, "azurerm_purview_account")
        assert account["public_network_enabled"] is False
        assert account["identity"]["type"] == "UserAssigned"
        assert account["lifecycle"]["prevent_destroy"] is True
        endpoints = {
            e["private_service_connection"]["subresource_names"][0]
            for e in resources(tf, "azurerm_private_endpoint")
        }
        expected = {"account", "portal"}
        if config_of[env].governance.ingestion_private_endpoints:
            expected |= {"blob", "queue", "namespace"}
        assert endpoints == expected
        for endpoint in resources(tf, "azurerm_private_endpoint"):
            (zone,) = endpoint["private_dns_zone_group"]["private_dns_zone_ids"]
            stack, output = read_output(zone) or ("", "")
            assert stack == f"{env}-network" and output.startswith("private_dns_zone_ids_")


def test_purview_reads_the_lake_and_nothing_more(stacks, config_of):
    for env in governed(config_of):
        (assignment,) = resources(stacks[f"{env}-governance"], "azurerm_role_assignment")
        assert assignment["role_definition_name"] == "Storage Blob Data Reader"
        assert reads_output_of(assignment["scope"], f"{env}-platform", "lake_storage_account_id")


def test_purview_is_a_databricks_reader_in_unity_catalog(stacks, config_of):
    for env in governed(config_of):
        tf = stacks[f"{env}-governance"]
        sp = only(tf, "databricks_service_principal")
        (identity_key,) = tf["resource"]["azurerm_user_assigned_identity"]
        assert sp["application_id"] == (
            f"${{azurerm_user_assigned_identity.{identity_key}.client_id}}"
        )
        grants = resources(stacks[f"{env}-unity-catalog"], "databricks_grants")
        purview = [
            g
            for grant in grants
            for g in grant["grant"]
            if reads_output_of(g["principal"], f"{env}-governance", "purview_client_id")
        ]
        schema_count = len(resources(stacks[f"{env}-unity-catalog"], "databricks_schema"))
        assert len(purview) == 1 + schema_count  # the catalog and each schema
        for grant in purview:
            assert set(grant["privileges"]) <= {"USE_CATALOG", "BROWSE", "USE_SCHEMA", "SELECT"}


def test_the_sandbox_creates_purviews_dns_zones_only_with_governance(stacks, config_of):
    for env in ENVIRONMENTS:
        if not config_of[env].network.sandbox:
            continue
        zones = {z["name"] for z in resources(stacks[f"{env}-network"], "azurerm_private_dns_zone")}
        assert ("privatelink.purview.azure.com" in zones) is config_of[env].governance.enabled


def test_it_mode_governance_needs_its_zones(tmp_path):
    from tests.test_config import IT_NETWORK, problems, with_change

    data = with_change("governance", {"enabled": True}, with_change("network", IT_NETWORK))
    found = problems(tmp_path, data)
    for purpose in ("purview", "purview_portal", "queue", "servicebus"):
        assert any(
            f"network.private_dns_zone_ids.{purpose} = None: required with governance" in p
            for p in found
        ), purpose


def test_fails_if_purview_lacks_a_zone():
    from components.governance import Purview, PurviewEndpointNames, PurviewProps
    from tests.helpers import PLACEMENT, synth_construct

    names = PurviewEndpointNames(account="a", portal="p", blob="b", queue="q", namespace="n")
    with pytest.raises(ValueError, match="zone_ids lacks purview_portal"):
        synth_construct(
            lambda s: Purview(
                s,
                "purview",
                props=PurviewProps(
                    name="pview-x",
                    identity_name="id-x",
                    managed_resource_group_name="rg-m",
                    placement=PLACEMENT,
                    subnet_id="s",
                    zone_ids={"purview": "z"},
                    endpoint_names=names,
                    ingestion_endpoints=False,
                    lake_storage_account_id="lake",
                    log_analytics_workspace_id="log",
                ),
            )
        )
