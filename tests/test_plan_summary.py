"""tooling.plan_summary on plan fixtures (`terraform show -json` shape), offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tooling.plan_summary import PlanError, main, read_plan, summarize

FIXTURES = Path(__file__).parent / "fixtures" / "plans"


def plan(name: str, stack: str = "dev-platform"):
    return read_plan(stack, json.loads((FIXTURES / f"{name}.json").read_text()))


def test_a_no_op_plan_says_no_changes():
    text = summarize("dev", [plan("no-op", "dev-network"), plan("no-op")])
    assert text.splitlines()[0] == "<!-- mdp-plan:dev -->"
    assert "No changes: the infrastructure matches the code." in text
    assert "CAUTION" not in text


def test_an_add_only_plan_counts_adds_per_stack():
    text = summarize("dev", [plan("add-only", "dev-network"), plan("no-op")])
    assert "| `dev-network` | 2 | 0 | 0 | 0 |" in text
    assert "| `dev-platform` | 0 | 0 | 0 | 0 |" in text
    assert "CAUTION" not in text


def test_an_update_is_a_change_and_no_caution():
    result = plan("update")
    assert result.changes == ["azurerm_key_vault.key-vault-platform_vault_C2F9BD15"]
    assert "CAUTION" not in summarize("dev", [result])


def test_replacing_the_storage_account_is_called_out_first():
    text = summarize("prod", [plan("replace-storage-account", "prod-platform")])
    lines = text.splitlines()
    caution = lines.index("> [!CAUTION]")
    assert caution < lines.index("| stack | add | change | replace | destroy | planned against |")
    assert (
        "> - `prod-platform`: **replace** `azurerm_storage_account.lake_account_92054329`" in text
    )
    assert "**replace** `azurerm_storage_container.lake_container-landing_93B72706`" in text
    assert "private-endpoint" not in text.split("| stack |")[0]  # not stateful: not in the warning
    assert "| `prod-platform` | 0 | 1 | 2 | 0 |" in text


def test_deleting_a_catalog_is_called_out():
    text = summarize("dev", [plan("delete-catalog", "dev-unity-catalog")])
    assert "> - `dev-unity-catalog`: **destroy** `databricks_catalog.catalog_890A6A3F`" in text
    assert "databricks_grants" not in text.split("| stack |")[0]
    assert "| `dev-unity-catalog` | 0 | 0 | 0 | 2 |" in text


def test_drift_exit_code_is_2_only_when_something_changes(capsys):
    assert main(["--environment", "dev", "--exit-code", str(FIXTURES / "no-op.json")]) == 0
    assert main(["--environment", "dev", "--exit-code", str(FIXTURES / "update.json")]) == 2
    assert main(["--environment", "dev", str(FIXTURES / "update.json")]) == 0
    assert "| `update` | 0 | 1 | 0 | 0 |" in capsys.readouterr().out


def test_fails_if_a_file_is_not_a_plan(tmp_path, capsys):
    bad = tmp_path / "dev-network.json"
    bad.write_text(json.dumps({"resources": []}))
    assert main(["--environment", "dev", str(bad)]) == 1
    assert f"error: {bad}: not `terraform show -json` output" in capsys.readouterr().err
    with pytest.raises(PlanError, match=r"resource_changes\[0\] lacks address"):
        read_plan("x", {"format_version": "1.2", "resource_changes": [{"type": "t"}]})
    with pytest.raises(PlanError, match="unknown change actions"):
        read_plan(
            "x",
            {
                "format_version": "1.2",
                "resource_changes": [
                    {"address": "a.b", "type": "a", "change": {"actions": ["explode"]}}
                ],
            },
        )


def test_stack_order_follows_the_contracts_each_stack_reads(synthesized):
    from tooling.synthesized import stack_order

    for env, built in synthesized.stack_ids.items():
        order = stack_order(synthesized.outdir, env)
        assert set(order) == set(built)
        for stack in order:  # every stack comes after the stacks it reads
            tf = synthesized.stacks[stack]
            reads = set(tf.get("data", {}).get("terraform_remote_state", {}))
            assert all(order.index(r) < order.index(stack) for r in reads), stack


def test_stack_order_names_the_known_environments_when_asked_for_another(synthesized):
    from tooling.stack_order import main as order_main

    assert order_main([str(synthesized.outdir), "staging"]) == 1


def test_the_readme_picture_is_drawn_from_the_current_stacks(synthesized):
    import shutil

    from tests.conftest import REPO_ROOT
    from tooling.diagram import render, to_dot

    env = "dev"
    if env not in synthesized.stack_ids:
        pytest.skip("the picture shows the shipped dev environment")
    if shutil.which("node") is None:
        pytest.fail("node is not on the PATH (make test puts it there)")
    dot = to_dot(synthesized.outdir, env)
    svg = render(dot)
    for stack in synthesized.stack_ids[env]:
        assert f"cluster_{stack}" in dot, stack
        assert stack.replace("-", "&#45;") in svg, stack  # Graphviz escapes "-" in SVG text
    committed = (REPO_ROOT / "docs" / "assets" / "mini-data-platform.svg").read_text()
    assert svg == committed, "docs/assets/mini-data-platform.svg is stale: run `make diagram`"


def test_forgotten_resources_are_shown_and_are_no_destroy():
    """A `removed` block with destroy = false plans Terraform's `forget` action."""
    result = plan("forget")
    assert result.forgets == [
        "azurerm_resource_provider_registration.provider-databricks",
        "azurerm_resource_provider_registration.provider-storage",
    ]
    assert not result.destroys and not result.stateful and not result.empty
    text = summarize("dev", [result])
    assert "`dev-platform` 2 forgotten (kept in Azure)" in text
    assert "- forget (kept in Azure) `azurerm_resource_provider_registration.provider-storage`" in (
        text
    )
    assert "CAUTION" not in text


