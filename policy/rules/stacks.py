"""Stacks deploy one by one: by name, reading only what earlier stacks publish."""

from __future__ import annotations

import json
from collections.abc import Iterator

from policy.rules.registry import Finding, rule
from tooling.synthesized import READ, SynthesizedEnvironment


@rule(
    "stack-deploys-by-name",
    "No stack records a manifest dependency, so `cdktf deploy <env>-<stack>` passes the CLI's "
    "stack-dependency check as typed.",
    "CDK for Terraform: Stacks (cross-stack references and dependencies)",
    "https://developer.hashicorp.com/terraform/cdktf/concepts/stacks",
)
def _stack_deploys_by_name(env: SynthesizedEnvironment) -> Iterator[Finding]:
    for stack, dependencies in env.manifest_dependencies.items():
        if dependencies:
            yield Finding(
                stack,
                "manifest.json",
                f"depends on {', '.join(dependencies)}: a value crossed as a cdktf cross-stack "
                "reference; publish it in the producer's contract (stacks/contract.py)",
            )


@rule(
    "contract-read-is-published",
    "Every value a stack reads from another stack's state is an output of an earlier stack of "
    "the same environment.",
    "Terraform: The terraform_remote_state data source",
    "https://developer.hashicorp.com/terraform/language/state/remote-state-data",
)
def _contract_read_is_published(env: SynthesizedEnvironment) -> Iterator[Finding]:
    order = list(env.stacks)
    for position, (stack, tf) in enumerate(env.stacks.items()):
        text = json.dumps({k: tf.get(k, {}) for k in ("resource", "output", "provider", "data")})
        for producer, output in sorted(set(READ.findall(text))):
            if producer not in order[:position]:
                yield Finding(
                    stack,
                    f"data.terraform_remote_state.{producer}",
                    f"reads {producer}, which is not deployed before it in {env.name}",
                )
            elif output not in env.stacks[producer].get("output", {}):
                yield Finding(
                    stack,
                    f"data.terraform_remote_state.{producer}",
                    f"reads output {output!r}, which {producer} does not publish",
                )
