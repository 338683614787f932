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


@pytest.fixture(scope="session")
def local_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The local warehouse and metastore folder of this test run (one Spark session per process)."""
    return tmp_path_factory.mktemp("local")


@pytest.fixture(scope="session")
def spark(local_dir: Path):
    """A local[2] Spark session with Hive support, UI off and two shuffle partitions."""
    from localrun.spark import local_spark

    session = local_spark(local_dir, app_name="mini-data-platform-tests")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def pipeline(spark, local_dir: Path) -> dict:
    """The sample landed, both notebooks run (the last date twice) and dbt built: make demo's run."""
    from localrun.demo import run_pipeline

    return run_pipeline(spark, local_dir)
