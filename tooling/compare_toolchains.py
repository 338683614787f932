"""Compare two synthesized outputs, CDK for Terraform's and CDK Terrain's, stack by stack.

    python -m tooling.compare_toolchains cdktf.out cdktn.out

They must be identical after a documented normalization, which removes only what names the
toolchain itself:
  - `terraform.required_providers.<name>.version`: each toolchain's prebuilt providers pin their
    own provider versions (azurerm 4.55 / 4.81, databricks 1.99 / 1.138);
  - `//.metadata.version`: the toolchain's version.
Anything else that differs is reported as `<stack>: <address>: <attribute>: <cdktf> != <cdktn>`
(an address present on one side only, as `only in <side>`), and the exit status is 1.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

NORMALIZED = (
    ("terraform", "required_providers", "*", "version"),
    ("//", "metadata", "version"),
)
# Top-level blocks whose entries are addressed by type and name (resource.<type>.<name>).
_TWO_LEVEL = {"resource", "data"}


def stacks(outdir: Path) -> dict[str, dict[str, Any]]:
    """Stack name -> its cdk.tf.json."""
    return {
        path.parent.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(outdir.glob("stacks/*/cdk.tf.json"))
    }


def _drop(tree: Any, path: Sequence[str]) -> None:
    if not path or not isinstance(tree, dict):
        return
    head, rest = path[0], path[1:]
    keys = list(tree) if head == "*" else [head]
    for key in keys:
        if key not in tree:
            continue
        if rest:
            _drop(tree[key], rest)
        else:
            del tree[key]


def normalize(stack: dict[str, Any]) -> dict[str, Any]:
    """A copy of the stack without what names the toolchain (NORMALIZED)."""
    copy: dict[str, Any] = json.loads(json.dumps(stack))
    for path in NORMALIZED:
        _drop(copy, path)
    return copy


def addresses(stack: dict[str, Any]) -> dict[str, Any]:
    """`resource.azurerm_subnet.x`, `output.y`, `terraform`, ... -> its body."""
    found: dict[str, Any] = {}
    for block, body in stack.items():
        if block in _TWO_LEVEL and isinstance(body, dict):
            for kind, by_name in body.items():
                for name, value in by_name.items():
                    found[f"{block}.{kind}.{name}"] = value
        elif isinstance(body, dict) and block not in ("terraform", "//"):
            for name, value in body.items():
                found[f"{block}.{name}"] = value
        else:
            found[block] = body
    return found


def _differences(left: Any, right: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right)):
            where = f"{path}.{key}" if path else key
            if key not in left or key not in right:
                yield where, left.get(key, "<absent>"), right.get(key, "<absent>")
            else:
                yield from _differences(left[key], right[key], where)
    elif isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            yield from _differences(a, b, f"{path}[{index}]")
    elif left != right:
        yield path or "(value)", left, right


def compare(cdktf_out: Path, cdktn_out: Path) -> list[str]:
    """Every difference after normalization, one line each; empty when identical."""
    ours, theirs = stacks(cdktf_out), stacks(cdktn_out)
    problems = [f"{name}: only in cdktf ({cdktf_out})" for name in sorted(set(ours) - set(theirs))]
    problems += [f"{name}: only in cdktn ({cdktn_out})" for name in sorted(set(theirs) - set(ours))]
    if not ours:
        problems.append(f"{cdktf_out}: no synthesized stacks")
    for name in sorted(set(ours) & set(theirs)):
        left, right = addresses(normalize(ours[name])), addresses(normalize(theirs[name]))
        for address in sorted(set(left) | set(right)):
            if address not in right:
                problems.append(f"{name}: {address}: only in cdktf")
            elif address not in left:
                problems.append(f"{name}: {address}: only in cdktn")
            else:
                problems += [
                    f"{name}: {address}: {attribute}: {json.dumps(a)} != {json.dumps(b)}"
                    for attribute, a, b in _differences(left[address], right[address], "")
                ]
    return problems


def main(argv: Sequence[str]) -> int:
    if len(argv) != 2:
        print(
            "usage: python -m tooling.compare_toolchains <cdktf.out> <cdktn.out>", file=sys.stderr
        )
        return 2
    cdktf_out, cdktn_out = (Path(a) for a in argv)
    for outdir in (cdktf_out, cdktn_out):
        if not (outdir / "manifest.json").is_file():
            print(f"error: {outdir}: no synthesized output (manifest.json)", file=sys.stderr)
            return 2
    problems = compare(cdktf_out, cdktn_out)
    for problem in problems:
        print(problem)
    count = len(stacks(cdktf_out))
    if problems:
        print(f"cdktf and cdktn differ: {len(problems)} difference(s) in {count} stacks")
        return 1
    total = sum(len(addresses(s)) for s in stacks(cdktf_out).values())
    print(
        f"cdktf and cdktn synthesize the same {count} stacks ({total} addresses) "
        "after normalization"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
