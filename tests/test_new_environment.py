"""A fourth config/<env>.yaml is synthesized, snapshot-tested, address-pinned and policy-scanned
with no test edit: the suite, collected against a generated config folder, covers it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import yaml

from tests.conftest import CONFIG_DIR, ENVIRONMENTS, REPO_ROOT

DATA_KEYED = {
    "tests/test_snapshots.py": ["test_stacks_match_snapshots"],
    "tests/test_addresses.py": [
        "test_stateful_resources_keep_their_addresses",
        "test_data_bearing_resources_carry_prevent_destroy",
    ],
    "tests/test_stacks.py": [
        "test_dependencies_run_one_way_in_build_order",
        "test_tags_merge_config_tags_with_platform_tags",
        "test_sandbox_network_creates_vnet_and_linked_zones",
    ],
}


NEW = next(name for name in ("qa", "uat", "perf", "extra") if name not in ENVIRONMENTS)
"""The generated environment's name: one no shipped config uses."""


def test_a_generated_fourth_environment_is_collected_by_every_data_keyed_test(tmp_path):
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    for env in ENVIRONMENTS:
        (config_dir / f"{env}.yaml").write_text((CONFIG_DIR / f"{env}.yaml").read_text())
    if (CONFIG_DIR / "accounts").is_dir():
        shutil.copytree(CONFIG_DIR / "accounts", config_dir / "accounts")
    base = next(
        env
        for env in ENVIRONMENTS
        if yaml.safe_load((config_dir / f"{env}.yaml").read_text())["network"].get("sandbox")
    )
    # Its own principals and catalog: an account object has one owner (the config rules).
    text = (config_dir / f"{base}.yaml").read_text().replace(f"mdp-{base}-", f"mdp-{NEW}-")
    qa = {**yaml.safe_load(text.replace(f"mdp_{base}", f"mdp_{NEW}")), "environment": NEW}
    qa.get("ingestion", {}).pop("git", None)  # one environment authors adf/ in Git
    (config_dir / f"{NEW}.yaml").write_text(yaml.safe_dump(qa))

    from platform_config import load_environments

    assert [c.environment for c in load_environments(config_dir)] == sorted([*ENVIRONMENTS, NEW])
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-n",
            "0",
            "-q",
            "-p",
            "no:cacheprovider",
            "--snapshot-warn-unused",
            *DATA_KEYED,
        ],
        cwd=REPO_ROOT,
        env={**os.environ, "MDP_CONFIG_DIR": str(config_dir)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    collected = set(proc.stdout.split())
    for module, tests in DATA_KEYED.items():
        for test in tests:
            assert f"{module}::{test}[{NEW}]" in collected, f"{module}::{test} misses {NEW}"
