"""Approve the private endpoints that services create on the platform's resources, pending: the
ingestion factory's managed private endpoints and the serverless network connectivity
configuration's endpoints to the lake (the deploy workflow, after `run_stacks apply`). Every
stack of the environment that publishes the output below is read.

    python -m tooling.approve_endpoints cdktf.out prod

Data Factory creates a managed private endpoint's connection on its target as *pending*, and
azurerm has no resource that approves one. The ingestion stack publishes the output
`private-endpoint-approvals`: for the lake and the platform Key Vault, the target's id and the
private endpoint's name (`<factory>.<managed private endpoint>`). This reads it with
`terraform output -json` and, per target, lists the connections with the Azure CLI and
approves the pending one whose private endpoint has that name; an approved one is left alone,
so a re-run changes nothing. A connection that has not appeared yet is waited for (Data Factory
creates it asynchronously); one still missing after the last attempt fails the step with the
target and the connections found there. The source SQL server's connection is its owner's to
approve (docs/ingestion.md).

The deploying identity needs the right to approve on the targets (Contributor on the resource
group includes it). TERRAFORM and AZ name the executables (default: terraform, az).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vocabulary.azure import resource_name
from vocabulary.platform import APPROVALS_OUTPUT as OUTPUT

DESCRIPTION = "Approved by the platform deploy (mini data platform ingestion)"


def _run(command: list[str]) -> Any:
    print(f"$ {' '.join(command)}", file=sys.stderr, flush=True)
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(result.stdout) if result.stdout.strip() else None


def approvals(stack_dir: Path) -> list[dict[str, str]]:
    terraform = os.environ.get("TERRAFORM", "terraform")
    value = _run([terraform, f"-chdir={stack_dir}", "output", "-json", OUTPUT])
    if not isinstance(value, list) or not all(
        isinstance(v, dict) and {"target_resource_id", "private_endpoint_name"} <= set(v)
        for v in value
    ):
        raise SystemExit(
            f"{stack_dir}: output {OUTPUT} = {value!r}: expected a list of "
            "{target_resource_id, private_endpoint_name}"
        )
    return value


def _endpoint_name(connection: dict[str, Any]) -> str:
    endpoint_id = (connection.get("properties", {}).get("privateEndpoint") or {}).get("id", "")
    return resource_name(str(endpoint_id))


def _status(connection: dict[str, Any]) -> str:
    state = connection.get("properties", {}).get("privateLinkServiceConnectionState") or {}
    return str(state.get("status", ""))


def approve(wanted: list[dict[str, str]], *, attempts: int, wait_seconds: float) -> list[str]:
    """Approves each wanted connection that is pending; returns what was done, one line each."""
    az = os.environ.get("AZ", "az")
    done: list[str] = []
    missing = list(wanted)
    for attempt in range(1, attempts + 1):
        still_missing = []
        for want in missing:
            target, name = want["target_resource_id"], want["private_endpoint_name"]
            connections = _run(
                [az, "network", "private-endpoint-connection", "list", "--id", target, "-o", "json"]
            )
            match = [c for c in connections or [] if _endpoint_name(c) == name]
            if not match:
                still_missing.append(want)
                continue
            connection = match[0]
            if _status(connection) == "Approved":
                done.append(f"{name}: already approved on {target}")
                continue
            if _status(connection) != "Pending":
                raise SystemExit(
                    f"{name} on {target}: the connection is {_status(connection)}, not Pending; "
                    "a rejected or disconnected endpoint must be recreated (taint the managed "
                    "private endpoint in the ingestion stack and apply)"
                )
            _run(
                [
                    az,
                    "network",
                    "private-endpoint-connection",
                    "approve",
                    "--id",
                    connection["id"],
                    "--description",
                    DESCRIPTION,
                    "-o",
                    "json",
                ]
            )
            done.append(f"{name}: approved on {target}")
        missing = still_missing
        if not missing:
            return done
        if attempt < attempts:
            time.sleep(wait_seconds)
    lines = [
        f"{w['private_endpoint_name']} on {w['target_resource_id']}: no connection from it after "
        f"{attempts} attempt(s)"
        for w in missing
    ]
    raise SystemExit("\n".join(lines))


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tooling.approve_endpoints", description=__doc__
    )
    parser.add_argument("outdir", type=Path)
    parser.add_argument("environment")
    parser.add_argument("--attempts", type=int, default=10)
    parser.add_argument("--wait-seconds", type=float, default=30.0)
    args = parser.parse_args(argv)
    if args.attempts < 1 or args.wait_seconds < 0:
        parser.error("--attempts must be at least 1 and --wait-seconds not negative")
    stack_dirs = [
        path.parent
        for path in sorted((args.outdir / "stacks").glob(f"{args.environment}-*/cdk.tf.json"))
        if OUTPUT in json.loads(path.read_text(encoding="utf-8")).get("output", {})
    ]
    if not stack_dirs:
        print(f"{args.environment} has no stack with endpoints to approve")
        return 0
    wanted = [want for stack_dir in stack_dirs for want in approvals(stack_dir)]
    for line in approve(wanted, attempts=args.attempts, wait_seconds=args.wait_seconds):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
