"""Draw the platform from the synthesized stacks: `make diagram`.

    python -m tooling.diagram cdktf.out dev docs/assets/mini-data-platform.svg

Reads one environment's synthesized stacks (manifest.json and each cdk.tf.json) and draws each
stack as a cluster, each resource type in it as a node (with its count), every contract
value read from another stack's state as a dashed edge from the resource that produces the
value to the one that reads it, and the data flow (source database -> Data Factory -> landing
-> bronze/silver -> dbt -> gold) as bold edges. Graphviz runs as WebAssembly in Node
(tooling/render_dot.mjs), so nothing beyond the README's set-up is needed. The output is
deterministic: a test regenerates it and compares.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tooling.synthesized import REFERENCE, REMOTE_READ, load_stack, stack_order

ROOT = Path(__file__).resolve().parent.parent
RENDERER = Path(__file__).resolve().parent / "render_dot.mjs"
_COLORS = {
    "network": "#e8f0fe",
    "platform": "#e6f4ea",
    "databricks": "#fce8e6",
    "databricks-keys": "#fbe9e7",
    "unity-catalog": "#fef7e0",
    "workloads": "#f3e8fd",
    "ingestion": "#e0f7fa",
    "governance": "#eceff1",
}


def _node(stack: str, resource_type: str) -> str:
    return json.dumps(f"{stack}/{resource_type}", ensure_ascii=False)


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key != "//":
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def to_dot(outdir: Path, environment: str) -> str:
    stacks = stack_order(outdir, environment)
    synthesized = {s: load_stack(outdir, s) for s in stacks}
    lines = [
        "digraph platform {",
        '  graph [rankdir=LR, fontname="Helvetica", fontsize=12, compound=true, newrank=true,',
        f'         label="Mini Data Platform: the stacks of {environment}, drawn from cdktf.out",'
        " labelloc=t];",
        '  node [shape=box, style="rounded,filled", fillcolor=white, fontname="Helvetica",'
        " fontsize=10];",
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    producers: dict[tuple[str, str], str] = {}  # (stack, output) -> producing node
    for stack in stacks:
        tf = synthesized[stack]
        kind = stack.split("-", 1)[1]
        counts = Counter({t: len(items) for t, items in tf.get("resource", {}).items()})
        lines.append(f'  subgraph "cluster_{stack}" {{')
        lines.append(
            f'    label="{stack}"; style="rounded,filled"; '
            f'fillcolor="{_COLORS.get(kind, "#f1f3f4")}";'
        )
        for resource_type, count in sorted(counts.items()):
            label = resource_type if count == 1 else f"{resource_type} ×{count}"
            quoted = json.dumps(label, ensure_ascii=False)  # DOT reads UTF-8, not \u escapes
            lines.append(f"    {_node(stack, resource_type)} [label={quoted}];")
        lines.append("  }")
        for name, output in tf.get("output", {}).items():
            value = str(output.get("value", ""))
            # A resource attribute; an output that passes on another stack's output has the
            # producer of that one.
            match = REFERENCE.search(value)
            passed_on = REMOTE_READ.search(value)
            if match and not match["data"]:
                producers[(stack, name)] = _node(stack, match["type"])
            elif passed_on and (passed_on["stack"], passed_on["output"]) in producers:
                producers[(stack, name)] = producers[(passed_on["stack"], passed_on["output"])]
    edges: set[tuple[str, str]] = set()
    for stack in stacks:
        for resource_type, items in synthesized[stack].get("resource", {}).items():
            for body in items.values():
                for text in _strings(body):
                    for match in REMOTE_READ.finditer(text):
                        producer = producers.get((match["stack"], match["output"]))
                        if producer:
                            edges.add((producer, _node(stack, resource_type)))
    lines += [f'  {a} -> {b} [style=dashed, color="#5f6368"];' for a, b in sorted(edges)]
    lines += _data_flow(stacks, synthesized)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _data_flow(stacks: list[str], synthesized: dict[str, dict[str, Any]]) -> list[str]:
    """The path the data takes, over the resources that carry it (when they exist)."""
    by_type: dict[str, str] = {}
    for stack in stacks:
        for resource_type in synthesized[stack].get("resource", {}):
            by_type.setdefault(resource_type, _node(stack, resource_type))
    has_factory = "azurerm_data_factory" in by_type
    lines = [
        '  "source" [label="source database\\n(AdventureWorksLT on Azure SQL)", shape=cylinder,'
        ' fillcolor="#fff3e0"];',
        '  "gold" [label="gold: dbt marts\\n(fct_order_lines, sales_by_...)", shape=folder,'
        ' fillcolor="#fff3e0"];',
    ]
    factory = by_type.get("azurerm_data_factory", '"factory"')
    if not has_factory:
        lines.append(
            '  "factory" [label="Data Factory copy pipeline\\n(ingestion stack)",'
            ' style="rounded,dashed"];'
        )
    flow = [
        '"source"',
        factory,
        by_type.get("azurerm_storage_container", '"landing"'),
        by_type.get("databricks_job", '"job"'),
        by_type.get("databricks_sql_endpoint", '"dbt"'),
        '"gold"',
    ]
    labels = ["copy", "Parquet into landing", "bronze, silver notebooks", "dbt build", ""]
    edge = '[color="#e37400", penwidth=2.5, label={label}]'
    return lines + [
        f"  {a} -> {b} {edge.format(label=json.dumps(label))};"
        for a, b, label in zip(flow, flow[1:], labels, strict=False)
    ]


def render(dot: str) -> str:
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not on the PATH: run `make diagram` (it sets it up)")
    proc = subprocess.run(
        [node, str(RENDERER)], input=dot, capture_output=True, text=True, cwd=ROOT, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"rendering failed: {proc.stderr[-1000:]}")
    return proc.stdout


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(
            "usage: python -m tooling.diagram <cdktf.out> <environment> <out.svg>", file=sys.stderr
        )
        return 2
    outdir, environment, target = Path(argv[0]), argv[1], Path(argv[2])
    try:
        svg = render(to_dot(outdir, environment))
    except (OSError, ValueError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(svg, encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
