"""A fourth config/<env>.yaml needs no test edit: a generated IT-mode environment with every
optional section passes the whole infrastructure test set, and every data-keyed test collects it.

The environment is generated from the shipped IT-mode one (its own names, VNet and catalog, so
the rules across files hold) with governance, a Key-Vault-backed secret scope, serverless
compute's network connectivity, the interactive cluster and ingestion switched on.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import CONFIG_DIR, ENVIRONMENTS, REPO_ROOT

# The tests that read the stacks they check from the synthesized environments.
INFRASTRUCTURE = [
    "tests/test_stacks.py",
    "tests/test_addresses.py",
    "tests/test_policy.py",
    "tests/test_deployment_rules.py",
    "tests/test_governance.py",
    "tests/test_workloads.py",
    "tests/test_ingestion.py",
    "tests/test_providers.py",
    # Its first pull request: plans what it can, the rest name the values they wait for.
    "tests/test_workflows.py::"
    "test_a_new_environment_plans_what_it_can_and_names_what_the_others_wait_for",
]
# Snapshots are recorded by `make snapshot-update` (the documented step): only collected here.
DATA_KEYED = {
    "tests/test_snapshots.py": ["test_stacks_match_snapshots"],
    "tests/test_addresses.py": [
        "test_stateful_resources_keep_their_addresses",
        "test_data_bearing_resources_carry_prevent_destroy",
    ],
    "tests/test_stacks.py": [
        "test_dependencies_run_one_way_in_build_order",
        "test_tags_merge_config_tags_with_platform_tags",
    ],
}

NEW = next(name for name in ("qa", "uat", "perf", "extra") if name not in ENVIRONMENTS)
"""The generated environment's name: one no shipped config uses."""

PURVIEW_ZONES = {
    "purview": "privatelink.purview.azure.com",
    "purview_portal": "privatelink.purviewstudio.azure.com",
    "queue": "privatelink.queue.core.windows.net",
    "servicebus": "privatelink.servicebus.windows.net",
}


