"""main.py: environment selection, --check, and bad configuration writing nothing."""

from __future__ import annotations

import json

import yaml

import main
from tests.test_config import MINIMAL, with_change


def test_selected_environments_parses_a_comma_list():
    assert main.selected_environments(" dev, prod ,") == ["dev", "prod"]
    assert main.selected_environments("") is None
    assert main.selected_environments(None) is None


def test_check_validates_the_shipped_configuration(capsys):
    assert main.main(["--check"], environ={}) == 0
    assert "configuration valid: dev, prod" in capsys.readouterr().out


def test_fails_if_argument_is_unknown(capsys):
    assert main.main(["--force"], environ={}) == 2
    assert "unknown argument(s) --force; usage: main.py [--check]" in capsys.readouterr().err


def test_bad_configuration_lists_every_problem_and_writes_nothing(tmp_path, capsys):
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    bad = with_change(
        "location", "mars", with_change("network.subnets.databricks_host", "10.20.0.0/27")
    )
    (config_dir / "dev.yaml").write_text(yaml.safe_dump(bad))
    outdir = tmp_path / "cdktf.out"
    code = main.main([], environ={"MDP_CONFIG_DIR": str(config_dir), "CDKTF_OUTDIR": str(outdir)})
    err = capsys.readouterr().err
    assert code == 2
    assert "2 configuration problem(s); nothing was synthesized" in err
    assert f"{config_dir / 'dev.yaml'}: location = 'mars'" in err
    assert "network.subnets.databricks_host = '10.20.0.0/27'" in err
    assert not outdir.exists()


def test_environments_narrow_the_synthesis_and_the_checked_adf_folder_is_deployed(tmp_path):
    import shutil

    from datafactory.artifacts import ADF_DIR

    config_dir = tmp_path / "config"
    config_dir.mkdir()
    source = {
        "server_id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg"
        "/providers/Microsoft.Sql/servers/sql-src",
        "database": "db",
    }
    (config_dir / "dev.yaml").write_text(yaml.safe_dump(MINIMAL))
    qa = {
        **MINIMAL,
        "environment": "qa",
        "resource_group": "rg-mdp-qa",
        "ingestion": {"source": source},
        "secrets": {"writers": ["00000000-0000-0000-0000-0000000000c1"]},
    }
    (config_dir / "qa.yaml").write_text(yaml.safe_dump(qa))
    adf = tmp_path / "adf"
    shutil.copytree(ADF_DIR, adf)
    pipeline = adf / "pipeline" / "pl_copy_sources.json"
    body = json.loads(pipeline.read_text())
    body["properties"]["description"] = "the copy from MDP_ADF_DIR"
    pipeline.write_text(json.dumps(body))
    outdir = tmp_path / "cdktf.out"
    environ = {
        "MDP_CONFIG_DIR": str(config_dir),
        "CDKTF_OUTDIR": str(outdir),
        "ENVIRONMENTS": "qa",
        "MDP_ADF_DIR": str(adf),
    }
    assert main.main([], environ=environ) == 0
    from dataclasses import fields

    from stacks import EnvironmentStacks

    written = {p.name for p in (outdir / "stacks").iterdir()}
    # Every kind of stack but the optional ones MINIMAL does not turn on (governance, and
    # databricks-keys without customer-managed keys).
    kinds = {f.name.replace("_", "-") for f in fields(EnvironmentStacks)} - {
        "governance",
        "databricks-keys",
    }
    assert written == {f"qa-{kind}" for kind in kinds}
    assert json.loads((outdir / "policy-exceptions.json").read_text())
    # What main.py validated is what the ingestion stack deploys.
    tf = json.loads((outdir / "stacks" / "qa-ingestion" / "cdk.tf.json").read_text())
    (deployed,) = tf["resource"]["azurerm_data_factory_pipeline"].values()
    assert deployed["description"] == "the copy from MDP_ADF_DIR"


def test_broken_data_factory_artefacts_fail_the_check_and_write_nothing(tmp_path, capsys):
    import shutil

    from datafactory.artifacts import ADF_DIR

    adf = tmp_path / "adf"
    shutil.copytree(ADF_DIR, adf)
    (adf / "pipeline" / "pl_copy_sources.json").write_text("{ not json")
    outdir = tmp_path / "cdktf.out"
    environ = {"MDP_ADF_DIR": str(adf), "CDKTF_OUTDIR": str(outdir)}
    assert main.main(["--check"], environ=environ) == 2
    err = capsys.readouterr().err
    assert f"{adf / 'pipeline' / 'pl_copy_sources.json'}:1:3: not JSON" in err
    assert "'pl_copy_sources': no pipeline of that name" in err  # the trigger's reference
    assert main.main([], environ=environ) == 2
    assert not outdir.exists()
