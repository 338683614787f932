"""The GitHub Actions workflows, validated offline: schema, zizmor, pins, permissions, gates."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import CONFIG_DIR, ENVIRONMENTS, REPO_ROOT

GITHUB = REPO_ROOT / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
ACTIONS = sorted((GITHUB / "actions").glob("*/action.yml"))
BIN = Path(sys.executable).parent
# Read from each action's own release tags (the issue that asked for the workflows lists them).
KNOWN_PINS = {
    "actions/checkout": ("de0fac2e4500dabe0009e67214ff5f5447ce83dd", "v6.0.2"),
    "actions/setup-python": ("ece7cb06caefa5fff74198d8649806c4678c61a1", "v6.3.0"),
    "actions/setup-node": ("249970729cb0ef3589644e2896645e5dc5ba9c38", "v6.5.0"),
    "actions/cache": ("27d5ce7f107fe9357f9df03efb73ab90386fccae", "v5.0.5"),
    "actions/upload-artifact": ("ea165f8d65b6e75b540449e92b4886f43607fa02", "v4.6.2"),
    "actions/download-artifact": ("d3f86a106a0bac45b974a628896c90dbdf5c8093", "v4.3.0"),
    "azure/login": ("532459ea530d8321f2fb9bb10d1e0bcf23869a43", "v3.0.0"),
    "hashicorp/setup-terraform": ("dfe3c3f87815947d99a8997f908cb6525fc44e9e", "v4.0.1"),
    "actions/github-script": ("ed597411d8f924073f98dfc5c65a23a2325f34cd", "v8.0.0"),
}
USES = re.compile(r"^\s*-?\s*uses:\s*(?P<ref>\S+)(?:\s*#\s*(?P<tag>\S+))?\s*$")


def load(path: Path) -> dict[str, Any]:
    return yaml.load(path.read_text(), Loader=yaml.BaseLoader)  # keeps "on" a string key


def test_there_are_the_four_workflows():
    assert {p.stem for p in WORKFLOWS} == {"ci", "plan", "deploy", "drift"}


def test_workflows_match_github_s_schema():
    for schema, files in (
        ("vendor.github-workflows", WORKFLOWS),
        ("vendor.github-actions", ACTIONS),
    ):
        proc = subprocess.run(
            [str(BIN / "check-jsonschema"), "--builtin-schema", schema, *map(str, files)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_zizmor_finds_nothing_of_medium_or_high_severity():
    proc = subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--format", "json", str(GITHUB)],
        capture_output=True,
        text=True,
        check=False,
    )
    findings = json.loads(proc.stdout)
    serious = [
        f"{f['ident']} ({f['determinations']['severity']})"
        for f in findings
        if f["determinations"]["severity"] in ("Medium", "High")
    ]
    assert serious == []


@pytest.mark.parametrize("path", [*WORKFLOWS, *ACTIONS], ids=lambda p: p.parent.name + "/" + p.name)
def test_every_action_is_pinned_to_a_known_commit_with_its_tag(path):
    for line in path.read_text().splitlines():
        match = USES.match(line)
        if not match:
            continue
        ref = match["ref"]
        if ref.startswith("./"):
            continue  # the repository's own composite action
        name, _, sha = ref.partition("@")
        assert name in KNOWN_PINS, f"{path.name}: {name} is not a known action"
        assert (sha, match["tag"]) == KNOWN_PINS[name], f"{path.name}: {line.strip()}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_and_no_untrusted_input_in_scripts(path):
    workflow = load(path)
    assert "pull_request_target" not in workflow["on"]
    assert workflow["permissions"] == {}, "no default permissions at the top"
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, f"{path.name}: job {name} states its permissions"
        for step in job.get("steps", []):
            assert "${{" not in step.get("run", ""), f"{path.name}/{name}: expression in run"


def actions_used(steps: list[dict[str, Any]]) -> set[str]:
    """The actions steps use, the repository's own composite actions followed into."""
    found: set[str] = set()
    for step in steps:
        ref = step.get("uses", "").split("@")[0]
        if ref.startswith("./"):
            found |= actions_used(load(REPO_ROOT / ref / "action.yml")["runs"]["steps"])
        elif ref:
            found.add(ref)
    return found


