"""The shipped environments as a JSON list, for a workflow's matrix.

    python -m tooling.environments                 -> ["dev", "prod"]
    python -m tooling.environments --remote-state  -> ["prod"]   (state in Azure Storage)

Only environments whose state is remote can be planned or deployed from CI: a local state file
lives on one machine. Bad configuration fails here as in `main.py --check`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from platform_config import ConfigError, load_environments
from platform_config.model import AzurermState

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"


def main(argv: list[str]) -> int:
    if argv not in ([], ["--remote-state"]):
        print("usage: python -m tooling.environments [--remote-state]", file=sys.stderr)
        return 2
    try:
        configs = load_environments(CONFIG_DIR)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    names = [c.environment for c in configs if not argv or isinstance(c.state, AzurermState)]
    print(json.dumps(names))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
