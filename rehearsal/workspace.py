"""A rehearsal's working folder: the stacks as Terraform will run them, the test files, the run.

    <work>/
      main.tf                       the (empty) root module `terraform test` needs
      empty.tfstate                 what every remote-state read opens (see below)
      stacks/<release>/<stack>/     a copy of each synthesized stack, two edits only
      tests/<name>.tftest.hcl       one file per rehearsal: mock providers and its runs

The two edits to a stack's copy: its backend is dropped (`terraform test` keeps state in memory,
one state per `state_key`), and each `data.terraform_remote_state` reads an empty local state
with `defaults = var.rehearsal_<producer>`. The run that plans or applies the stack sets that
variable to the outputs of the run that last applied the producer (`run.<name>`), in the same
file. So a stack reads exactly what the stacks before it produced in the rehearsal: an output
renamed, dropped or of another type fails there, as it would in a real deploy. (Terraform does
not allow run outputs in `override_data`, so the read goes through `defaults`.) Which stack a
remote state reads is found by its backend settings (the state key or path), so the cross-stack
references of releases before named outputs are wired the same way.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

from rehearsal import mocks
from rehearsal.errors import RehearsalError
from vocabulary import egress

ROOT = Path(__file__).resolve().parent.parent

EMPTY_STATE = {
    "version": 4,
    "terraform_version": "1.11.4",
    "serial": 1,
    "lineage": "00000000-0000-0000-0000-000000000000",
    "outputs": {},
    "resources": [],
}


def _backend_key(body: Mapping[str, Any]) -> str | None:
    """What identifies a state among a synth's stacks: the blob key, or the local path."""
    if "key" in body:
        return f"key:{body['key']}"
    if "path" in body:
        return f"path:{os.path.basename(str(body['path']))}"
    return None


@dataclass(frozen=True)
class Release:
    """One synth's stacks (cdktf.out/stacks/<stack>/cdk.tf.json), by stack id."""

    name: str
    stacks: Mapping[str, Mapping[str, Any]]
    outdir: Path | None = None
    """The synth folder the stacks come from (their assets are beside them)."""

    @classmethod
    def load(cls, name: str, outdir: Path) -> Release:
        files = sorted((outdir / "stacks").glob("*/cdk.tf.json"))
        if not files:
            raise RehearsalError(f"{outdir}/stacks holds no cdk.tf.json: synthesize first")
        return cls(name, {f.parent.name: json.loads(f.read_text("utf-8")) for f in files}, outdir)

    def assets(self, stack: str) -> Path | None:
        """The stack's assets folder (notebooks, workspace files), when it has one."""
        if self.outdir is None:
            return None
        folder = self.outdir / "stacks" / stack / "assets"
        return folder if folder.is_dir() else None

    def producers(self, stack: str) -> dict[str, str]:
        """Remote-state data source name -> the stack whose state it reads."""
        by_backend: dict[str, str] = {}
        for stack_id, body in self.stacks.items():
            for settings in body.get("terraform", {}).get("backend", {}).values():
                key = _backend_key(settings)
                if key:
                    by_backend[key] = stack_id
        reads = self.stacks[stack].get("data", {}).get("terraform_remote_state", {})
        producers = {}
        for name, source in reads.items():
            key = _backend_key(source.get("config", {}))
            if key not in by_backend:
                raise RehearsalError(
                    f"{self.name} {stack}: data.terraform_remote_state.{name} reads a state "
                    f"({key}) that no stack of this synth writes"
                )
            producers[name] = by_backend[key]
        return producers

    def order(self, scope: str) -> list[str]:
        """The scope's stacks in deploy order: each after the stacks whose state it reads
        (as tooling.stack_order, but by backend, so a release before named outputs too)."""
        stacks = sorted(s for s in self.stacks if s.startswith(f"{scope}-"))
        sorter = TopologicalSorter(
            {s: set(self.producers(s).values()) & set(stacks) for s in stacks}
        )
        order: list[str] = []
        sorter.prepare()
        while sorter.is_active():
            ready = sorted(sorter.get_ready())
            order += ready
            sorter.done(*ready)
        return order

    def providers(self, stack: str) -> set[tuple[str, str | None]]:
        """(provider, alias) pairs the stack configures."""
        pairs = set()
        for provider, configs in self.stacks[stack].get("provider", {}).items():
            for config in configs if isinstance(configs, list) else [configs]:
                pairs.add((provider, config.get("alias")))
        return pairs

    def guarded(self, stack: str) -> set[str]:
        """The stack's resources (type.name) that carry prevent_destroy."""
        return {
            f"{type_name}.{name}"
            for type_name, items in self.stacks.get(stack, {}).get("resource", {}).items()
            for name, body in items.items()
            if body.get("lifecycle", {}).get("prevent_destroy") is True
        }

    def workspace_storage_endpoints(self, stack: str) -> set[str]:
        """The stack's private endpoints (type.name) to a workspace's own storage account: their
        target names the account a workspace of the stack reports (custom_parameters)."""
        endpoints = self.stacks.get(stack, {}).get("resource", {}).get("azurerm_private_endpoint")
        return {
            f"azurerm_private_endpoint.{name}"
            for name, body in (endpoints or {}).items()
            if "Microsoft.Storage/storageAccounts/${azurerm_databricks_workspace."
            in json.dumps(body.get("private_service_connection"))
        }

    def it_route_tables(self, stack: str) -> dict[str, str]:
        """IT's route tables the stack reads (data source name -> the firewall IP the stack
        expects their default route to reach: its local of vocabulary.egress)."""
        body = self.stacks.get(stack, {})
        expected = (body.get("locals") or {}).get(egress.IT_FIREWALL_LOCAL)
        tables = (body.get("data") or {}).get("azurerm_route_table") or {}
        return {name: str(expected) for name in tables} if expected else {}

    def types(self, stack: str) -> tuple[set[str], set[str]]:
        body = self.stacks[stack]
        return set(body.get("resource", {})), set(body.get("data", {})) - {"terraform_remote_state"}


