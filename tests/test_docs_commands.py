"""Every `cdktf deploy|diff|destroy <stack>` that the README and docs show passes the pinned
CLI's own checks as typed (stack selection, stack dependencies), run offline against a fake
terraform on this run's synthesis. A multi-stack command is refused: the manifest has no
dependencies (stacks/contract.py), so the CLI would run the stacks side by side; a whole
environment is `make deploy ENVIRONMENT=<env>`.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

DOCS = sorted(
    [REPO_ROOT / "README.md", REPO_ROOT / "adf" / "README.md", *(REPO_ROOT / "docs").glob("*.md")]
)
_COMMAND = re.compile(r"\bcdktf (?P<verb>deploy|diff|destroy)(?P<rest>[^`\n#|;&)]*)")
_STACK = re.compile(r"^(?:<env>|[a-z][a-z0-9]*)-[a-z][a-z-]*$")
FAKE_TERRAFORM = """#!/usr/bin/env bash
echo "$PWD $*" >> "$(dirname "$0")/calls.log"
case "$1" in
  version|-version) echo '{"terraform_version": "1.9.8", "platform": "linux_amd64",
    "provider_selections": {}, "terraform_outdated": false}';;
  output) echo '{}';;
esac
exit 0
"""


def shown_commands() -> dict[tuple[str, ...], list[str]]:
    """(verb, stacks and flags...) -> where the docs show it ("README.md:151")."""
    found: dict[tuple[str, ...], list[str]] = {}
    for path in DOCS:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in _COMMAND.finditer(line):
                words = match["rest"].split()
                if not any(_STACK.match(word) for word in words):
                    continue  # prose about the command, not a command
                where = f"{path.relative_to(REPO_ROOT)}:{number}"
                found.setdefault((match["verb"], *words), []).append(where)
    return found


SHOWN = shown_commands()


def test_the_docs_show_a_deploy_command():
    assert any(command[0] == "deploy" for command in SHOWN), SHOWN


def test_no_doc_deploys_several_stacks_in_one_cdktf_command():
    several = {
        " ".join(command): where
        for command, where in SHOWN.items()
        if sum(bool(_STACK.match(word)) for word in command[1:]) > 1
    }
    assert not several, f"use `make deploy ENVIRONMENT=<env>` instead: {several}"


@pytest.fixture(scope="module")
def cli_run(synthesized, tmp_path_factory):
    """Runs one cdktf command through the pinned CLI on a copy of this run's synthesis (each
    call its own copy, so that calls may run side by side)."""
    root = tmp_path_factory.mktemp("cli")
    bin_dir = root / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "terraform"
    fake.write_text(FAKE_TERRAFORM)
    fake.chmod(0o755)
    node = REPO_ROOT / ".venv" / "node-bin"
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(bin_dir), str(node), os.environ["PATH"]]),
        "CI": "1",
        "CHECKPOINT_DISABLE": "1",
        "CDKTF_DISABLE_PLUGIN_CACHE_ENV": "1",
    }
    environment = next(iter(synthesized.stack_ids))
    copies = itertools.count()

    def run(command: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
        outdir = root / f"cdktf.out-{next(copies)}"
        shutil.copytree(synthesized.outdir, outdir)
        verb, *words = (word.replace("<env>", environment) for word in command)
        extra = ["--auto-approve"] if verb in ("deploy", "destroy") else []
        return subprocess.run(
            [
                str(REPO_ROOT / "node_modules" / ".bin" / "cdktf"),
                verb,
                *words,
                *extra,
                "--skip-synth",
                f"--output={outdir}",
            ],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    run.calls = bin_dir / "calls.log"  # type: ignore[attr-defined]
    return run


@pytest.fixture(scope="module")
def shown_results(cli_run) -> dict[tuple[str, ...], subprocess.CompletedProcess[str]]:
    """Every command the docs show, run side by side (the CLI mostly waits on Node's start)."""
    commands = sorted(SHOWN)
    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(zip(commands, pool.map(cli_run, commands), strict=True))


@pytest.mark.parametrize("command", sorted(SHOWN), ids=" ".join)
def test_the_cli_accepts_the_command_as_the_docs_show_it(shown_results, command):
    result = shown_results[command]
    output = result.stdout + result.stderr
    where = ", ".join(SHOWN[command])
    assert "Usage Error" not in output, f"{where}: {output[-800:]}"
    assert result.returncode == 0, f"{where}: exit {result.returncode}\n{output[-800:]}"


def test_the_cli_refuses_a_stack_that_does_not_exist(cli_run):
    """The check above can fail: an unknown stack is a CLI refusal."""
    result = cli_run(("deploy", "nowhere-network"))
    assert result.returncode != 0
    assert "nowhere-network" in result.stdout + result.stderr


def test_a_single_stack_deploy_reaches_terraform_apply(cli_run, synthesized):
    """Every stack deploys by its name: the CLI gets past its checks to `terraform apply`."""
    environment = next(iter(synthesized.stack_ids))
    stack = synthesized.stack_ids[environment][-1]  # the last: it reads the most stacks
    calls: Path = cli_run.calls
    calls.write_text("")
    result = cli_run(("deploy", stack))
    assert result.returncode == 0, result.stdout + result.stderr
    applied = [line for line in calls.read_text().splitlines() if " apply" in line]
    assert len(applied) == 1 and applied[0].split()[0].endswith(f"/stacks/{stack}")


def test_the_project_cli_synthesizes_once_and_runs_on_the_pinned_node(tmp_path):
    """./cdktf: make synth (a no-op when nothing changed), then the CLI with --skip-synth on
    the Node the Makefile pins (.venv/node-bin when the machine's Node is not 22)."""
    make, cli = tmp_path / "make", tmp_path / "cdktf"
    make.write_text(f'#!/usr/bin/env bash\necho "make $*" >> {tmp_path}/calls.log\n')
    cli.write_text(
        f'#!/usr/bin/env bash\necho "cdktf $* on $(command -v node)" >> {tmp_path}/calls.log\n'
    )
    for fake in (make, cli):
        fake.chmod(0o755)
    from tests.test_first_deploy import with_real_ids

    env = {**os.environ, "MAKE": str(make), "CDKTF": str(cli), "PYTHON": sys.executable}
    # The shipped sandbox holds placeholders: its deploy stops before the CLI runs.
    env["MDP_CONFIG_DIR"] = str(REPO_ROOT / "config")
    refused = subprocess.run(
        [str(REPO_ROOT / "cdktf"), "deploy", "sandbox-network"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 1 and "a placeholder" in refused.stderr
    assert (tmp_path / "calls.log").read_text().splitlines() == ["make --no-print-directory synth"]
    (tmp_path / "calls.log").write_text("")
    env["MDP_CONFIG_DIR"] = str(with_real_ids(tmp_path / "config"))
    for args in (["deploy", "sandbox-network"], ["--version"]):
        subprocess.run([str(REPO_ROOT / "cdktf"), *args], env=env, check=True, cwd=tmp_path)
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert calls[0] == calls[2] == "make --no-print-directory synth"
    assert calls[1].startswith("cdktf deploy sandbox-network --skip-synth on ")
    assert calls[3].startswith("cdktf --version on ")
    pinned = REPO_ROOT / ".venv" / "node-bin" / "node"
    if pinned.exists():
        assert calls[1].endswith(f" on {pinned}")


def test_the_docs_run_the_project_cli_not_npx():
    shown = [
        f"{path.relative_to(REPO_ROOT)}:{number}"
        for path in DOCS
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"npx cdktf (deploy|diff|destroy|apply|plan) ", line)
    ]
    assert shown == [], "use ./cdktf (the pinned Node, no second synthesis)"


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation dropped, spaces as dashes."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_the_readme_s_contents_list_every_section_and_its_links_resolve():
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    outside_code = re.sub(r"```.*?```", "", text, flags=re.S)
    sections = re.findall(r"^## (.+)$", outside_code, re.M)
    contents = outside_code.split("## Contents\n", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^- \[(.+)\]\(#([^)]+)\)$", contents, re.M)
    expected = [s for s in sections if s not in ("Quick start", "Contents")]
    assert [title for title, _ in listed] == expected, "README's Contents are stale"
    anchors = {_anchor(h) for h in re.findall(r"^#{2,4} (.+)$", outside_code, re.M)}
    assert all(anchor == _anchor(title) for title, anchor in listed)
    broken = sorted(set(re.findall(r"\]\(#([^)]+)\)", outside_code)) - anchors)
    assert broken == [], broken
