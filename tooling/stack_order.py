"""The stacks of one environment in dependency order, read from a synth's manifest.

    python -m tooling.stack_order cdktf.out dev      ->  dev-network dev-platform dev-databricks ...

The workflows and `make deploy` run stacks in this order. It comes from the stacks themselves:
a stack reads another's contract through `data.terraform_remote_state.<stack id>`
(stacks/contract.py), so a new stack needs no workflow edit. (The manifest records no
dependencies, so that `cdktf deploy <stack>` runs as typed.) The order itself is computed by
tooling/synthesized.py, the one reader of synthesized output; this is its command line.
"""

from __future__ import annotations

import sys
from graphlib import CycleError
from pathlib import Path

from tooling.synthesized import stack_order


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
