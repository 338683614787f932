"""Session-wide fixtures: the shipped configurations, synthesized once per test run.

Importing the prebuilt providers costs seconds (jsii loads the whole assembly), so the app is
built and synthesized once per session and every stack-level test reads its output.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from main import build_app, write_policy_exceptions
from platform_config import PlatformConfig, load_environments

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = REPO_ROOT / "config"


@pytest.fixture(scope="session")
def shipped_configs() -> list[PlatformConfig]:
    return load_environments(CONFIG_DIR)


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory: pytest.TempPathFactory, shipped_configs) -> Path:
    """cdktf.out of every shipped environment, as `make synth` writes it."""
    outdir = tmp_path_factory.mktemp("cdktf.out")
    app = build_app(shipped_configs, outdir=str(outdir))
    app.synth()
    write_policy_exceptions(app)
    return outdir


@pytest.fixture(scope="session")
def stacks(synth_dir: Path) -> dict[str, dict[str, Any]]:
    """Stack id -> its synthesized Terraform JSON."""
    return {
        path.parent.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((synth_dir / "stacks").glob("*/cdk.tf.json"))
    }