def _raw(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded


def generated_config_dir(root: Path) -> Path:
    """The shipped config folder plus config/<NEW>.yaml, IT mode, every optional section on."""
    config_dir = root / "config"
    shutil.copytree(CONFIG_DIR, config_dir)
    it_mode = [e for e in ENVIRONMENTS if not _raw(CONFIG_DIR / f"{e}.yaml")["network"]["sandbox"]]
    assert it_mode, "no shipped IT-mode environment to derive one from"
    base = it_mode[0]
    text = (CONFIG_DIR / f"{base}.yaml").read_text()
    # Its own principals, catalog, VNet and route table: an object has one owner.
    for old, new in ((f"mdp-{base}-", f"mdp-{NEW}-"), (f"mdp_{base}", f"mdp_{NEW}")):
        text = text.replace(old, new)
    text = text.replace(f"-{base}\n", f"-{NEW}\n")
    config = yaml.safe_load(text)
    config["environment"] = NEW
    # Its own resource group and deployer, as the config checks require.
    config["resource_group"] = f"rg-mdp-{NEW}"
    for principal in config["unity_catalog"]["service_principals"]:
        if principal["name"] == config["unity_catalog"]["deployer"]:
            principal["application_id"] = "00000000-0000-0000-0000-0000000000f2"
    # One environment per region and DNS zone creates the browser_authentication endpoint.
    config["databricks"]["browser_authentication_private_endpoint"] = False
    zones = config["network"]["private_dns_zone_ids"]
    dns_group = zones["dfs"].rsplit("/", 1)[0]
    zones |= {field: f"{dns_group}/{zone}" for field, zone in PURVIEW_ZONES.items()}
    config["governance"] = {"enabled": True}
    config["workloads"]["secret_scope"] = {"enabled": True}
    config["databricks"]["azure_databricks_object_id"] = "00000000-0000-0000-0000-0000000000f1"
    config["workloads"]["cluster"] = {"enabled": True}
    nccs = [
        ncc["name"]
        for account in sorted((CONFIG_DIR / "accounts").glob("*.yaml"))
        for ncc in _raw(account).get("network_connectivity_configs", [])
        if ncc["region"] == config["location"]
    ]
    if nccs:
        config["databricks"]["network_connectivity_config"] = nccs[0]
    policy = config["databricks"].get("network_policy")
    if policy:
        # Its own serverless egress policy, in the account scope (README, step 1).
        from platform_config.naming import Naming

        lake = Naming(
            prefix=config["prefix"], environment=NEW, suffix=config.get("name_suffix", "")
        ).storage_account("lake")
        (account_file,) = (config_dir / "accounts").glob("*.yaml")
        account = _raw(account_file)
        account["network_policies"].append(
            {
                "name": policy,
                "allowed_fqdns": ["pypi.org", "files.pythonhosted.org"],
                "allowed_storage_accounts": [lake],
            }
        )
        account_file.write_text(yaml.safe_dump(account, sort_keys=False))
    assert config.get("ingestion", {}).get("source"), f"{base} has no ingestion to copy"
    config["ingestion"].pop("git", None)  # one environment authors adf/ in Git
    (config_dir / f"{NEW}.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return config_dir


def _pytest(config_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "0", "-q", "-p", "no:cacheprovider", *args],
        cwd=REPO_ROOT,
        env={**os.environ, "MDP_CONFIG_DIR": str(config_dir)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_generated_it_mode_environment_passes_the_infrastructure_tests(tmp_path):
    config_dir = generated_config_dir(tmp_path)
    from platform_config import load_environments

    (config,) = [c for c in load_environments(config_dir) if c.environment == NEW]
    assert config.governance.enabled and config.workloads.secret_scope.enabled
    assert config.ingestion.source is not None and not config.network.sandbox

    collected = _pytest(config_dir, "--collect-only", "--snapshot-warn-unused", *DATA_KEYED)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    for module, tests in DATA_KEYED.items():
        for test in tests:
            assert f"{module}::{test}[{NEW}]" in collected.stdout, f"{module}::{test} misses {NEW}"

    # Its parametrized tests, the policy scan (over every stack, the new ones included), the
    # rules across the whole synthesis and the rights table, which a new environment leaves as
    # it is (it is read from every environment with every option on).
    selected = f"{NEW} or test_policy or across_the_synthesis or rights_each_stack_needs"
    ran = _pytest(config_dir, "-k", selected, *INFRASTRUCTURE)
    summary = ran.stdout.strip().splitlines()[-1] if ran.stdout.strip() else ""
    assert ran.returncode == 0, ran.stdout[-6000:] + ran.stderr[-2000:]
    assert " passed" in summary and "failed" not in summary, summary


def test_the_documented_steps_change_exactly_the_files_the_readme_names(tmp_path):
    """README, "Adding an environment", done on a copy of the project from config/sandbox.yaml:
    step 1 (the copy, with its own admin group, catalog and resource group), step 2's check,
    step 4's `make snapshot-update` command. Exactly the files step 4 names change: the config
    file, its stacks' snapshots and the policy exceptions' snapshot; no doc (the rights table
    among them)."""
    repo = tmp_path / "repo"
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        source = REPO_ROOT / name
        if source.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "copy"]):
        subprocess.run([*git, *args], cwd=repo, check=True)

    config = _raw(CONFIG_DIR / "sandbox.yaml")
    config["environment"] = NEW
    config["unity_catalog"]["admin_group"] = f"mdp-{NEW}-platform-admins"
    config["unity_catalog"]["catalog"] = f"mdp_{NEW}"
    config["resource_group"] = f"rg-mdp-{NEW}"
    (repo / "config" / f"{NEW}.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MDP_")}
    for command in (
        [sys.executable, "main.py", "--check"],
        [
            sys.executable,
            "-m",
            "pytest",
            "-n",
            "0",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_snapshots.py",
            "--snapshot-update",
        ],
    ):
        done = subprocess.run(
            command, cwd=repo, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    changed = {line[3:].strip('"') for line in status}
    stacks = [
        f"{NEW}-{kind}"
        for kind in ("network", "platform", "databricks", "unity-catalog", "workloads")
    ]
    snapshots = "tests/__snapshots__/test_snapshots"
    assert changed == {
        f"config/{NEW}.yaml",
        *(f"{snapshots}/test_stacks_match_snapshots[{NEW}][{stack}].json" for stack in stacks),
        f"{snapshots}/test_policy_exceptions_match_snapshot.json",  # its accepted findings
    }
