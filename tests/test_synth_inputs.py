"""tooling.synth_inputs: `make synth` skips a synth only when no input changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tooling import synth_inputs
from tooling.synth_inputs import INPUT_DIRS, INPUT_FILES, inputs_digest, is_up_to_date, record

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of every synthesis input, and a synthesized output folder with its record."""
    root = tmp_path / "project"
    root.mkdir()
    for name in INPUT_FILES:
        shutil.copy(ROOT / name, root / name)
    for name in INPUT_DIRS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    cli = root / synth_inputs.CLI_PACKAGE
    cli.parent.mkdir(parents=True)
    cli.write_text(json.dumps({"name": "cdktf-cli", "version": "0.21.0"}))
    (root / "cdktf.out" / "stacks").mkdir(parents=True)
    record(root / "cdktf.out", root, environ={})
    return root


def up_to_date(root: Path, **environ: str) -> bool:
    return is_up_to_date(root / "cdktf.out", root, environ=environ)


def test_unchanged_inputs_are_up_to_date(project):
    assert up_to_date(project)
    (project / "notebooks" / "__pycache__").mkdir()
    (project / "notebooks" / "__pycache__" / "x.pyc").write_bytes(b"compiled")
    assert up_to_date(project), "byte-code is not an input"


@pytest.mark.parametrize(
    "path",
    [
        "notebooks/01_bronze_external_tables.py",
        "lakehouse/sources/adventureworks.yml",
        "config/dev.yaml",
        "stacks/network.py",
        "dbt/dbt_project.yml",
        "Pipfile.lock",
    ],
)
def test_a_changed_input_file_synthesizes_again(project, path):
    target = project / path
    target.write_text(target.read_text() + "\n# changed\n")
    assert not up_to_date(project)


def test_a_new_file_synthesizes_again(project):
    (project / "config" / "qa.yaml").write_text("environment: qa\n")
    assert not up_to_date(project)


def test_a_new_cli_version_synthesizes_again(project):
    (project / synth_inputs.CLI_PACKAGE).write_text(json.dumps({"version": "0.21.1"}))
    assert not up_to_date(project)


def test_environment_selection_is_an_input(project):
    assert not up_to_date(project, ENVIRONMENTS="dev")


def test_no_record_or_no_output_means_synthesize(project):
    synth_inputs.forget(project / "cdktf.out")
    assert not up_to_date(project)
    record(project / "cdktf.out", project, environ={})
    shutil.rmtree(project / "cdktf.out" / "stacks")
    assert not up_to_date(project)


def test_the_digest_does_not_depend_on_the_checkout_path(project, tmp_path):
    moved = tmp_path / "elsewhere"
    shutil.copytree(project, moved)
    assert inputs_digest(moved, environ={}) == inputs_digest(project, environ={})


def test_make_synth_checks_the_configuration_before_touching_cdktf_out():
    """A rejected config must leave cdktf.out (and its input record) as it was, so the next good
    run is not a full synthesis for nothing."""
    from tests.conftest import REPO_ROOT

    makefile = (REPO_ROOT / "Makefile").read_text()
    recipe = makefile.split("\nsynth:", 1)[1].split("\n\n", 1)[0]
    check = recipe.index("main.py --check")
    assert check < recipe.index("synth_inputs forget")
    assert "rm -rf" not in recipe[:check]
    # The HCL synthesis writes its own folder, after the check: cdktf.out stays as it was.
    recipe = makefile.split("\nsynth-hcl:", 1)[1].split("\n\n", 1)[0]
    assert recipe.index("main.py --check") < recipe.index("rm -rf cdktf.out.hcl")
    assert "--output cdktf.out.hcl" in recipe and "cdktf.out\n" not in recipe
