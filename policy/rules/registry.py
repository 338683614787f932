"""The deployment rules' registry: a rule is a function of one synthesized environment that
yields a `Finding` per problem; `@rule` registers it with its id, requirement and source, and
`check` stamps each finding with the rule's id (so each id is written once)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from tooling.synthesized import SynthesizedEnvironment

Json = dict[str, Any]


@dataclass(frozen=True)
class Finding:
    """What a rule's check yields: where, and what is wrong."""

    stack: str
    address: str
    message: str


@dataclass(frozen=True, order=True)
class Violation:
    rule: str
    stack: str
    address: str
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.stack}: {self.address}: {self.message}"


Check = Callable[[SynthesizedEnvironment], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    requirement: str
    """What must hold, in one sentence."""
    source: str
    """The document it comes from: its title."""
    url: str
    check: Check
    across: bool = False
    """Checked over every scope of a synthesis at once (what several scopes share)."""


RULES: list[Rule] = []
"""The rules checked per environment, in the order docs/deployment.md lists them."""
ACCOUNT_RULES: list[Rule] = []
"""The rules checked across the scopes of a synthesis: their check takes one environment whose
stacks are all of them."""


def rule(
    id_: str, requirement: str, source: str, url: str, *, across: bool = False
) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        (ACCOUNT_RULES if across else RULES).append(
            Rule(id_, requirement, source, url, check, across)
        )
        return check

    return register


def violations(rule: Rule, env: SynthesizedEnvironment) -> list[Violation]:
    return [Violation(rule.id, f.stack, f.address, f.message) for f in rule.check(env)]


def check(env: SynthesizedEnvironment, rules: Iterable[Rule] = ()) -> list[Violation]:
    """Every violation of the rules (default: all per-environment rules) in one environment."""
    return sorted(v for r in (rules or RULES) for v in violations(r, env))


def check_across(environments: Iterable[SynthesizedEnvironment]) -> list[Violation]:
    """Every violation of the ACCOUNT_RULES over all environments together."""
    everything = SynthesizedEnvironment(
        name="*", stacks={s: tf for e in environments for s, tf in e.stacks.items()}
    )
    return sorted(v for r in ACCOUNT_RULES for v in violations(r, everything))


def as_list(value: Any) -> list[Json]:
    """A block or a list of blocks: cdktf writes a list, hand-written JSON may hold one object."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
