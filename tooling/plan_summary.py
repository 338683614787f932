"""Summarize Terraform plans for a pull-request comment (or a drift issue), from `terraform show
-json` output, one file per stack in dependency order.

    python -m tooling.plan_summary --environment dev plans/dev-network.json plans/dev-platform.json

prints Markdown: a warning block first when a plan destroys or replaces a stateful resource (the
lake, a Key Vault, the workspace, a catalog, ...), then adds / changes / replaces / destroys per
stack, and what a migration between states does: resources moved to a new address
(`previous_address`), imported (`change.importing`) and forgotten (a `removed` block with
`destroy = false`: Terraform's `forget` action, the object stays). The first line is a hidden
marker (`<!-- mdp-plan:<environment> -->`) by which the workflow finds and updates its own
comment. `--exit-code` exits 2 when any stack would change or was not planned (drift
detection), 0 when every plan is empty; a file that is not a plan exits 1, naming it.

tooling.run_stacks chains the plans (tooling/plan_overlay.py), and the comment says, per stack,
what it was planned against: the planned outputs of the stacks before it, or only deployed
state; which of the values it reads are known only after a producer applies (the plan shows
"(known after apply)" there); and the stacks not planned: waiting for such a value in a
provider configuration, reading an output its producer will not have, or reading a stack whose
plan failed. `--failed` says first that the plan run failed (the plans it wrote are summarized).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Resource types whose destruction loses data or identity that others depend on.
STATEFUL_TYPES: frozenset[str] = frozenset(
    {
        "azurerm_storage_account",
        "azurerm_storage_container",
        "azurerm_key_vault",
        "azurerm_databricks_workspace",
        "azurerm_databricks_access_connector",
        "azurerm_log_analytics_workspace",
        "azurerm_data_factory",
        "azurerm_purview_account",
        "azurerm_virtual_network",
        "azurerm_subnet",
        "databricks_metastore",
        "databricks_catalog",
        "databricks_schema",
        "databricks_external_location",
        "databricks_storage_credential",
        # Identities others rely on: memberships, grants and workspace assignments go with them.
        "databricks_group",
        "databricks_service_principal",
    }
)
MARKER = "<!-- mdp-plan:{environment} -->"


@dataclass
class StackPlan:
    stack: str
    adds: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    replaces: list[str] = field(default_factory=list)
    destroys: list[str] = field(default_factory=list)
    forgets: list[str] = field(default_factory=list)
    """Removed from state, kept in Azure (`removed` with destroy = false)."""
    moves: list[str] = field(default_factory=list)
    """'old -> new' addresses (`moved` blocks)."""
    imports: list[str] = field(default_factory=list)
    """'address <- id' of objects imported into state."""
    stateful: list[tuple[str, str]] = field(default_factory=list)
    """(action, address) of stateful resources destroyed or replaced."""
    if_unknown_changes: dict[str, list[str]] = field(default_factory=dict)
    """Replaced address -> the paths that force it, every one a value known only after apply:
    the replacement happens only if that value turns out different (chained plans)."""
    planned_from: dict[str, list[str]] = field(default_factory=dict)
    """Producer -> the outputs read from its plan, not its deployed state."""
    not_planned_from: list[str] = field(default_factory=list)
    """Producers read that were not planned (they wait): what it reads of them is unknown."""
    known_after_apply: dict[str, list[str]] = field(default_factory=dict)
    """Producer -> outputs read that are known only once it applies."""
    waiting_for: dict[str, list[str]] = field(default_factory=dict)
    """Producer -> such outputs that a provider configuration, count or for_each needs: this
    stack was not planned."""
    not_produced: dict[str, list[str]] = field(default_factory=dict)
    """Producer -> outputs read that the planned producer will not have (renamed, removed or
    null): not planned."""
    blocked_by: list[str] = field(default_factory=list)
    """Producers that could not be planned for an error: this stack was not planned."""
    plan_failed: bool = False
    """Terraform refused this stack's plan (the job's log says why)."""

    @property
    def planned(self) -> bool:
        return not (self.waiting_for or self.not_produced or self.blocked_by or self.plan_failed)

    @property
    def empty(self) -> bool:
        return not (
            self.adds
            or self.changes
            or self.replaces
            or self.destroys
            or self.forgets
            or self.moves
            or self.imports
        )


class PlanError(ValueError):
    """A plan file that is not `terraform show -json` output."""


INPUTS_KEY = "mdp_inputs"
"""Where tooling.run_stacks records a stack's inputs (tooling.plan_overlay.INPUTS_KEY)."""


