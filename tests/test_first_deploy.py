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


def test_the_shipped_sandbox_is_refused_naming_each_placeholder(monkeypatch):
    monkeypatch.setenv("MDP_CONFIG_DIR", str(CONFIG_DIR))
    monkeypatch.setenv("PATH", "/nonexistent")  # no az: only the offline checks
    with pytest.raises(ValueError) as err:
        first_deploy.check("sandbox")
    text = str(err.value)
    assert 'README, "Before your first sandbox deploy"' in text
    for field in (
        "sandbox.yaml: subscription_id = 00000000-0000-0000-0000-000000000000: a placeholder",
        "sandbox.yaml: databricks.account_id = 00000000-0000-0000-0000-00000000000a",
        "sandbox.yaml: unity_catalog.users[0].user_name = you@example.com: a placeholder",
    ):
        assert field in text, text
    assert "and unity_catalog.deployer with it" in text


def test_real_ids_pass_and_a_missing_resource_group_is_refused(tmp_path, monkeypatch):
    config_dir = with_real_ids(tmp_path / "config")
    monkeypatch.setenv("MDP_CONFIG_DIR", str(config_dir))
    for env in ("sandbox", "dev", "prod"):
        monkeypatch.setenv("PATH", "/nonexistent")
        first_deploy.check(env)  # no az: nothing more to check
        fake_az(tmp_path / "bin", "true")
        monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
        first_deploy.check(env)
    (tmp_path / "bin" / "az.log").write_text("")
    fake_az(tmp_path / "bin", "false")
    with pytest.raises(ValueError) as err:
        first_deploy.check("sandbox")
    assert "sandbox.yaml: resource_group = rg-mdp-sandbox: no such resource group" in str(err.value)
    assert "az group create --name rg-mdp-sandbox --location" in str(err.value)
    (call,) = (tmp_path / "bin" / "az.log").read_text().splitlines()
    assert call.startswith("group exists --name rg-mdp-sandbox --subscription " + REAL)
    # The CLI cannot tell (not logged in): the deploy goes on, and its first stack says.
    fake_az(tmp_path / "bin", "", code=1)
    first_deploy.check("sandbox")


def test_an_account_scope_has_no_environment_file_to_check(monkeypatch):
    monkeypatch.setenv("MDP_CONFIG_DIR", str(CONFIG_DIR))
    first_deploy.check("mdp")
