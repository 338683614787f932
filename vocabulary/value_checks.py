"""The providers' plan-time value checks, as functions: one implementation for every reader.

A check is the dict `vocabulary.providers.ValueCheck.as_rule()` writes: {"attribute" (dotted),
"kind", "allowed", "ignore_case", "when", "source"}. The rehearsal provider runs these checks on
planned values (rehearsal/schema_provider.py, which imports only this module of the project's),
the deployment rule `provider-accepts-values` on the literal values of the synthesized stacks,
and datafactory on adf/'s trigger definitions. Standard library only: the rehearsal provider runs
in its own environment.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Iterator
from typing import Any


def _values_at(value: Any, segments: list[str]) -> Iterator[Any]:
    """The values at a dotted path: each element of a block list, each item of a list value."""
    if isinstance(value, list):
        for item in value:
            yield from _values_at(item, segments)
    elif not segments:
        yield value
    elif isinstance(value, dict):
        yield from _values_at(value.get(segments[0]), segments[1:])


_PERIOD = re.compile(
    r"P(?:(?P<Y>\d+)Y)?(?:(?P<M>\d+)M)?(?:(?P<W>\d+)W)?(?:(?P<D>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?"
)
_ARM_ID = re.compile(r"/subscriptions/[^/]+/resourceGroups/[^/]+/providers/[^/]+/[^/]+/[^/]+(/.+)?")
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
_DAYS_PER = {
    "Y": 365.2425,
    "M": 30.436875,
    "W": 7,
    "D": 1,
    "h": 1 / 24,
    "m": 1 / 1440,
    "s": 1 / 86400,
}
"""As the providers' period.DurationApprox counts (a year 365.2425 days, a month 1/12 of it)."""


def days(period: str) -> float | None:
    """An ISO 8601 period in days, or None when it does not parse."""
    match = _PERIOD.fullmatch(period)
    if not match or period in ("P", "PT") or period.endswith("T"):
        return None
    return sum(int(v) * _DAYS_PER[k] for k, v in match.groupdict().items() if v)


def _listed(check: dict[str, Any], value: Any) -> tuple[list[str], bool]:
    options = [str(a) for a in check["allowed"]]
    if check.get("ignore_case"):
        return options, str(value).lower() in [o.lower() for o in options]
    return options, str(value) in options


def _enum(check: dict[str, Any], value: Any) -> str | None:
    options, listed = _listed(check, value)
    return None if listed else f"to be one of {options}, got {value}"


def _not_in(check: dict[str, Any], value: Any) -> str | None:
    options, listed = _listed(check, value)
    return f"not to be any of {options}, got {value}" if listed else None


def _range(check: dict[str, Any], value: Any) -> str | None:
    low, high = check["allowed"].get("min"), check["allowed"].get("max")
    inside = isinstance(value, int | float) and not (
        (low is not None and value < low) or (high is not None and value > high)
    )
    return None if inside else f"to be in the range ({low} - {high}), got {value}"


def _pattern(pattern: str | None) -> Callable[[dict[str, Any], Any], str | None]:
    def check_pattern(check: dict[str, Any], value: Any) -> str | None:
        wanted = pattern or check["allowed"]
        # re.ASCII: Go's RE2 reads \w and \d as ASCII only.
        matched = re.fullmatch(wanted, str(value), flags=re.ASCII)
        return None if matched else f"to match {wanted}, got {value!r}"

    return check_pattern


def _duration(check: dict[str, Any], value: Any) -> str | None:
    length = days(str(value))
    if length is None:
        return f"to be an ISO 8601 duration, got {value!r}"
    low, high = ((check["allowed"] or {}).get(k) for k in ("min", "max"))
    if (low and length < (days(low) or 0)) or (high and length > (days(high) or 0)):
        return f"to be a duration between {low} and {high}, got {value}"
    return None


_IPV4_OR_CIDR = re.compile(r"(?P<address>[0-9.]+)(/(?P<prefix>[0-9]{1,2}))?", re.ASCII)


def _ipv4_or_cidr(check: dict[str, Any], value: Any) -> str | None:
    # validation.IsIPv4Address / IsCIDR: IPv4 only, a CIDR as address/prefix length.
    match = _IPV4_OR_CIDR.fullmatch(str(value))
    try:
        if match is None or int(match["prefix"] or 0) > 32:
            raise ValueError(value)
        ipaddress.IPv4Address(match["address"])
    except ValueError:
        return f"to be an IPv4 address or CIDR, got {value!r}"
    return None


KINDS: dict[str, Callable[[dict[str, Any], Any], str | None]] = {
    "enum": _enum,
    "not_in": _not_in,
    "range": _range,
    "regex": _pattern(None),
    "arm_id": _pattern(_ARM_ID.pattern),
    "rfc3339": _pattern(_RFC3339.pattern),
    "not_empty": lambda check, value: None if str(value) else "not to be an empty string",
    "duration": _duration,
    "ipv4_or_cidr": _ipv4_or_cidr,
    # Relative to where Terraform runs, as the provider's os.Stat.
    "file_exists": lambda check, value: None if os.path.exists(str(value)) else "missing",
}


def refused(check: dict[str, Any], value: Any) -> str | None:
    """What the provider says of a value its check refuses, else None."""
    said = KINDS[check["kind"]](check, value)
    if said is None:
        return None
    if check["kind"] == "file_exists":
        return f"File {value} does not exist"  # the provider's own words
    return f"expected {check['attribute'].rsplit('.', 1)[-1]} {said}"


def check_values(
    checks: list[dict[str, Any]],
    config: Any,
    unknown: Callable[[Any], bool] = lambda value: False,
) -> Iterator[tuple[str, str]]:
    """(attribute, what the provider says) of each value a check refuses; values that are null
    or `unknown` (known only after apply) are not checked, as the providers skip them."""
    for check in checks:
        if check.get("when"):
            condition = config.get(check["when"]) if isinstance(config, dict) else None
            if condition in (None, "", False, [], {}) or unknown(condition):
                continue
        for value in _values_at(config, check["attribute"].split(".")):
            if value is None or unknown(value):
                continue
            said = refused(check, value)
            if said:
                yield check["attribute"], f"{said} ({check.get('source', '')})"
