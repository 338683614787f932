"""Snapshots of every stack of every shipped environment.

A change to the synthesized Terraform shows in review as a diff of
tests/__snapshots__/test_snapshots/. After an intended change: `make snapshot-update`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from main import build_app
from tests.conftest import REPO_ROOT

STACK_IDS = [f"{env}-{name}" for env in ("dev", "prod") for name in ("network", "platform", "databricks")]


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("stack_id", STACK_IDS)
def test_stack_matches_snapshot(stacks, snapshot_json, stack_id):
    assert stacks[stack_id] == snapshot_json


def test_policy_exceptions_match_snapshot(synth_dir, snapshot_json):
    assert json.loads((synth_dir / "policy-exceptions.json").read_text()) == snapshot_json


def test_output_holds_no_absolute_paths(synth_dir):
    for path in sorted(synth_dir.rglob("*.json")):
        text = path.read_text(encoding="utf-8")
        for absolute in (str(REPO_ROOT), str(synth_dir), str(Path.home())):
            assert absolute not in text, f"{path.relative_to(synth_dir)} contains {absolute}"


def test_synthesis_is_deterministic(shipped_configs, synth_dir, tmp_path):
    """A second synthesis, into another folder, writes byte-identical stacks."""
    app = build_app(shipped_configs, outdir=str(tmp_path))
    app.synth()
    first = {p.relative_to(synth_dir): p.read_bytes() for p in synth_dir.glob("stacks/*/cdk.tf.json")}
    second = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.glob("stacks/*/cdk.tf.json")}
    assert first.keys() == second.keys() and len(first) == len(STACK_IDS)
    assert first == second
