"""Deployment rules: what a first real deployment needs, checked on the synthesized stacks.

Nothing here can reach Azure or Databricks, so each requirement that a service documents (and
that Terraform would only meet at apply time, or the service at run time) is a rule over every
environment's synthesized Terraform JSON, read through tooling.synthesized. Each rule names the
document it comes from; a test shows each one failing on a broken copy of a real stack
(tests/test_deployment_rules.py), and docs/deployment.md lists them (policy/rules_doc.py).

One module per subject; importing this package registers them all, in the order the docs list
them. A new rule goes in its subject's module (or a new one imported below) with `@rule`.

    python -m policy cdktf.out          (make policy: checkov, then these rules)
"""

import importlib

SUBJECTS: tuple[str, ...] = (
    "stacks",
    "network",
    "egress",
    "private_endpoints",
    "create_time",
    "provider_values",
    "resource_providers",
    "secrets",
    "jobs",
    "workspace_access",
    "unity_catalog",
    "data_factory",
    "encryption",
    "monitoring",
    "account",
)
"""The subject modules, in the order docs/deployment.md lists their rules."""

for _subject in SUBJECTS:
    importlib.import_module(f"policy.rules.{_subject}")  # registers its rules

from policy.rules.registry import (  # noqa: E402
    ACCOUNT_RULES,
    RULES,
    Finding,
    Rule,
    Violation,
    check,
    check_across,
    rule,
)

RULES.sort(key=lambda r: SUBJECTS.index(r.check.__module__.rsplit(".", 1)[1]))

__all__ = [
    "ACCOUNT_RULES",
    "RULES",
    "Finding",
    "Rule",
    "Violation",
    "check",
    "check_across",
    "rule",
]
