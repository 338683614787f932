"""docs/deployment.md's table of the deployment rules, written from the registry.

python -m policy.rules_doc docs/deployment.md      (make docs)
"""

from __future__ import annotations

import sys
from pathlib import Path

from policy.rules import ACCOUNT_RULES, RULES

TABLE_START, TABLE_END = "<!-- deployment-rules:start -->", "<!-- deployment-rules:end -->"


def markdown_table() -> str:
    """The rules as docs/deployment.md lists them (between TABLE_START and TABLE_END)."""
    rows = ["| rule | what must hold | source |", "|---|---|---|"]
    rows += [
        f"| `{r.id}` | {r.requirement} | [{r.source}]({r.url}) |" for r in (*RULES, *ACCOUNT_RULES)
    ]
    return "\n".join([TABLE_START, *rows, TABLE_END])


def write_table(doc: Path) -> bool:
    """Rewrites the table in doc; True when it changed."""
    text = doc.read_text(encoding="utf-8")
    start, end = text.index(TABLE_START), text.index(TABLE_END) + len(TABLE_END)
    new = text[:start] + markdown_table() + text[end:]
    doc.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python -m policy.rules_doc <file.md>", file=sys.stderr)
        sys.exit(2)
    print("updated" if write_table(Path(sys.argv[1])) else "up to date", sys.argv[1])