def variable_name(producer: str) -> str:
    return "rehearsal_" + producer.replace("-", "_")


def rehearsal_copy(release: Release, stack: str, empty_state: Path) -> dict[str, Any]:
    """The stack as the rehearsal runs it: no backend; remote reads from run outputs."""
    body: dict[str, Any] = json.loads(json.dumps(release.stacks[stack]))
    body.get("terraform", {}).pop("backend", None)
    variables = body.setdefault("variable", {})
    for name, producer in release.producers(stack).items():
        variable = variable_name(producer)
        variables[variable] = {
            "type": "any",
            "default": {},
            "description": f"rehearsal: the outputs of {producer}, as its run produced them",
        }
        body["data"]["terraform_remote_state"][name] = {
            "backend": "local",
            "config": {"path": str(empty_state)},
            "defaults": f"${{var.{variable}}}",
        }
    if not variables:
        del body["variable"]
    return body


@dataclass(frozen=True)
class Run:
    """One run block: plan or apply a stack of a release on the state `state_key`."""

    name: str
    release: str
    stack: str
    command: str = "apply"
    inputs: Mapping[str, str] = field(default_factory=dict)
    """variable -> the run whose outputs it takes."""
    empty: bool = False
    """The stack's copy without any resource: Terraform plans to destroy what its state holds."""