def test_every_terraform_job_sets_up_through_the_one_composite_action():
    """Python, the synthesized stacks, the Azure login and Terraform: written once."""
    for path in WORKFLOWS:
        for name, job in load(path)["jobs"].items():
            direct = {step.get("uses", "").split("@")[0] for step in job.get("steps", [])}
            if "azure/login" in actions_used(job.get("steps", [])):
                assert "./.github/actions/terraform" in direct, f"{path.name}/{name}"
                assert "azure/login" not in direct, f"{path.name}/{name}: login written again"


def test_id_token_only_where_azure_is_reached_and_comments_only_with_pull_request_rights():
    for path in WORKFLOWS:
        for name, job in load(path)["jobs"].items():
            permissions = job["permissions"]
            uses = actions_used(job.get("steps", []))
            if permissions.get("id-token") == "write":
                assert "azure/login" in uses, f"{path.name}/{name}"
            if "actions/github-script" in uses:
                assert set(permissions) <= {"pull-requests", "issues"}, f"{path.name}/{name}"


def test_deploys_run_the_account_scope_then_dev_then_prod_one_at_a_time():
    jobs = load(GITHUB / "workflows" / "deploy.yml")["jobs"]
    assert jobs["account"]["environment"] == "account"
    assert jobs["dev"]["environment"] == "dev"
    assert jobs["prod"]["environment"] == "prod"
    assert "account" in jobs["dev"]["needs"] and "dev" in jobs["prod"]["needs"]
    for env in ("account", "dev", "prod"):
        assert jobs[env]["concurrency"] == {"group": f"deploy-{env}", "cancel-in-progress": "false"}


def test_only_the_gated_deploy_jobs_apply():
    for path in WORKFLOWS:
        for name, job in load(path)["jobs"].items():
            scripts = " ".join(step.get("run", "") for step in job.get("steps", []))
            if "run_stacks apply" in scripts or "auto-approve" in scripts:
                assert path.stem == "deploy" and job.get("environment") in (
                    "account",
                    "dev",
                    "prod",
                ), name


def test_plans_comment_per_environment_and_drift_files_issues():
    plan = load(GITHUB / "workflows" / "plan.yml")
    assert plan["jobs"]["plan"]["permissions"] == {"contents": "read", "id-token": "write"}
    assert "mdp-plan:${environment}" in plan["jobs"]["comment"]["steps"][1]["with"]["script"]
    drift = load(GITHUB / "workflows" / "drift.yml")
    assert "schedule" in drift["on"]
    assert drift["jobs"]["report"]["permissions"] == {"issues": "write"}
    summarize = drift["jobs"]["plan"]["steps"][-2]
    assert "--exit-code" in summarize["run"] and "--failed" in summarize["run"]
    # A stack that cannot be planned is reported too, not only a clean run's drift.
    # A cancelled run reports nothing: it would close the drift issue on plans never made.
    assert summarize["if"] == "${{ !cancelled() }}"
    assert drift["jobs"]["plan"]["steps"][-1]["if"] == "${{ !cancelled() }}"
    assert drift["jobs"]["report"]["if"].startswith("${{ !cancelled() && ")


def fake_terraform(tmp_path, log, *, deployed, stacks=None, planned_unknown=False) -> Path:
    """A terraform that records its calls (and the TF_DATA_DIR of each); `output -json`
    answers with the outputs of the stacks in deployed (stack id -> synthesized JSON: deployed
    as synthesized), else none; `show -json` answers a plan whose outputs are the stack's
    synthesized ones (stacks: stack id -> JSON), known, or all unknown until apply
    (planned_unknown: a new environment, whose ids Azure assigns)."""
    own = Path(tempfile.mkdtemp(dir=tmp_path, prefix="fake-terraform-"))  # one per fake
    states, shown = own / "states", own / "shown"
    states.mkdir()
    shown.mkdir()
    for stack, body in deployed.items():
        outputs = {name: {"value": "x", "type": "string"} for name in body.get("output", {})}
        (states / f"{stack}.json").write_text(json.dumps(outputs))
    for stack, body in (stacks or {}).items():
        names = sorted(body.get("output", {}))
        plan = {
            "format_version": "1.2",
            "resource_changes": [],
            "planned_values": {
                "outputs": {} if planned_unknown else {n: {"value": "x"} for n in names}
            },
            "output_changes": {
                n: {"actions": ["create"], "after_unknown": True}
                if planned_unknown
                else {"actions": ["no-op"], "after": "x", "after_unknown": False}
                for n in names
            },
        }
        (shown / f"{stack}.json").write_text(json.dumps(plan))
    fake = own / "terraform"
    fake.write_text(
        "#!/usr/bin/env bash\n"
        f'echo "$@ TF_DATA_DIR=$TF_DATA_DIR" >> {log}\n'
        'stack="${1##*/}"\n'
        'if [ "$2" = "show" ]; then\n'
        f'  cat "{shown}/$stack.json"\n'
        'elif [ "$2" = "output" ]; then\n'
        f'  cat "{states}/$stack.json" 2>/dev/null || echo "{{}}"\n'
        "fi\n"
    )
    fake.chmod(0o755)
    return fake


