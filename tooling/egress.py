"""What a firewall must allow for Databricks classic compute, from vocabulary/egress.py.

    python -m tooling.egress config/prod.yaml            one environment's list, for IT
    python -m tooling.egress --write-docs docs/deployment.md      (make docs)

The sandbox's firewall (components/egress.py) is built from the same list, and the deployment
rules `firewall-allows-*` check it; docs/deployment.md's table (between EGRESS_START and
EGRESS_END) is written from it, and a test fails when that table is stale.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from vocabulary import egress

EGRESS_START, EGRESS_END = "<!-- egress-allow-list:start -->", "<!-- egress-allow-list:end -->"


def markdown_table() -> str:
    rows = ["| to | destination | TCP ports | why | source |", "|---|---|---|---|---|"]
    rows += [f"| {' | '.join(row)} |" for row in egress.documented_rows()]
    return "\n".join([EGRESS_START, *rows, EGRESS_END])


def write_docs(doc: Path) -> bool:
    text = doc.read_text(encoding="utf-8")
    if EGRESS_START not in text or EGRESS_END not in text:
        raise ValueError(f"{doc}: no {EGRESS_START} ... {EGRESS_END} markers")
    start, end = text.index(EGRESS_START), text.index(EGRESS_END) + len(EGRESS_END)
    new = text[:start] + markdown_table() + text[end:]
    doc.write_text(new, encoding="utf-8")
    return new != text


def environment_list(config_file: Path) -> str:
    """One environment's allow list, resolved for its region, as lines for IT."""
    from platform_config import load_environment

    config = load_environment(config_file)
    sources = ", ".join(
        (config.network.subnets.databricks_host, config.network.subnets.databricks_container)
    )
    lines = [f"# {config.environment}: from the Databricks subnets {sources}"]
    for allowed in config.egress_allow_list:
        r = allowed.requirement
        kind = "service tag" if r.kind == "service_tag" else "FQDN, HTTPS"
        lines.append(
            f"{', '.join(allowed.destinations)}  ({kind}; TCP {', '.join(r.ports)}): {r.what}"
        )
    if not config.databricks.public_network_access:
        lines.append(
            "# the control plane (AzureDatabricks) is reached through the workspace's ui_api "
            "private endpoint (back-end Private Link), not the firewall"
        )
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    usage = "usage: python -m tooling.egress <config/env.yaml> | --write-docs <docs/deployment.md>"
    if len(argv) == 2 and argv[0] == "--write-docs":
        print("updated" if write_docs(Path(argv[1])) else "up to date", argv[1])
        return 0
    if len(argv) != 1 or argv[0].startswith("-"):
        print(usage, file=sys.stderr)
        return 2
    from platform_config import ConfigError

    path = Path(argv[0])
    if not path.is_file():
        print(f"error: {path}: no such configuration file", file=sys.stderr)
        return 2
    try:
        print(environment_list(path))
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