def _with_inputs(result: StackPlan, record: Any, where: str) -> StackPlan:
    if not isinstance(record, dict):
        raise PlanError(f"{where}: {INPUTS_KEY} is not an object")

    def outputs(key: str) -> dict[str, list[str]]:
        found = record.get(key) or {}
        if not isinstance(found, dict) or not all(isinstance(v, list) for v in found.values()):
            raise PlanError(f"{where}: {INPUTS_KEY}.{key} is not producer -> [outputs]")
        return {str(k): [str(o) for o in v] for k, v in found.items()}

    result.planned_from = outputs("planned_from")
    result.known_after_apply = outputs("known_after_apply")
    result.waiting_for = outputs("needed_at_plan")
    result.not_produced = outputs("not_produced")
    result.blocked_by = [str(p) for p in record.get("failed") or []]
    result.not_planned_from = [str(p) for p in record.get("not_planned_from") or []]
    return result


def _unknown_at(marker: Any, path: Sequence[Any]) -> bool:
    """Whether after_unknown marks this attribute path (or a part above it) unknown."""
    for step in path:
        if marker is True:
            return True
        if isinstance(marker, dict) and isinstance(step, str):
            marker = marker.get(step)
        elif isinstance(marker, list) and isinstance(step, int) and step < len(marker):
            marker = marker[step]
        else:
            return False
    return marker is True


def read_plan(stack: str, plan: dict[str, Any], *, source: str = "") -> StackPlan:
    where = source or stack
    if isinstance(plan, dict) and "not_planned" in plan:
        return _with_inputs(StackPlan(stack), plan["not_planned"], where)
    if isinstance(plan, dict) and plan.get("plan_failed") is True:
        result = _with_inputs(StackPlan(stack), plan.get(INPUTS_KEY, {}), where)
        result.plan_failed = True
        return result
    if not isinstance(plan, dict) or "format_version" not in plan:
        raise PlanError(f"{where}: not `terraform show -json` output (no format_version)")
    result = _with_inputs(StackPlan(stack), plan.get(INPUTS_KEY, {}), where)
    module = ((plan.get("configuration") or {}).get("root_module")) or {}
    expressions = {
        str(r.get("address")): r.get("expressions") or {} for r in module.get("resources") or []
    }
    for index, change in enumerate(plan.get("resource_changes", [])):
        try:
            address, resource_type = change["address"], change["type"]
            actions = change["change"]["actions"]
        except (KeyError, TypeError):
            raise PlanError(
                f"{where}: resource_changes[{index}] lacks address, type or change.actions"
            ) from None
        if change.get("mode") == "data":
            continue
        if change.get("previous_address"):
            result.moves.append(f"{change['previous_address']} -> {address}")
        importing = change["change"].get("importing")
        if importing:
            result.imports.append(f"{address} <- {importing.get('id', '(generated)')}")
        action = _action(actions)
        if action is None:
            continue
        getattr(
            result,
            {
                "add": "adds",
                "change": "changes",
                "replace": "replaces",
                "destroy": "destroys",
                "forget": "forgets",
            }[action],
        ).append(address)
        if action in ("replace", "destroy") and resource_type in STATEFUL_TYPES:
            result.stateful.append((action, address))
        if action == "replace" and _forced_by_producers_unknowns(change, expressions):
            result.if_unknown_changes[address] = [
                ".".join(str(step) for step in path) for path in change["change"]["replace_paths"]
            ]
    return result


KNOWN_AFTER_APPLY = "local.known_after_apply__"
"""How a chained plan's working copy reads a producer's value known only after it applies
(tooling/plan_overlay.py UNKNOWN_LOCAL)."""