def test_run_stacks_plans_every_stack_in_order_with_a_fake_terraform(
    synthesized, tmp_path, monkeypatch
):
    """Each stack initialized in its own folder, planned in a working copy with that folder's
    .terraform, and recorded with the producers whose plans it read."""
    from tooling.run_stacks import needed_outputs, run
    from tooling.synthesized import stack_order

    log = tmp_path / "calls.log"
    fake = fake_terraform(tmp_path, log, deployed=synthesized.stacks, stacks=synthesized.stacks)
    remote = [
        env
        for env, stacks in synthesized.stack_ids.items()
        if "azurerm" in synthesized.stacks[stacks[0]]["terraform"]["backend"]
    ]
    local = [env for env in synthesized.stack_ids if env not in remote]
    monkeypatch.setenv("TERRAFORM", str(fake))
    for env in remote:
        order = run("plan", synthesized.outdir, env, tmp_path / "plans" / env)
        assert order == stack_order(synthesized.outdir, env)
        written = sorted(p.stem for p in (tmp_path / "plans" / env).glob("*.json"))
        assert written == sorted(order)
        for stack in order:
            plan = json.loads((tmp_path / "plans" / env / f"{stack}.json").read_text())
            reads = needed_outputs(synthesized.outdir / "stacks" / stack / "cdk.tf.json")
            assert plan["mdp_inputs"]["planned_from"] == {
                p: sorted(o) for p, o in sorted(reads.items())
            }
    calls = log.read_text().splitlines()
    planned = [
        c.split()[0].removeprefix("-chdir=").rsplit("/", 1)[-1]
        for c in calls
        if " plan " in f" {c} "
    ]
    assert planned == [s for env in remote for s in stack_order(synthesized.outdir, env)]
    outdir = str(synthesized.outdir.resolve())
    for call in calls:
        folder = call.split()[0].removeprefix("-chdir=")
        stack = folder.rsplit("/", 1)[-1]
        if " init " in f" {call} ":
            assert folder == f"{synthesized.outdir}/stacks/{stack}"
        elif " plan " in f" {call} " or " show " in f" {call} ":
            assert not folder.startswith(outdir) and not folder.startswith(str(synthesized.outdir))
            assert call.endswith(f"TF_DATA_DIR={outdir}/stacks/{stack}/.terraform")
    for env in local:
        with pytest.raises(SystemExit, match="its state is a local file"):
            run("apply", synthesized.outdir, env, None)


def test_environments_lists_those_ci_can_plan(capsys, shipped_configs):
    from tooling.environments import main as environments

    assert environments([]) == 0
    everything = json.loads(capsys.readouterr().out)
    assert environments(["--remote-state"]) == 0
    remote = json.loads(capsys.readouterr().out)
    from platform_config.loader import load_accounts

    expected = [c.environment for c in shipped_configs if c.state.backend == "azurerm"]
    expected += [a.account for a in load_accounts(CONFIG_DIR) if a.state.backend == "azurerm"]
    assert remote == sorted(expected)
    assert set(remote) - set(everything) <= {a.account for a in load_accounts(CONFIG_DIR)}
    assert environments(["--all"]) == 2