@dataclass
class Rehearsal:
    """One test file: a sequence of runs over the stacks of one or more releases."""

    name: str
    runs: list[Run] = field(default_factory=list)
    last_apply: dict[str, str] = field(default_factory=dict)
    """state key (stack id) -> the run that last applied it."""
    guarded: dict[str, set[str]] = field(default_factory=dict)
    """stack -> resources (type.name) that none of its plan runs may delete or replace."""
    declared: set[tuple[str, str]] = field(default_factory=set)
    """(stack, instance address) deletes that the change declares (its migration)."""
    storage_endpoints: dict[str, set[str]] = field(default_factory=dict)
    """stack -> its private endpoints (type.name) to a workspace's own storage account."""
    plays_it: bool = True
    """IT's route tables read as IT was asked to set them up (False: as the rehearsal provider
    answers a table it knows nothing of, without routes)."""
    it_next_hop: str | None = None
    """Where IT's default route goes when the rehearsal plays IT. Default: the firewall the
    stack names (as asked)."""

    def step(
        self, release: Release, stack: str, *, command: str = "apply", empty: bool = False
    ) -> Run:
        inputs = {}
        for producer in sorted(set(release.producers(stack).values())):
            if producer in self.last_apply:
                inputs[variable_name(producer)] = self.last_apply[producer]
        run = Run(
            name=f"{command}-{release.name}-{stack}" + ("-destroy" if empty else ""),
            release=release.name,
            stack=stack,
            command=command,
            inputs=inputs,
            empty=empty,
        )
        if any(r.name == run.name for r in self.runs):
            run = Run(**{**run.__dict__, "name": f"{run.name}-{len(self.runs)}"})
        self.runs.append(run)
        if command == "apply":
            self.last_apply[stack] = run.name
        return run


def _it_route_table_overrides(
    release: Release, stack: str, next_hop: str | None = None
) -> list[str]:
    """The rehearsal plays IT: IT's route table as docs/deployment.md asks IT to set it up, its
    default route to the firewall the stack names. (The rehearsal provider alone answers a table
    without routes, which the stack's check refuses: tests/test_rehearsal.py shows both.)"""
    lines = []
    for name, expected in sorted(release.it_route_tables(stack).items()):
        firewall_ip = next_hop or expected
        route = (
            '{ name = "to-it-firewall", address_prefix = "0.0.0.0/0", '
            f'next_hop_type = "VirtualAppliance", next_hop_in_ip_address = "{firewall_ip}" }}'
        )
        lines += [
            "  override_data {",
            f"    target = data.azurerm_route_table.{name}",
            f"    values = {{ route = [{route}] }}",
            "  }",
        ]
    return lines


def _module_dir(run: Run) -> str:
    return f"stacks/{run.release}/{run.stack}" + ("-empty" if run.empty else "")


def tftest_file(rehearsal: Rehearsal, releases: Mapping[str, Release]) -> str:
    """The rehearsal as a `.tftest.hcl` file. It declares no provider: each stack configures
    its own, and Terraform runs the rehearsal provider installed under their names."""
    parts = [f"# {rehearsal.name}: written by python -m rehearsal; do not edit\n"]
    for run in rehearsal.runs:
        lines = [f'run "{run.name}" {{', f"  command   = {run.command}"]
        lines.append(f'  state_key = "{run.stack}"')
        lines.append(f'  module {{\n    source = "./{_module_dir(run)}"\n  }}')
        if run.inputs:
            lines.append("  variables {")
            lines += [f"    {var} = run.{source}" for var, source in sorted(run.inputs.items())]
            lines.append("  }")
        if rehearsal.plays_it and not run.empty:
            lines += _it_route_table_overrides(
                releases[run.release], run.stack, rehearsal.it_next_hop
            )
        lines.append("}\n")
        parts.append("\n".join(lines))
    return "\n".join(parts)


def copy_assets(work: Path, releases: Mapping[str, Release], stacks: set[tuple[str, str]]) -> int:
    """Each stack's assets into work/assets, where Terraform runs: a notebook's or workspace
    file's `source` is relative to that folder (cdktf runs Terraform in the stack's folder), and
    the databricks provider refuses a source that does not exist there. Asset folders are named
    by content hash, so the stacks of every release share one folder. Returns the files copied."""
    copied = 0
    for release_name, stack in sorted(stacks):
        folder = releases[release_name].assets(stack)
        if folder is None:
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            target = work / "assets" / path.relative_to(folder)
            if target.exists():
                if target.read_bytes() != path.read_bytes():
                    raise RehearsalError(
                        f"{release_name} {stack}: asset {path.relative_to(folder)} differs from "
                        "another stack's file at the same path"
                    )
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            copied += 1
    return copied