def _forced_by_producers_unknowns(change: dict[str, Any], expressions: dict[str, Any]) -> bool:
    """A replacement the provider forces (not -replace, a taint or replace_triggered_by) only
    at paths whose value is unknown, each argument reading a producer's value known only after
    it applies: it happens only if that value turns out different."""
    body = change["change"]
    forced = body.get("replace_paths") or []
    if change.get("action_reason") != "replace_because_cannot_update" or not forced:
        return False
    config = expressions.get(f"{change.get('type')}.{change.get('name')}") or {}
    return all(
        _unknown_at(body.get("after_unknown"), path)
        and any(r.startswith(KNOWN_AFTER_APPLY) for r in _references(config.get(path[0])))
        for path in forced
    )


def _references(expression: Any) -> list[str]:
    """Every reference in a `terraform show -json` configuration expression (nested blocks
    are lists of expression maps)."""
    if isinstance(expression, list):
        return [r for item in expression for r in _references(item)]
    if not isinstance(expression, dict):
        return []
    found = [str(r) for r in expression.get("references") or []]
    return found + [r for k, v in expression.items() if k != "references" for r in _references(v)]


def _action(actions: Sequence[str]) -> str | None:
    kinds = set(actions)
    if kinds <= {"no-op", "read"}:
        return None
    if kinds == {"create"}:
        return "add"
    if kinds == {"update"}:
        return "change"
    if kinds == {"delete"}:
        return "destroy"
    if kinds == {"create", "delete"}:
        return "replace"
    if kinds == {"forget"}:
        return "forget"
    raise PlanError(f"unknown change actions {list(actions)}")


def _outputs(outputs: Sequence[str]) -> str:
    return ", ".join(f"`{o}`" for o in outputs)


def _after(values: dict[str, list[str]]) -> str:
    return "; ".join(
        f"{_outputs(outputs)} known after `{producer}` applies"
        for producer, outputs in values.items()
    )


def _against(plan: StackPlan) -> str:
    parts = []
    if plan.planned_from:
        parts.append("the plans of " + ", ".join(f"`{p}`" for p in plan.planned_from))
    if plan.not_planned_from:
        parts.append(", ".join(f"`{p}`" for p in plan.not_planned_from) + " (not planned)")
    return "; ".join(parts) or "deployed state"


def _only_if(plan: StackPlan, address: str) -> str:
    paths = plan.if_unknown_changes.get(address)
    if not paths:
        return ""
    return (
        f" (only if {', '.join(f'`{p}`' for p in paths)}, known after apply, turns out different)"
    )


def _not_planned(plan: StackPlan) -> str:
    if plan.plan_failed:
        return f"> - `{plan.stack}`: **the plan failed** (the job's log says why)"
    if plan.blocked_by:
        failed = ", ".join(f"`{p}`" for p in plan.blocked_by)
        return f"> - `{plan.stack}`: not planned, it reads {failed}, which could not be planned"
    if plan.not_produced:
        gone = "; ".join(
            f"{_outputs(outputs)}, which `{producer}` will not have (renamed, removed or null)"
            for producer, outputs in plan.not_produced.items()
        )
        return f"> - `{plan.stack}`: cannot be deployed, it reads {gone}"
    return (
        f"> - `{plan.stack}` waits: its provider configuration, `count` or `for_each` needs "
        f"{_after(plan.waiting_for)}"
    )