def test_run_stacks_deploys_one_stack_per_cdktf_command_in_order(
    synthesized, tmp_path, monkeypatch
):
    """make deploy: `cdktf deploy <stack>` stack after stack, stopping at the first failure."""
    from tooling.run_stacks import main
    from tooling.synthesized import stack_order

    log = tmp_path / "calls.log"
    fake = tmp_path / "cdktf"
    fake.write_text(f'#!/usr/bin/env bash\necho "$@" >> {log}\n[ "$2" != "$FAIL_AT" ]\n')
    fake.chmod(0o755)
    monkeypatch.setenv("CDKTF", str(fake))
    terraform = fake_terraform(tmp_path, tmp_path / "terraform.log", deployed=synthesized.stacks)
    monkeypatch.setenv("TERRAFORM", str(terraform))
    env = next(iter(synthesized.stack_ids))
    order = stack_order(synthesized.outdir, env)
    # The shipped files hold placeholder ids: refused before any stack runs.
    monkeypatch.setenv("MDP_CONFIG_DIR", str(CONFIG_DIR))
    assert main(["deploy", str(synthesized.outdir), env, "--auto-approve"]) == 1
    assert not log.exists()
    from tests.test_first_deploy import with_real_ids

    monkeypatch.setenv("MDP_CONFIG_DIR", str(with_real_ids(tmp_path / "config")))
    assert main(["deploy", str(synthesized.outdir), env, "--auto-approve"]) == 0
    calls = log.read_text().splitlines()
    assert [c.split()[:2] for c in calls] == [["deploy", s] for s in order]
    assert all("--auto-approve" in c and "--skip-synth" in c for c in calls)
    log.write_text("")
    monkeypatch.setenv("FAIL_AT", order[1])
    assert main(["diff", str(synthesized.outdir), env]) == 1
    assert [c.split()[:2] for c in log.read_text().splitlines()] == [
        ["diff", order[0]],
        ["diff", order[1]],
    ]


