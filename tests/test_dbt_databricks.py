"""The dbt project on the Databricks adapter the job installs, offline: `dbt parse` and
`dbt compile` with --warn-error on the `databricks` target with dummy credentials (no
connection is opened: --no-introspect, --no-populate-cache). The local target's `dbt build`
(tests/test_data_pipeline.py) runs the same dbt-core."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

DBT = Path(sys.executable).parent / "dbt"
OFFLINE_PROFILE_ENV = {
    "DBT_TARGET": "databricks",
    "DBT_DATABRICKS_HOST": "adb-0000000000000000.0.azuredatabricks.net",
    "DBT_DATABRICKS_HTTP_PATH": "/sql/1.0/warehouses/0000000000000000",
    "DBT_ACCESS_TOKEN": "offline",
    "DBT_CATALOG": "mdp_offline",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DO_NOT_TRACK": "1",
}


@pytest.fixture(scope="module")
def dbt_on_databricks(tmp_path_factory):
    out = tmp_path_factory.mktemp("dbt-databricks")

    def run(*command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                str(DBT),
                "--warn-error",
                *command,
                "--project-dir",
                str(REPO_ROOT / "dbt"),
                "--profiles-dir",
                str(REPO_ROOT / "dbt"),
                "--target",
                "databricks",
                "--target-path",
                str(out / "target"),
                "--log-path",
                str(out / "logs"),
            ],
            env={**os.environ, **OFFLINE_PROFILE_ENV},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    run.target = out / "target"  # type: ignore[attr-defined]
    return run


def test_the_project_parses_on_the_databricks_adapter_without_warnings(dbt_on_databricks):
    result = dbt_on_databricks("parse")
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Registered adapter: databricks=" in result.stdout


def test_every_model_and_test_compiles_on_the_databricks_adapter(dbt_on_databricks):
    result = dbt_on_databricks("compile", "--no-introspect", "--no-populate-cache")
    assert result.returncode == 0, result.stdout[-3000:]
    manifest = json.loads((dbt_on_databricks.target / "manifest.json").read_text())
    nodes = [n for n in manifest["nodes"].values() if n["resource_type"] in ("model", "test")]
    assert len(nodes) > 20
    assert all(n.get("compiled") for n in nodes), [
        n["unique_id"] for n in nodes if not n.get("compiled")
    ]
    # The marts read the catalog the profile names: three-part names on Unity Catalog.
    fct = next(n for n in nodes if n["name"] == "fct_order_lines")
    assert "mdp_offline" in fct["compiled_code"]


def test_the_installed_dbt_is_the_one_the_job_installs():
    from components.lakehouse_code import dbt_requirements

    pins = dict(r.split("==") for r in dbt_requirements())
    result = subprocess.run([str(DBT), "--version"], capture_output=True, text=True, check=False)
    assert f"installed: {pins['dbt-core']}" in result.stdout
    assert f"databricks: {pins['dbt-databricks']}" in result.stdout
