"""The way out of any CDK stays open: `make synth-hcl` writes plain HCL (cdk.tf) per stack, and
every one of them parses (checkov's HCL parser, bc-python-hcl2) with the same resources and
data sources as the JSON."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import hcl2  # bc-python-hcl2, installed with checkov
import pytest

from tests.conftest import REPO_ROOT


def hcl_addresses(document: dict[str, Any]) -> set[str]:
    found = set()
    for block in ("resource", "data"):
        for entry in document.get(block, []):
            for kind, by_name in entry.items():
                found |= {f"{block}.{kind.strip(chr(34))}.{n.strip(chr(34))}" for n in by_name}
    return found


def json_addresses(stack: dict[str, Any]) -> set[str]:
    return {
        f"{block}.{kind}.{name}"
        for block in ("resource", "data")
        for kind, by_name in stack.get(block, {}).items()
        for name in by_name
    }


@pytest.fixture(scope="module")
def hcl_out(synthesized, tmp_path_factory) -> Path:
    """The shipped environments synthesized as HCL, as `cdktf synth --hcl` asks the app: in a
    process started with SYNTH_HCL_OUTPUT (passing the App's `hcl_output=True` instead wrote
    JSON into cdk.tf with cdktf 0.21, tried here)."""
    outdir = tmp_path_factory.mktemp("hcl") / "cdktf.out"
    run = subprocess.run(
        [sys.executable, "main.py"],
        cwd=REPO_ROOT,
        env={
            **os.environ,
            "SYNTH_HCL_OUTPUT": "true",
            "CDKTF_OUTDIR": str(outdir),
            "MDP_CONFIG_DIR": str(synthesized.config_dir),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return outdir


def test_every_stack_is_written_as_hcl_that_parses_with_the_same_resources(synthesized, hcl_out):
    written = sorted(hcl_out.glob("stacks/*/cdk.tf"))
    assert {p.parent.name for p in written} == set(synthesized.stacks)
    for path in written:
        document = hcl2.loads(path.read_text(encoding="utf-8"))  # type: ignore[attr-defined]
        stack = synthesized.stacks[path.parent.name]
        assert hcl_addresses(document) == json_addresses(stack), path.parent.name
        assert document.get("terraform"), f"{path.parent.name}: no terraform block"


def test_the_makefile_offers_the_hcl_synthesis():
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert "synth-hcl: install" in makefile and "synth --hcl" in makefile
