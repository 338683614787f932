"""Summarize Terraform plans for a pull-request comment (or a drift issue), from `terraform show
-json` output, one file per stack in dependency order.

    python -m tooling.plan_summary --environment dev plans/dev-network.json plans/dev-platform.json

prints Markdown: a warning block first when a plan destroys or replaces a stateful resource (the
lake, a Key Vault, the workspace, a catalog, ...), then adds / changes / replaces / destroys per
stack, and what a migration between states does: resources moved to a new address
(`previous_address`), imported (`change.importing`) and forgotten (a `removed` block with
`destroy = false`: Terraform's `forget` action, the object stays). The first line is a hidden
marker (`<!-- mdp-plan:<environment> -->`) by which the workflow finds and updates its own
comment. `--exit-code` exits 2 when any stack would change
(drift detection), 0 when every plan is empty; a file that is not a plan exits 1, naming it.
A stack that tooling.run_stacks did not plan because the stacks it reads are not deployed yet
is listed as waiting; `--failed` says first that the plan run failed (the plans it wrote are
summarized).
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
    waiting_for: dict[str, list[str]] = field(default_factory=dict)
    """Producer stack -> outputs it has not deployed yet: this stack was not planned
    (tooling.run_stacks)."""

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


def read_plan(stack: str, plan: dict[str, Any], *, source: str = "") -> StackPlan:
    where = source or stack
    if isinstance(plan, dict) and isinstance(plan.get("waiting_for"), dict):
        return StackPlan(stack, waiting_for={k: list(v) for k, v in plan["waiting_for"].items()})
    if not isinstance(plan, dict) or "format_version" not in plan:
        raise PlanError(f"{where}: not `terraform show -json` output (no format_version)")
    result = StackPlan(stack)
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
    return result


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


def summarize(environment: str, plans: Sequence[StackPlan], *, failed: bool = False) -> str:
    lines = [MARKER.format(environment=environment), f"### Terraform plan: `{environment}`", ""]
    if failed:
        done = ", ".join(f"`{plan.stack}`" for plan in plans) or "none"
        lines += [
            "> [!WARNING]",
            f"> **The plan failed** after these stacks: {done}. The job's log says why; the "
            "stacks after it were not planned.",
            "",
        ]
    stateful = [(p.stack, action, address) for p in plans for action, address in p.stateful]
    if stateful:
        lines += [
            "> [!CAUTION]",
            "> This plan **destroys or replaces stateful resources**; their data would be lost:",
        ]
        lines += [f"> - `{stack}`: **{action}** `{address}`" for stack, action, address in stateful]
        lines.append("")
    waiting = [plan for plan in plans if plan.waiting_for]
    if waiting:
        lines += [
            "> [!NOTE]",
            "> Not planned: these stacks read outputs that the stacks before them have not "
            "deployed yet (a new environment, or a change that adds an output). Each is planned "
            "once those are deployed.",
        ]
        lines += [
            f"> - `{plan.stack}` waits for "
            + "; ".join(
                f"`{producer}` ({', '.join(f'`{o}`' for o in outputs)})"
                for producer, outputs in plan.waiting_for.items()
            )
            for plan in waiting
        ]
        lines.append("")
    planned = [plan for plan in plans if not plan.waiting_for]
    if all(plan.empty for plan in planned):
        lines.append("No changes: the infrastructure matches the code.")
        return "\n".join(lines) + "\n"
    lines += ["| stack | add | change | replace | destroy |", "|---|---:|---:|---:|---:|"]
    for plan in planned:
        lines.append(
            f"| `{plan.stack}` | {len(plan.adds)} | {len(plan.changes)} | {len(plan.replaces)} "
            f"| {len(plan.destroys)} |"
        )
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
        if plan.empty:
            continue
        lines += ["", f"<details><summary><code>{plan.stack}</code></summary>", ""]
        for label, addresses in (
            ("add", plan.adds),
            ("change", plan.changes),
            ("replace", plan.replaces),
            ("destroy", plan.destroys),
            ("move", plan.moves),
            ("import", plan.imports),
            ("forget (kept in Azure)", plan.forgets),
        ):
            lines += [f"- {label} `{address}`" for address in addresses]
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
    if args.exit_code and not all(plan.empty and not plan.waiting_for for plan in plans):
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