def write(
    work: Path, releases: Mapping[str, Release], rehearsals: Sequence[Rehearsal]
) -> list[str]:
    """The working folder for these rehearsals; returns the types no mock value covers."""
    if work.exists():
        shutil.rmtree(work)
    (work / "tests").mkdir(parents=True)
    (work / "main.tf").write_text("# The root module terraform test needs; the runs name theirs.\n")
    empty_state = (work / "empty.tfstate").resolve()
    empty_state.write_text(json.dumps(EMPTY_STATE))
    resource_types: set[str] = set()
    data_types: set[str] = set()
    written: set[str] = set()
    planned: set[tuple[str, str]] = set()
    for rehearsal in rehearsals:
        for run in rehearsal.runs:
            module = _module_dir(run)
            if not run.empty:
                planned.add((run.release, run.stack))
            if module in written:
                continue
            written.add(module)
            release = releases[run.release]
            body = rehearsal_copy(release, run.stack, empty_state)
            if run.empty:
                body = _without_objects(body)
            else:
                resources, data = release.types(run.stack)
                resource_types |= resources
                data_types |= data
            target = work / module / "cdk.tf.json"
            target.parent.mkdir(parents=True)
            target.write_text(json.dumps(body, indent=2, sort_keys=True))
        test = work / "tests" / f"{rehearsal.name}.tftest.hcl"
        test.write_text(tftest_file(rehearsal, releases))
    copy_assets(work, releases, planned)
    return mocks.missing_types(resource_types, data_types)


def _without_objects(body: Mapping[str, Any]) -> dict[str, Any]:
    """A stack with its providers and nothing else: applying it destroys what its state holds.
    The remote-state reads and their variables stay: a provider's configuration reads them (the
    workspace's host), as `terraform destroy` of the whole stack would."""
    kept: dict[str, Any] = json.loads(
        json.dumps({key: body[key] for key in ("terraform", "provider", "variable") if key in body})
    )
    reads = body.get("data", {}).get("terraform_remote_state")
    if reads:
        kept["data"] = {"terraform_remote_state": json.loads(json.dumps(reads))}
    for blocks in kept.get("provider", {}).values():
        for block in blocks if isinstance(blocks, list) else [blocks]:
            for key, value in block.items():
                if isinstance(value, str) and _MANAGED_REFERENCE.search(value):
                    # A provider configured from a resource of its own stack (the databricks
                    # stack's workspace-level provider, from the workspace): `terraform destroy`
                    # evaluates it from that resource's state, which Terraform deletes after
                    # the provider's own resources. Here the resource is gone from the
                    # configuration, and a destroy computes no value from the host.
                    block[key] = "rehearsal: " + re.sub(r"\$\{([^}]*)\}", r"<\1>", value)
    return kept