def test_a_move_between_addresses_is_shown_with_both():
    result = plan("move", "dev-unity-catalog")
    assert result.moves == [
        "databricks_group.principals_group-analysts_0F1E2D3C"
        " -> databricks_group.principals_group_A1B2C3D4"
    ]
    assert not result.empty
    assert "`dev-unity-catalog` 1 moved" in summarize("dev", [result])


def test_imports_are_shown_with_their_ids_and_an_update_still_counts():
    result = plan("import", "account")
    assert result.imports == [
        "databricks_group.account-principals_group_A1B2C3D4 <- 123456789",
        "azurerm_resource_provider_registration.provider-compute <- "
        "/subscriptions/11111111-1111-1111-1111-111111111111/providers/Microsoft.Compute",
    ]
    assert result.changes == ["azurerm_resource_provider_registration.provider-compute"]
    text = summarize("dev", [result])
    assert "`account` 2 imported" in text and "| `account` | 0 | 1 | 0 | 0 |" in text


def test_drift_exit_code_counts_a_forget_as_a_change():
    assert main(["--environment", "dev", "--exit-code", str(FIXTURES / "forget.json")]) == 2


def _inputs(**record) -> dict:
    return {"planned_from": {}, "known_after_apply": {}, "needed_at_plan": {}} | record


def test_each_stack_says_what_it_was_planned_against_and_what_is_known_after_apply():
    chained = json.loads((FIXTURES / "add-only.json").read_text())
    chained["mdp_inputs"] = _inputs(
        planned_from={"dev-network": ["firewall_id", "pe_subnet_id"]},
        known_after_apply={"dev-network": ["firewall_id"]},
    )
    platform = read_plan("dev-platform", chained)
    assert platform.planned and platform.planned_from == {
        "dev-network": ["firewall_id", "pe_subnet_id"]
    }
    text = summarize("dev", [plan("add-only", "dev-network"), platform])
    assert "| `dev-network` | 2 | 0 | 0 | 0 | deployed state |" in text
    assert "| `dev-platform` | 2 | 0 | 0 | 0 | the plans of `dev-network` |" in text
    assert "- `dev-platform`: `firewall_id` known after `dev-network` applies" in text
    details = text.split("<details><summary><code>dev-platform</code></summary>")[1]
    assert "Read from the plans before it, not from deployed state:" in details
    assert "- `dev-network`: `firewall_id`, `pe_subnet_id`" in details


def test_a_stack_that_waits_is_listed_not_counted(tmp_path, capsys):
    record = _inputs(
        known_after_apply={"dev-databricks": ["workspace_url", "x"]},
        needed_at_plan={"dev-databricks": ["workspace_url"]},
    )
    waiting = read_plan("dev-workloads", {"not_planned": record})
    assert waiting.waiting_for == {"dev-databricks": ["workspace_url"]} and waiting.empty
    assert not waiting.planned
    text = summarize("dev", [plan("add-only", "dev-network"), waiting])
    assert (
        "> - `dev-workloads` waits: its provider configuration, `count` or `for_each` needs "
        "`workspace_url` known after `dev-databricks` applies" in text
    )
    assert "| `dev-network` | 2 | 0 | 0 | 0 |" in text
    assert "| `dev-workloads` |" not in text  # not planned: no row of zeros
    assert "WARNING" not in text  # waiting is not failing
    # Drift: an environment with a stack that waits is not what the code says.
    path = tmp_path / "dev-workloads.json"
    path.write_text(json.dumps({"not_planned": record}))
    assert main(["--environment", "dev", "--exit-code", str(path)]) == 2


