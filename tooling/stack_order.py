"""The stacks of one environment in dependency order, read from a synth's manifest.

    python -m tooling.stack_order cdktf.out dev      ->  dev-network dev-platform dev-databricks ...

The workflows plan and deploy stacks in this order; it comes from the cross-stack references
cdktf recorded (`manifest.json`), so a new stack needs no workflow edit.
"""

from __future__ import annotations

import json
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path


def stack_order(outdir: Path, environment: str) -> list[str]:
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    stacks = {
        name: body.get("dependencies", [])
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
