"""The policy scan: checkov on every synthesized stack, every failure accepted in code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policy import accept_finding, collect_accepted_findings
from policy.scan import Finding, compare, failed_findings, scan
from tests.helpers import synth_construct


@pytest.fixture(scope="session")
def policy(synth_dir: Path):
    return scan(synth_dir)


def test_checkov_scans_every_stack(policy, stacks, synth_dir):
    assert policy.parsing_errors == 0
    assert policy.passed > 50, "checkov ran too few checks: did it find the stacks?"
    # Checkov has no checks for the Databricks provider's resources: a stack holding only those
    # yields no result (parsing errors would still show).
    checked = {
        "azurerm_storage_account",
        "azurerm_key_vault",
        "azurerm_subnet",
        "azurerm_databricks_workspace",
        "azurerm_network_security_group",
    }
    expected = {s for s, tf in stacks.items() if checked & set(tf.get("resource", {}))}
    assert expected <= policy.scanned_stacks <= set(stacks)


def test_every_failed_check_is_accepted_in_code(policy):
    assert policy.unaccepted == [], policy.summary()


def test_no_acceptance_is_stale(policy):
    assert policy.stale == [], policy.summary()


def test_policy_exceptions_file_lists_stack_address_check_and_reason(synth_dir, stacks):
    entries = json.loads((synth_dir / "policy-exceptions.json").read_text())
    assert entries, "the shipped stacks accept some findings; the file must list them"
    for entry in entries:
        assert set(entry) == {"stack", "resource", "check_id", "reason"}
        assert entry["stack"] in stacks
        resource_type, logical_id = entry["resource"].split(".", 1)
        assert logical_id in stacks[entry["stack"]]["resource"][resource_type]
        assert len(entry["reason"]) > 20


def test_only_a_lake_that_is_not_geo_redundant_has_its_replication_accepted(
    synth_dir, shipped_configs
):
    from vocabulary.azure import GEO_REDUNDANT_REPLICATION

    entries = json.loads((synth_dir / "policy-exceptions.json").read_text())
    replication = {e["stack"]: e["reason"] for e in entries if e["check_id"] == "CKV_AZURE_206"}
    # Geo-redundant replication passes the check; any other is the config's documented choice.
    assert set(replication) == {
        f"{c.environment}-platform"
        for c in shipped_configs
        if c.skus.storage_replication not in GEO_REDUNDANT_REPLICATION
    }
    assert all("skus.storage_replication" in reason for reason in replication.values())


def test_compare_reports_unaccepted_failures_and_stale_acceptances():
    a = Finding("dev-platform", "azurerm_storage_account.lake", "CKV_AZURE_1")
    b = Finding("dev-platform", "azurerm_key_vault.kv", "CKV_AZURE_2")
    c = Finding("dev-network", "azurerm_subnet.s", "CKV_AZURE_3")
    unaccepted, stale = compare(failed=[a, b], accepted=[b, c])
    assert unaccepted == [a]
    assert stale == [c]


def test_failed_findings_read_the_type_back_for_resource_checks(tmp_path):
    stack = tmp_path / "dev-platform"
    stack.mkdir()
    (stack / "cdk.tf.json").write_text(
        json.dumps({"resource": {"azurerm_storage_account": {"lake_account_1": {}}}})
    )
    report = {
        "results": {
            "failed_checks": [
                {
                    "check_id": "CKV_AZURE_33",
                    "file_path": "/dev-platform/cdk.tf.json",
                    "resource": "resource.lake_account_1",
                },
                {
                    "check_id": "CKV2_AZURE_1",
                    "file_path": "/dev-platform/cdk.tf.json",
                    "resource": "azurerm_storage_account.lake_account_1",
                },
            ]
        }
    }
    assert failed_findings(report, tmp_path) == [
        Finding("dev-platform", "azurerm_storage_account.lake_account_1", "CKV2_AZURE_1"),
        Finding("dev-platform", "azurerm_storage_account.lake_account_1", "CKV_AZURE_33"),
    ]


@pytest.mark.parametrize(
    ("check_id", "reason", "message"),
    [
        ("AZURE_35", "a reason long enough to judge", "not a checkov check id"),
        ("CKV_AZURE_35", "  ", "needs a reason"),
    ],
)
def test_fails_if_acceptance_is_malformed(check_id, reason, message):
    from cdktf_cdktf_provider_azurerm.resource_group import ResourceGroup

    def build(scope):
        accept_finding(
            ResourceGroup(scope, "rg", name="rg", location="westeurope"), check_id, reason
        )

    with pytest.raises(ValueError, match=message):
        synth_construct(build)


def test_collect_finds_acceptances_with_their_terraform_address():
    from cdktf import App, TerraformStack
    from cdktf_cdktf_provider_azurerm.provider import AzurermProvider, AzurermProviderFeatures
    from cdktf_cdktf_provider_azurerm.resource_group import ResourceGroup

    app = App()
    stack = TerraformStack(app, "dev-test")
    AzurermProvider(stack, "azurerm", features=[AzurermProviderFeatures()])
    rg = ResourceGroup(stack, "rg", name="rg", location="westeurope")
    accept_finding(rg, "CKV_AZURE_35", "accepted for this test")
    (found,) = collect_accepted_findings(app)
    assert (found.stack, found.resource, found.check_id) == (
        "dev-test",
        "azurerm_resource_group.rg",
        "CKV_AZURE_35",
    )


def test_the_scan_refuses_an_hcl_synthesis_naming_what_to_run(tmp_path, capsys):
    """`cdktf synth --hcl` into the scanned folder leaves cdk.tf without (or beside stale)
    JSON: the scan says what to run instead of scanning stale files or failing on JSON."""
    from policy.scan import main

    stack = tmp_path / "stacks" / "sandbox-network"
    stack.mkdir(parents=True)
    (stack / "cdk.tf").write_text("terraform {}\n")
    assert main([str(tmp_path)]) == 2
    said = capsys.readouterr().err
    assert "1 stack folder(s) of " in said and "(sandbox-network; " in said
    assert "run `make synth`" in said and "cdktf.out.hcl" in said
    # HCL beside the JSON an earlier synthesis left: refused too (the JSON may be stale).
    (stack / "cdk.tf.json").write_text("{}")
    assert main([str(tmp_path)]) == 2
    assert "hold HCL (cdk.tf) or no cdk.tf.json" in capsys.readouterr().err
