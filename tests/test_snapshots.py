"""Snapshots of every stack of every shipped environment.

A change to the synthesized Terraform shows in review as a diff of
tests/__snapshots__/test_snapshots/. After an intended change: `make snapshot-update`. A new
environment's stacks have no snapshot yet, so its test fails until `make snapshot-update` records
them. The snapshots were written by an earlier process, so passing them also shows that
synthesis is deterministic.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from tests.conftest import ACCOUNTS, ENVIRONMENTS, REPO_ROOT


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_stacks_match_snapshots(synthesized, snapshot_json, env):
    for stack in synthesized.stack_ids[env]:
        assert synthesized.stacks[stack] == snapshot_json(name=stack), f"{stack} changed"


@pytest.mark.parametrize("account", ACCOUNTS)
def test_account_stacks_match_snapshots(synthesized, snapshot_json, account):
    stack = synthesized.account_stack_ids[account]
    assert synthesized.stacks[stack] == snapshot_json(name=stack), f"{stack} changed"


def test_policy_exceptions_match_snapshot(synth_dir, snapshot_json):
    assert json.loads((synth_dir / "policy-exceptions.json").read_text()) == snapshot_json


def test_output_holds_no_absolute_paths(synth_dir):
    for path in sorted(synth_dir.rglob("*.json")):
        text = path.read_text(encoding="utf-8")
        for absolute in (str(REPO_ROOT), str(synth_dir), str(Path.home())):
            assert absolute not in text, f"{path.relative_to(synth_dir)} contains {absolute}"
