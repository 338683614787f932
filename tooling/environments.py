"""The shipped environments as a JSON list, for a workflow's matrix.

    python -m tooling.environments                 -> ["dev", "prod", "sandbox"]
    python -m tooling.environments --remote-state  -> ["dev", "mdp", "prod"]
    python -m tooling.environments --accounts      -> ["mdp"]   (account scopes, remote state)

--remote-state lists what CI can plan: the environments and the account scopes
(config/accounts/, whose one stack is `<account>-account`) whose state is in Azure Storage; a
local state file lives on one machine. Bad configuration fails here as in `main.py --check`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from platform_config import ConfigError, load_environments
from platform_config.loader import load_accounts
from platform_config.model import AzurermState

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"


def main(argv: list[str]) -> int:
    if argv not in ([], ["--remote-state"], ["--accounts"]):
        print(
            "usage: python -m tooling.environments [--remote-state | --accounts]", file=sys.stderr
        )
        return 2
    try:
        configs = load_environments(CONFIG_DIR)
        accounts = load_accounts(CONFIG_DIR)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if not argv:
        print(json.dumps([c.environment for c in configs]))
        return 0
    remote_accounts = [a.account for a in accounts if isinstance(a.state, AzurermState)]
    if argv == ["--accounts"]:
        print(json.dumps(sorted(remote_accounts)))
        return 0
    remote = [c.environment for c in configs if isinstance(c.state, AzurermState)]
    print(json.dumps(sorted(remote + remote_accounts)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