def test_validate_stacks_inits_without_a_backend_and_reports_every_stack(
    synthesized, tmp_path, monkeypatch, capsys
):
    from tooling.validate_stacks import main

    log = tmp_path / "calls.log"
    fake = tmp_path / "terraform"
    bad = synthesized.stack_ids[next(iter(synthesized.stack_ids))][1]
    fake.write_text(
        "#!/usr/bin/env bash\n"
        f'echo "$PWD $TF_PLUGIN_CACHE_DIR $*" >> {log}\n'
        'if [ "$2" = "validate" ]; then\n'
        f'  case "$1" in *{bad}) echo \'{{"valid": false, "diagnostics": [{{"severity": "error",'
        ' "summary": "Unsupported argument",'
        ' "detail": "An argument named \\"x\\" is not expected.",'
        ' "address": "azurerm_storage_account.lake"}]}\'; exit 1;;\n'
        "  esac\n"
        '  echo \'{"valid": true, "diagnostics": []}\'\n'
        "fi\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("TERRAFORM", str(fake))
    cache = tmp_path / "plugins"
    assert main([str(synthesized.outdir), "--plugin-cache", str(cache)]) == 1
    calls = log.read_text().splitlines()
    stacks = sorted(synthesized.stacks)
    inits = [c for c in calls if " init " in c]
    assert len(inits) == len(stacks) and all("-backend=false" in c for c in inits)
    assert all(str(cache) in c for c in calls)  # one shared provider cache
    out = capsys.readouterr().out
    assert (
        f"{bad}: azurerm_storage_account.lake: Unsupported argument: "
        'An argument named "x" is not expected.' in out
    )
    assert f"terraform validate: {len(stacks)} stacks, 1 problem(s)" in out
    assert main([str(tmp_path / "nowhere")]) == 2


def test_jobs_that_reach_the_private_data_planes_run_on_the_configured_runner():
    """Terraform against the real environments (plan, apply, drift) talks to the workspace and
    the vaults, which accept private traffic only: those jobs run where MDP_PRIVATE_RUNNER says."""
    runner = "${{ vars.MDP_PRIVATE_RUNNER || 'ubuntu-24.04' }}"
    checked = 0
    for path in WORKFLOWS:
        for name, job in load(path)["jobs"].items():
            scripts = " ".join(step.get("run", "") for step in job.get("steps", []))
            if "tooling.run_stacks" in scripts:
                assert job["runs-on"] == runner, f"{path.name}: {name}"
                checked += 1
            else:
                assert job["runs-on"] == "ubuntu-24.04", f"{path.name}: {name} needs no network"
    assert checked >= 4


def test_ci_runs_the_cdk_terrain_lane_on_every_pull_request():
    ci: dict[Any, Any] = load(GITHUB / "workflows" / "ci.yml")
    triggers = ci["on"] if "on" in ci else ci[True]  # PyYAML reads a bare `on:` as True
    assert "pull_request" in triggers
    runs = [step.get("run", "") for step in ci["jobs"]["test"]["steps"]]
    assert "make synth-cdktn" in runs
    assert runs.index("make synth-cdktn") > runs.index("make synth")
    assert "make synth-cdktn" in (REPO_ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_a_new_environment_plans_what_it_can_and_names_what_the_others_wait_for(
    synthesized, tmp_path, monkeypatch, capsys, env
):
    """Nothing deployed yet. make diff diffs what reads no state and reports the rest as
    waiting for the stacks they read. plan-on-PR plans every stack against the planned outputs
    before it, all unknown until applied here: only a stack whose provider configuration (or a
    count) needs one of them waits, naming it. Neither fails.
    tests/test_new_environment.py runs this on a generated environment too."""
    from tooling.plan_overlay import needed_at_plan
    from tooling.plan_summary import main as summary
    from tooling.run_stacks import main
    from tooling.synthesized import stack_order

    order = stack_order(synthesized.outdir, env)
    log = tmp_path / "calls.log"
    cdktf_log = tmp_path / "cdktf.log"
    cdktf = tmp_path / "cdktf"
    cdktf.write_text(f'#!/usr/bin/env bash\necho "$@" >> {cdktf_log}\n')
    cdktf.chmod(0o755)
    monkeypatch.setenv("CDKTF", str(cdktf))
    nothing = fake_terraform(
        tmp_path, log, deployed={}, stacks=synthesized.stacks, planned_unknown=True
    )
    monkeypatch.setenv("TERRAFORM", str(nothing))
    # make diff: the CLI diffs the first stack, the others are reported, exit 0.
    assert main(["diff", str(synthesized.outdir), env]) == 0
    assert [c.split()[:2] for c in cdktf_log.read_text().splitlines()] == [["diff", order[0]]]
    out = capsys.readouterr().out
    for stack in order[1:]:
        assert f"{stack} waits for " in out, stack
    # A deployed producer that lacks an output a change adds: diff waits for it too.
    deployed = json.loads(json.dumps({s: synthesized.stacks[s] for s in order}))
    del deployed[f"{env}-network"]["output"]["private_endpoint_subnet_id"]
    partly = fake_terraform(tmp_path, log, deployed=deployed, stacks=synthesized.stacks)
    monkeypatch.setenv("TERRAFORM", str(partly))
    assert main(["diff", str(synthesized.outdir), env]) == 0
    assert f"{env}-platform waits for {env}-network (private_endpoint_subnet_id)" in (
        capsys.readouterr().out
    )
    if "azurerm" not in synthesized.stacks[order[0]]["terraform"]["backend"]:
        return  # local state: CI neither plans nor deploys it
    monkeypatch.setenv("TERRAFORM", str(nothing))
    log.write_text("")
    plans = tmp_path / "plans"
    assert main(["plan", str(synthesized.outdir), env, "--plans", str(plans)]) == 0
    out = capsys.readouterr().out
    waiting = [s for s in order if needed_at_plan(synthesized.stacks[s])]
    # The workspace-level stacks configure their provider from the workspace's URL.
    assert waiting == [f"{env}-unity-catalog", f"{env}-workloads"]
    planned = [
        c.split()[0].rsplit("/", 1)[-1] for c in log.read_text().splitlines() if " plan " in c
    ]
    assert planned == [s for s in order if s not in waiting]
    for stack in waiting:
        assert f"{stack} waits: its provider configuration, count or for_each needs " in out
        record = json.loads((plans / f"{stack}.json").read_text())["not_planned"]
        assert record["needed_at_plan"] and not record["failed"]
    platform = json.loads((plans / f"{env}-platform.json").read_text())["mdp_inputs"]
    assert list(platform["known_after_apply"]) == [f"{env}-network"]
    assert summary(["--environment", env, *(str(plans / f"{s}.json") for s in order)]) == 0
    comment = capsys.readouterr().out
    assert f"> - `{waiting[0]}` waits: its provider configuration" in comment
    assert f"- `{env}-platform`: " in comment and f"known after `{env}-network` applies" in comment


def test_a_failed_plan_still_gets_its_comment_and_others_keep_theirs():
    plan = load(GITHUB / "workflows" / "plan.yml")
    steps = {
        step.get("name") or step["uses"].split("@")[0]: step
        for step in plan["jobs"]["plan"]["steps"]
    }
    assert steps["Summarize"]["if"] == "always()"
    assert "--failed" in steps["Summarize"]["run"]
    assert steps["actions/upload-artifact"]["if"] == "always()"
    comment = plan["jobs"]["comment"]
    assert comment["if"].startswith("always()") and comment["strategy"]["fail-fast"] == "false"


def test_a_deploy_that_would_lock_the_deployer_out_is_refused_first(synthesized, tmp_path):
    """The shipped sandbox allows only a documentation range (RFC 5737): make deploy refuses it
    before any stack runs, naming the config field; a real range passes."""
    import shutil

    from tooling.run_stacks import preflight
    from tooling.synthesized import stack_order

    listed = [
        s
        for s, tf in synthesized.stacks.items()
        if "databricks_ip_access_list" in tf.get("resource", {})
    ]
    if not listed:
        pytest.skip("no shipped environment has an IP access list")
    env = listed[0].split("-", 1)[0]
    outdir = tmp_path / "cdktf.out"
    shutil.copytree(synthesized.outdir, outdir)
    stacks = stack_order(outdir, env)
    path = outdir / "stacks" / listed[0] / "cdk.tf.json"
    body = json.loads(path.read_text())
    (access,) = body["resource"]["databricks_ip_access_list"].values()
    # The clusters' NAT address (a reference) is not the deployer's: still refused.
    nat = "${data.terraform_remote_state.sandbox-network.outputs.egress_public_ip}/32"
    for addresses in (["198.51.100.7/32", "192.0.2.0/28"], ["192.0.2.0/28", nat]):
        access["ip_addresses"] = addresses
        path.write_text(json.dumps(body))
        with pytest.raises(ValueError, match=rf"set workloads.ip_access.allow in config/{env}.ya"):
            preflight(outdir, stacks, env)
    access["ip_addresses"] = ["198.51.100.7/32", "84.12.0.0/24", nat]
    path.write_text(json.dumps(body))
    preflight(outdir, stacks, env)  # one real range: the deployer can be in it


def test_the_sandbox_deploys_from_a_laptop(config_of):
    """Its workspace API is public to an allow list, Private Link kept; state on the laptop."""
    if "sandbox" not in config_of:
        pytest.skip("no sandbox shipped")
    sandbox = config_of["sandbox"]
    assert sandbox.state.backend == "local"
    assert sandbox.databricks.public_network_access is True
    assert sandbox.workloads.ip_access.allow and not sandbox.workloads.ip_access.waive_allow_list
    assert sandbox.databricks.browser_authentication_private_endpoint is True


def test_every_environment_with_azure_state_has_a_deploy_job(shipped_configs):
    """The plan and drift workflows take the environments from config/; the deploy workflow
    names each one (its GitHub environment and order): a new one needs its job (README,
    "Adding an environment")."""
    from platform_config.model import AzurermState

    jobs = load(GITHUB / "workflows" / "deploy.yml")["jobs"]
    deployed = {job.get("environment") for job in jobs.values()}
    for config in shipped_configs:
        if isinstance(config.state, AzurermState):
            assert config.environment in deployed, f"deploy.yml has no job for {config.environment}"


def test_an_apply_refused_while_a_role_propagates_is_tried_once_more(tmp_path, monkeypatch):
    """The first apply with keys grants an identity its key, then sets the key; Azure can refuse
    that until the grant propagates. The apply waits once and tries again; any other failure,
    or a second refusal, stops the run."""
    from tooling.run_stacks import run_applying

    count = tmp_path / "count"
    fake = tmp_path / "terraform"
    fake.write_text(
        "#!/usr/bin/env bash\n"
        f"n=$(cat {count} 2>/dev/null || echo 0); echo $((n+1)) > {count}\n"
        'if [ "$n" -lt "$FAILURES" ]; then\n'
        '  echo "Error: ... does not have keys get permission on key vault ...; $MESSAGE"\n'
        "  exit 1\n"
        "fi\n"
        "echo applied\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("MDP_RETRY_AFTER_SECONDS", "0")
    monkeypatch.setenv("MESSAGE", "")
    monkeypatch.setenv("FAILURES", "1")
    run_applying([str(fake), "apply"])
    assert count.read_text().strip() == "2"
    count.unlink()
    monkeypatch.setenv("FAILURES", "2")
    with pytest.raises(subprocess.CalledProcessError):
        run_applying([str(fake), "apply"])
    assert count.read_text().strip() == "2"  # once more, not forever
    count.unlink()
    other = tmp_path / "other"
    other.write_text(
        f"#!/usr/bin/env bash\necho x >> {count}\necho 'Error: quota exceeded'\nexit 1\n"
    )
    other.chmod(0o755)
    with pytest.raises(subprocess.CalledProcessError):
        run_applying([str(other), "apply"])
    assert count.read_text().count("x") == 1