def test_stacks_that_cannot_be_planned_are_warned_of_each_with_its_reason():
    failed = read_plan("dev-network", {"plan_failed": True, "mdp_inputs": _inputs()})
    blocked = read_plan("dev-platform", {"not_planned": _inputs(failed=["dev-network"])})
    stale = read_plan(
        "dev-ingestion",
        {"not_planned": _inputs(not_produced={"dev-workloads": ["job_id"]})},
    )
    text = summarize("dev", [failed, blocked, stale], failed=True)
    assert "after these stacks" not in text  # each says its own reason instead
    assert "> - `dev-network`: **the plan failed** (the job's log says why)" in text
    assert (
        "> - `dev-platform`: not planned, it reads `dev-network`, which could not be planned"
        in text
    )
    assert (
        "> - `dev-ingestion`: cannot be deployed, it reads `job_id`, which `dev-workloads` will "
        "not have (renamed, removed or null)" in text
    )
    assert "No changes" not in text
    with pytest.raises(PlanError, match="mdp_inputs is not an object"):
        read_plan("dev-network", {"plan_failed": True, "mdp_inputs": []})


def test_a_failed_plan_says_so_first_even_with_no_plan(capsys):
    assert main(["--environment", "dev", "--failed"]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0] == "<!-- mdp-plan:dev -->"
    assert "**The plan failed** after these stacks: none." in text
    assert main(["--environment", "dev", "--failed", str(FIXTURES / "no-op.json")]) == 0
    assert "after these stacks: `no-op`." in capsys.readouterr().out
    # Drift: a plan that failed, even before writing any file, is not "no drift".
    assert main(["--environment", "dev", "--failed", "--exit-code"]) == 2
    with pytest.raises(SystemExit):
        main(["--environment", "dev"])


def test_a_replacement_forced_only_by_values_known_after_apply_says_so():
    """Chained plans: a consumer's ForceNew argument reading a value its producer gets at apply
    plans a replacement, as Terraform would in one configuration; it happens only if the value
    turns out different, and the comment says that instead of a plain loss. Only then: not for
    a replacement asked for (-replace), nor one forced by a value of the stack itself."""
    data = json.loads((FIXTURES / "replace-storage-account.json").read_text())
    for change in data["resource_changes"]:
        change["action_reason"] = "replace_because_cannot_update"
        if change["type"] == "azurerm_storage_account":
            change["change"]["replace_paths"] = [["name"]]
            change["change"]["after_unknown"] = {"name": True}
    data["configuration"] = {
        "root_module": {
            "resources": [
                {
                    "address": "azurerm_storage_account.lake_account_92054329",
                    "expressions": {
                        "name": {"references": ["local.known_after_apply__prod-network__x"]}
                    },
                }
            ]
        }
    }
    data["mdp_inputs"] = _inputs(
        planned_from={}, not_planned_from=["prod-network"], known_after_apply={}
    )
    result = read_plan("prod-platform", data)
    assert result.if_unknown_changes == {"azurerm_storage_account.lake_account_92054329": ["name"]}
    text = summarize("prod", [result])
    assert (
        "> - `prod-platform`: **replace** `azurerm_storage_account.lake_account_92054329` "
        "(only if `name`, known after apply, turns out different)" in text
    )
    # A container replaced for a known reason is still a plain loss.
    assert "**replace** `azurerm_storage_container.lake_container-landing_93B72706`\n" in text
    assert "| `prod-platform` | 0 | 1 | 2 | 0 | `prod-network` (not planned) |" in text
    # Asked for, or forced by a value of the stack's own: certain, so no such words.
    storage = next(c for c in data["resource_changes"] if c["type"] == "azurerm_storage_account")
    storage["action_reason"] = "replace_by_request"
    assert read_plan("prod-platform", data).if_unknown_changes == {}
    storage["action_reason"] = "replace_because_cannot_update"
    own = data["configuration"]["root_module"]["resources"][0]["expressions"]["name"]
    own["references"] = ["azurerm_resource_group.rg.name", "azurerm_resource_group.rg"]
    assert read_plan("prod-platform", data).if_unknown_changes == {}