_MANAGED_REFERENCE = re.compile(r"\$\{(?!data\.|var\.|local\.)[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Change:
    """One planned change of a plan run (from the plan's resource_changes)."""

    address: str
    actions: tuple[str, ...]
    previous_address: str | None = None
    gained: tuple[str, ...] = ()
    """Of an update: the top-level arguments that were null and get a value (or one known only
    after apply)."""
    replaced_by: tuple[str, ...] = ()
    """Of a replacement: the attribute paths the provider forces new (the plan's replace_paths)."""

    @property
    def resource(self) -> str:
        """type.name, without the instance key."""
        return self.address.split("[", 1)[0]


def _gained(change: dict[str, Any]) -> tuple[str, ...]:
    if change["actions"] != ["update"]:
        return ()
    before = change.get("before") or {}
    after = change.get("after") or {}
    unknown = change.get("after_unknown") or {}
    return tuple(
        sorted(
            key
            for key in {*after, *unknown}
            if before.get(key) in (None, "", [], {})
            and (after.get(key) not in (None, "", [], {}) or unknown.get(key) is True)
        )
    )


def _replace_paths(change: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(".".join(str(step) for step in path) for path in change.get("replace_paths") or ())


@dataclass(frozen=True)
class Outcome:
    """What `terraform test -json -verbose` said of each run and file."""

    runs: Mapping[tuple[str, str], str]
    """(file, run) -> pass, fail, error or skip."""
    problems: Sequence[str]
    """Each error diagnostic of a run, with its file and run."""
    teardown: Sequence[str]
    """Diagnostics of the end-of-file clean-up (see `judge`)."""
    plans: Mapping[tuple[str, str], Sequence[Change]] = field(default_factory=dict)
    """(file, plan run) -> its changes (no-ops left out)."""
    states: Mapping[tuple[str, str], Mapping[str, Mapping[str, Any]]] = field(default_factory=dict)
    """(file, apply run) -> address -> the object's identifying values (IDENTITY)."""
    seconds: Mapping[tuple[str, str], float] = field(default_factory=dict)
    """(file, run) -> how long it ran (Terraform's own timestamps)."""


IDENTITY = (
    "name",
    "display_name",
    "external_id",
    "application_id",
    "resource_group_name",
    "catalog_name",
)
"""The values that say which real object a state entry is (its name, not the mock's id)."""


def run_tests(work: Path, terraform: str, env: Mapping[str, str], *, workers: int = 2) -> Outcome:
    """`terraform test -json -verbose` per test file, `workers` files at a time (a file's runs
    are sequential, its clean-up takes a third of its time), each read as it streams: plans and
    states are megabytes."""
    files = sorted(p.relative_to(work).as_posix() for p in (work / "tests").glob("*.tftest.hcl"))

    def one(file: str) -> Outcome:
        with (
            tempfile.TemporaryFile("w+") as stderr,
            subprocess.Popen(
                [terraform, "test", "-json", "-verbose", "-no-color", f"-filter={file}"],
                cwd=work,
                env=dict(env),
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            ) as process,
        ):
            assert process.stdout is not None
            outcome = parse_lines(process.stdout)
            process.wait()
            stderr.seek(0)
            if not outcome.runs and not outcome.problems:
                said = stderr.read().strip()[-2000:]
                return Outcome({}, [f"terraform test ran nothing in {file}: {said}"], [])
            return outcome

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        outcomes = list(pool.map(one, files))
    return Outcome(
        runs={k: v for o in outcomes for k, v in o.runs.items()},
        problems=[p for o in outcomes for p in o.problems],
        teardown=[t for o in outcomes for t in o.teardown],
        plans={k: v for o in outcomes for k, v in o.plans.items()},
        states={k: v for o in outcomes for k, v in o.states.items()},
        seconds={k: v for o in outcomes for k, v in o.seconds.items()},
    )


def parse(stdout: str, stderr: str = "") -> Outcome:
    outcome = parse_lines(stdout.splitlines())
    if not outcome.runs and not outcome.problems:
        return Outcome({}, [f"terraform test ran nothing: {stderr.strip()[-2000:]}"], [])
    return outcome


def parse_lines(lines: Iterable[str]) -> Outcome:
    runs: dict[tuple[str, str], str] = {}
    problems: list[str] = []
    teardown: list[str] = []
    plans: dict[tuple[str, str], list[Change]] = {}
    states: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    started: dict[tuple[str, str], datetime] = {}
    seconds: dict[tuple[str, str], float] = {}
    for line in lines:
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue
        file, run = message.get("@testfile"), message.get("@testrun")
        kind = message.get("type")
        if kind == "test_run" and run and file:
            status = message.get("test_run", {}).get("status")
            at = datetime.fromisoformat(message["@timestamp"]) if "@timestamp" in message else None
            if at is not None:
                started.setdefault((file, run), at)
            if status and message["test_run"].get("progress") == "complete":
                runs[(file, run)] = status
                if at is not None:
                    seconds[(file, run)] = (at - started[(file, run)]).total_seconds()
        elif kind == "test_plan" and run and file:
            plans[(file, run)] = [
                Change(
                    change["address"],
                    tuple(change["change"]["actions"]),
                    change.get("previous_address"),
                    _gained(change["change"]),
                    _replace_paths(change["change"]),
                )
                for change in message["test_plan"].get("resource_changes", [])
                if change["change"]["actions"] != ["no-op"] or change.get("previous_address")
            ]
        elif kind == "test_state" and run and file:
            module = message["test_state"].get("root_module", {})
            states[(file, run)] = {
                resource["address"]: {
                    key: resource.get("values", {}).get(key)
                    for key in IDENTITY
                    if resource.get("values", {}).get(key) is not None
                }
                for resource in module.get("resources", [])
                if resource.get("mode") == "managed"
            }
        elif kind == "diagnostic" and message.get("@level") == "error":
            diagnostic = message.get("diagnostic", {})
            text = _describe(diagnostic)
            if run:
                problems.append(f"{file} run {run}: {text}")
            elif file:
                teardown.append(f"{file}: {text}")
            else:
                problems.append(text)
    return Outcome(runs, problems, teardown, plans, states, seconds)


def _describe(diagnostic: Mapping[str, Any]) -> str:
    """Where, what and why, with the configuration the diagnostic points at (the expression
    that failed names the attribute when Terraform gives no address)."""
    where = diagnostic.get("address") or (diagnostic.get("range") or {}).get("filename", "")
    detail = " ".join(str(diagnostic.get("detail", "")).split())
    code = " ".join(str((diagnostic.get("snippet") or {}).get("code", "")).split())
    at = f"at {code[:300]}" if code else ""
    return ": ".join(p for p in (where, diagnostic.get("summary", "error"), detail[:600], at) if p)


def init(work: Path, terraform: str, env: Mapping[str, str], plugin_dir: Path | None) -> None:
    command = [terraform, "init", "-input=false", "-no-color", "-backend=false"]
    if plugin_dir is not None:
        command.append(f"-plugin-dir={plugin_dir}")
    result = subprocess.run(
        command, cwd=work, env=dict(env), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RehearsalError(f"terraform init in {work} failed:\n{result.stderr.strip()[-3000:]}")


def plugin_folder(work: Path, providers: str, terraform: str, env: dict[str, str]) -> Path:
    """The rehearsal provider installed in work/plugins, serving the committed schemas
    (providers=schema) or those the real providers from the registry report, once they are
    shown to be the committed ones (providers=registry; rehearsal/plugins.py). env gains the
    plugin cache the registry download uses."""
    from rehearsal.plugins import install_schema_plugins, registry_schemas

    schemas = None
    if providers == "registry":
        cache = Path(env.get("TF_PLUGIN_CACHE_DIR") or ROOT / ".terraform-plugin-cache")
        cache.mkdir(parents=True, exist_ok=True)
        env["TF_PLUGIN_CACHE_DIR"] = str(cache.resolve())
        schemas = registry_schemas(work / "registry", terraform, env)
    return install_schema_plugins(work / "plugins", schemas=schemas)


def rehearse(
    releases: Mapping[str, Release],
    rehearsals: Sequence[Rehearsal],
    work: Path,
    *,
    providers: str = "schema",
    workers: int = 2,
    plugin_dir: Path | None = None,
) -> tuple[Outcome, float]:
    """Write the rehearsals under work/run, init Terraform there, run them: (outcome, seconds).

    providers: schema or registry (plugin_folder), unless plugin_dir is installed already."""
    terraform = os.environ.get("TERRAFORM", "terraform")
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
    if plugin_dir is None:
        plugin_dir = plugin_folder(work, providers, terraform, env)
    run_dir = work / "run"
    # What the rehearsal provider applied, for data sources that read it back (per test file).
    env["MDP_REHEARSAL_WORLD"] = str((run_dir / ".world").resolve())
    missing = write(run_dir, releases, rehearsals)
    if missing:
        raise RehearsalError(
            "no mock values for: " + ", ".join(missing) + " (add them to rehearsal/mocks.py)"
        )
    started = time.monotonic()
    init(run_dir, terraform, env, plugin_dir)
    outcome = run_tests(run_dir, terraform, env, workers=workers)
    return outcome, time.monotonic() - started