def summarize(environment: str, plans: Sequence[StackPlan], *, failed: bool = False) -> str:
    lines = [MARKER.format(environment=environment), f"### Terraform plan: `{environment}`", ""]
    broken = [p for p in plans if p.plan_failed or p.blocked_by or p.not_produced]
    if failed and not broken:
        done = ", ".join(f"`{plan.stack}`" for plan in plans) or "none"
        lines += [
            "> [!WARNING]",
            f"> **The plan failed** after these stacks: {done}. The job's log says why; the "
            "stacks after it were not planned.",
            "",
        ]
    if broken:
        lines += [
            "> [!WARNING]",
            "> **Not every stack could be planned.** The others were, against what these "
            "would have produced where they could:",
        ]
        lines += [_not_planned(plan) for plan in broken]
        lines.append("")
    stateful = [
        f"> - `{p.stack}`: **{action}** `{address}`{_only_if(p, address)}"
        for p in plans
        for action, address in p.stateful
    ]
    if stateful:
        lines += [
            "> [!CAUTION]",
            "> This plan **destroys or replaces stateful resources**; their data would be lost:",
            *stateful,
            "",
        ]
    waiting = [plan for plan in plans if plan.waiting_for and plan not in broken]
    if waiting:
        lines += [
            "> [!NOTE]",
            "> Not planned yet: Terraform configures a provider (and counts instances) with "
            "values known before the plan only. Each is planned once its producer is deployed.",
        ]
        lines += [_not_planned(plan) for plan in waiting]
        lines.append("")
    planned = [plan for plan in plans if plan.planned]
    if planned and all(plan.empty for plan in planned) and not (broken or waiting):
        lines.append("No changes: the infrastructure matches the code.")
        return "\n".join(lines) + "\n"
    if planned:
        lines += [
            "| stack | add | change | replace | destroy | planned against |",
            "|---|---:|---:|---:|---:|---|",
        ]
    for plan in planned:
        against = _against(plan)
        lines.append(
            f"| `{plan.stack}` | {len(plan.adds)} | {len(plan.changes)} | {len(plan.replaces)} "
            f"| {len(plan.destroys)} | {against} |"
        )
    unknown = [plan for plan in planned if plan.known_after_apply]
    if unknown:
        lines += [
            "",
            "Known after apply: these stacks read values that their producers get only when "
            "they apply (a new resource's id, an identity's client id). Their plans show "
            "`(known after apply)` there; the deploy reads the real values.",
        ]
        lines += [f"- `{plan.stack}`: {_after(plan.known_after_apply)}" for plan in unknown]
    migrations = [
        (plan.stack, kind, len(items))
        for plan in plans
        for kind, items in (
            ("moved", plan.moves),
            ("imported", plan.imports),
            ("forgotten (kept in Azure)", plan.forgets),
        )
        if items
    ]
    if migrations:
        lines += [
            "",
            "Between states: "
            + "; ".join(f"`{stack}` {count} {kind}" for stack, kind, count in migrations)
            + ".",
        ]
    for plan in plans:
        if plan.empty and not plan.planned_from:
            continue
        lines += ["", f"<details><summary><code>{plan.stack}</code></summary>", ""]
        if plan.planned_from:
            lines.append("Read from the plans before it, not from deployed state:")
            lines += [
                f"- `{producer}`: {_outputs(outputs)}"
                for producer, outputs in plan.planned_from.items()
            ]
            lines.append("")
        for label, addresses in (
            ("add", plan.adds),
            ("change", plan.changes),
            ("replace", plan.replaces),
            ("destroy", plan.destroys),
            ("move", plan.moves),
            ("import", plan.imports),
            ("forget (kept in Azure)", plan.forgets),
        ):
            lines += [f"- {label} `{address}`{_only_if(plan, address)}" for address in addresses]
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tooling.plan_summary", description=__doc__)
    parser.add_argument("--environment", required=True)
    parser.add_argument(
        "--exit-code",
        action="store_true",
        help="exit 2 when any plan is not empty (drift detection)",
    )
    parser.add_argument(
        "--failed",
        action="store_true",
        help="the plan run failed: say so first (plans may be missing, even all)",
    )
    parser.add_argument(
        "plans",
        nargs="*",
        type=Path,
        help="`terraform show -json` files, <stack>.json, in dependency order",
    )
    args = parser.parse_args(argv)
    if not args.plans and not args.failed:
        parser.error("give the plan files (or --failed when the plan run failed)")
    plans = []
    for path in args.plans:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as err:
            print(f"error: {path}: cannot read: {err.strerror}", file=sys.stderr)
            return 1
        except json.JSONDecodeError as err:
            print(f"error: {path}: not JSON: {err}", file=sys.stderr)
            return 1
        try:
            plans.append(read_plan(path.stem, data, source=str(path)))
        except PlanError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
    print(summarize(args.environment, plans, failed=args.failed), end="")
    if args.exit_code and (args.failed or not all(plan.empty and plan.planned for plan in plans)):
        # A plan that failed, even before it wrote a file, is not "the code matches".
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
