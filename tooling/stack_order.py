"""The stacks of one environment in dependency order, read from a synth's manifest.

    python -m tooling.stack_order cdktf.out dev      ->  dev-network dev-platform dev-databricks ...

The workflows and `make deploy` run stacks in this order. It comes from the stacks themselves:
a stack reads another's contract through `data.terraform_remote_state.<stack id>`
(stacks/contract.py), so a new stack needs no workflow edit. (The manifest records no
dependencies, so that `cdktf deploy <stack>` runs as typed.)
"""

from __future__ import annotations

import json
import re
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

REMOTE_READ = re.compile(
    r"data\.terraform_remote_state\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)"
)
"""An output of another stack's state, as a synthesized stack reads it: (stack, output)."""


def reads(stack_file: Path) -> list[str]:
    """The stack ids a synthesized stack reads state from."""
    synthesized = json.loads(stack_file.read_text(encoding="utf-8"))
    return sorted(synthesized.get("data", {}).get("terraform_remote_state", {}))


def stack_order(outdir: Path, environment: str) -> list[str]:
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    stacks = {
        name: reads(outdir / body["synthesizedStackPath"])
        for name, body in manifest["stacks"].items()
        if name.startswith(f"{environment}-")
    }
    if not stacks:
        known = sorted({name.split("-", 1)[0] for name in manifest["stacks"]})
        raise ValueError(
            f"{outdir}/manifest.json has no stack of environment {environment!r}; "
            f"environments: {', '.join(known)}"
        )
    sorter = TopologicalSorter(
        {name: set(deps) & set(stacks) for name, deps in sorted(stacks.items())}
    )
    order: list[str] = []
    sorter.prepare()
    while sorter.is_active():
        ready = sorted(sorter.get_ready())  # stable: alphabetical among independent stacks
        order += ready
        sorter.done(*ready)
    return order


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m tooling.stack_order <cdktf.out> <environment>", file=sys.stderr)
        return 2
    try:
        print(" ".join(stack_order(Path(argv[0]), argv[1])))
    except (OSError, ValueError, CycleError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
