"""The first-deploy checks (tooling/first_deploy.py): placeholder ids and example users are
refused, naming file and field; a resource group the Azure CLI says is missing is refused; a
config with real ids passes. The CLI is a fake on PATH: no test reaches Azure."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import CONFIG_DIR
from tooling import first_deploy

REAL = "3f2c9a71-5b4e-4d2a-9c1e-"


def with_real_ids(target: Path) -> Path:
    """A copy of config/ whose placeholder ids and example users are replaced by real-looking
    ones (the edit a user makes before a first deploy)."""
    shutil.copytree(CONFIG_DIR, target)
    for path in target.rglob("*.yaml"):
        text = re.sub(r"\b([0-9a-f])\1{7}-\1{4}-\1{4}-\1{4}-", REAL, path.read_text())
        text = text.replace("00000000-0000-0000-0000-", REAL).replace(
            "@example.com", "@contoso.com"
        )
        path.write_text(text)
    return target


def fake_az(folder: Path, answer: str, code: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    az = folder / "az"
    az.write_text(
        f'#!/usr/bin/env bash\necho "$@" >> {folder}/az.log\necho {answer}\nexit {code}\n'
    )
    az.chmod(0o755)
    return az


@pytest.mark.parametrize(
    "value, placeholder",
    [
        ("00000000-0000-0000-0000-000000000000", True),
        ("11111111-1111-1111-1111-111111111111", True),
        ("00000000-0000-0000-0000-0000000000d1", True),
        ("3f2c9a71-5b4e-4d2a-9c1e-0000000000d1", False),
        ("2ff814a6-3304-4ab8-85cb-cd0e6f879c1d", False),
    ],
)
def test_placeholder_ids(value, placeholder):
    assert first_deploy.is_placeholder(value) is placeholder


def test_the_shipped_files_are_refused_naming_every_placeholder(monkeypatch):
    monkeypatch.setenv("MDP_CONFIG_DIR", str(CONFIG_DIR))
    monkeypatch.setenv("PATH", "/nonexistent")  # no az: only the offline checks
    text = "\n".join(first_deploy.problems("sandbox"))
    for field in (
        "sandbox.yaml: subscription_id = 00000000-0000-0000-0000-000000000000: a placeholder",
        "sandbox.yaml: databricks.account_id = 00000000-0000-0000-0000-00000000000a",
        "sandbox.yaml: unity_catalog.deployer = you@example.com: a placeholder",
        "sandbox.yaml: unity_catalog.users[0].user_name = you@example.com: a placeholder",
    ):
        assert field in text, text
    # Every field, ids inside resource ids included, not a list of known ones.
    prod = "\n".join(first_deploy.problems("prod"))
    for field in (
        "prod.yaml: unity_catalog.groups[0].entra_object_id = ",
        "prod.yaml: network.private_dns_zone_ids.dfs = /subscriptions/2222",
        "prod.yaml: ingestion.source.server_id = /subscriptions/",
        "(the resource id of the real resource)",
    ):
        assert field in prod, prod
    # An account scope's file too: CI applies it first.
    account = "\n".join(first_deploy.problems("mdp"))
    assert "mdp.yaml: account_id = 00000000-0000-0000-0000-00000000000a: a placeholder" in account


def test_each_placeholder_left_is_found_alone(tmp_path, monkeypatch):
    """Real ids everywhere but one field: that one is named (no field is skipped)."""
    config_dir = with_real_ids(tmp_path / "config")
    monkeypatch.setenv("MDP_CONFIG_DIR", str(config_dir))
    monkeypatch.setenv("PATH", "/nonexistent")
    shipped = (CONFIG_DIR / "prod.yaml").read_text()
    guids = sorted(
        g
        for g in set(re.findall(r"[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}", shipped))
        if first_deploy.is_placeholder(g)
    )
    assert len(guids) > 5
    fixed = (config_dir / "prod.yaml").read_text()
    for guid in guids:
        real = re.sub(r"^([0-9a-f])\1{7}-\1{4}-\1{4}-\1{4}-", REAL, guid)
        real = real.replace("00000000-0000-0000-0000-", REAL)
        (config_dir / "prod.yaml").write_text(fixed.replace(real, guid, 1))
        found = first_deploy.problems("prod")
        assert len(found) == 1 and guid in found[0], (guid, found)
    (config_dir / "prod.yaml").write_text(fixed)
    assert first_deploy.problems("prod") == []


def test_real_ids_pass_and_a_missing_resource_group_is_refused(tmp_path, monkeypatch):
    config_dir = with_real_ids(tmp_path / "config")
    monkeypatch.setenv("MDP_CONFIG_DIR", str(config_dir))
    for env in ("sandbox", "dev", "prod", "mdp"):
        monkeypatch.setenv("PATH", "/nonexistent")
        assert first_deploy.problems(env) == []  # no az: nothing more to check
        fake_az(tmp_path / "bin", "true")
        monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
        assert first_deploy.problems(env) == []
    (tmp_path / "bin" / "az.log").write_text("")
    fake_az(tmp_path / "bin", "false")
    (problem,) = first_deploy.problems("sandbox")
    assert "sandbox.yaml: resource_group = rg-mdp-sandbox: no such resource group" in problem
    assert "az group create --name rg-mdp-sandbox --location" in problem
    (call,) = (tmp_path / "bin" / "az.log").read_text().splitlines()
    assert call.startswith("group exists --name rg-mdp-sandbox --subscription " + REAL)
    # The CLI cannot tell (not logged in): the deploy goes on, and its first stack says.
    fake_az(tmp_path / "bin", "", code=1)
    assert first_deploy.problems("sandbox") == []


def test_an_invalid_file_is_reported_not_raised(tmp_path, monkeypatch):
    config_dir = with_real_ids(tmp_path / "config")
    monkeypatch.setenv("MDP_CONFIG_DIR", str(config_dir))
    path = config_dir / "sandbox.yaml"
    path.write_text(path.read_text().replace("location: westeurope", "location: mars"))
    (problem,) = first_deploy.problems("sandbox")
    assert "location" in problem and "mars" in problem


def test_a_scope_without_a_file_has_nothing_to_check(monkeypatch):
    monkeypatch.setenv("MDP_CONFIG_DIR", str(CONFIG_DIR))
    assert first_deploy.problems("nowhere") == []


def test_the_stack_cli_check_reports_every_problem_at_once(synthesized, monkeypatch, capsys):
    """./cdktf deploy <stack> runs the deploy's checks for that stack: the IP list's
    documentation range and the placeholders together, one run."""
    monkeypatch.setenv("MDP_CONFIG_DIR", str(CONFIG_DIR))
    monkeypatch.setenv("PATH", "/nonexistent")
    listed = [
        s
        for s, tf in synthesized.stacks.items()
        if "databricks_ip_access_list" in tf.get("resource", {})
    ]
    if not listed:
        pytest.skip("no shipped environment has an IP access list")
    assert first_deploy.main([str(synthesized.outdir), listed[0]]) == 1
    said = capsys.readouterr().err
    assert "not deployed, nothing changed" in said
    assert "allows only documentation ranges" in said and "a placeholder" in said
    assert first_deploy.main([str(synthesized.outdir), "nowhere-network"]) == 0


def test_a_webhook_secret_the_vault_does_not_hold_is_refused(tmp_path, monkeypatch):
    """alerts.webhook_secret on a first deploy (no vault yet) or before the secret is written:
    the platform stack would fail reading it, so the deploy says what to do first."""
    config_dir = with_real_ids(tmp_path / "config")
    path = config_dir / "dev.yaml"
    path.write_text(
        path.read_text().replace(
            "  # webhook_secret: alerts-webhook", "  webhook_secret: alerts-webhook"
        )
    )
    monkeypatch.setenv("MDP_CONFIG_DIR", str(config_dir))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "az").write_text(
        "#!/usr/bin/env bash\n"
        f'echo "$@" >> {bin_dir}/az.log\n'
        'if [ "$1" = group ]; then echo true; exit 0; fi\n'
        "echo '(SecretNotFound) A secret with (name/id) alerts-webhook was not found' >&2\n"
        "exit 3\n"
    )
    (bin_dir / "az").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    (problem,) = first_deploy.problems("dev")
    assert "dev.yaml: alerts.webhook_secret = alerts-webhook: the platform vault" in problem
    assert "deploy without webhook_secret first" in problem
    calls = (bin_dir / "az.log").read_text().splitlines()
    assert any(c.startswith("keyvault secret show --vault-name kv-mdp-dev-plat-01") for c in calls)
    # No path to the private vault (a laptop): the CLI cannot tell, the deploy goes on.
    (bin_dir / "az").write_text(
        "#!/usr/bin/env bash\n"
        'if [ "$1" = group ]; then echo true; exit 0; fi\n'
        "echo 'Public network access is disabled' >&2\nexit 1\n"
    )
    assert first_deploy.problems("dev") == []
