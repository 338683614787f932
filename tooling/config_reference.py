"""docs/configuration.md's field tables, generated from the config model (`make docs`).

The model (platform_config/model/) is the one home of what each field means: its type, its
default and its description. A description's "Default: ..." sentence becomes the default
column (for defaults the code computes, such as `<prefix>_<environment>`); otherwise the
field's own default is shown. A field that is required only in some cases says when in
`json_schema_extra={"required": "..."}`. Literal choices are listed from the type.

    python -m tooling.config_reference --write docs/configuration.md
"""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from platform_config.model import AccountConfig, PlatformConfig

# A description's default sentence: "Default: <text>." up to a sentence end.
_DEFAULT = re.compile(r"\s*Default: (?P<text>.+?)\.(?=\s+[A-Z(`]|\s*$)")
TABLES: dict[str, type[BaseModel]] = {"environment": PlatformConfig, "account": AccountConfig}


@dataclass(frozen=True)
class Row:
    field: str
    required: str
    default: str
    description: str


def _unwrap(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _members(annotation: Any) -> tuple[Any, ...]:
    """The types of a union (X | None, Union[...]) or the type itself."""
    annotation = _unwrap(annotation)
    if get_origin(annotation) in (Union, types.UnionType):
        return tuple(_unwrap(a) for a in get_args(annotation))
    return (annotation,)


def _models(annotation: Any) -> tuple[list[type[BaseModel]], bool]:
    """(models a field holds, whether it holds a list of them)."""
    found: list[type[BaseModel]] = []
    many = False
    for member in _members(annotation):
        if get_origin(member) in (tuple, list):
            args = [_unwrap(a) for a in get_args(member) if a is not Ellipsis]
            inner = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            if inner:
                found += inner
                many = True
        elif isinstance(member, type) and issubclass(member, BaseModel):
            found.append(member)
    return found, many


def _choices(annotation: Any) -> list[str]:
    """The values of the Literal types a field (or its items) takes, in order."""
    values: list[str] = []
    for member in _members(annotation):
        if get_origin(member) in (tuple, list):
            args = [_unwrap(a) for a in get_args(member) if a is not Ellipsis]
            for arg in args:
                values += _choices(arg)
        elif get_origin(member) is Literal:
            values += [str(v) for v in get_args(member)]
    return list(dict.fromkeys(values))


def _code(value: Any) -> str:
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, (tuple, list)):
        return ", ".join(_code(v) for v in value)
    return f"`{value}`"


def _render_default(info: FieldInfo) -> str:
    if info.is_required():
        return ""
    value = info.get_default(call_default_factory=True)
    if value is None or value in ("", (), {}, []) or isinstance(value, BaseModel):
        return "none"
    return _code(value)


def _split_default(description: str) -> tuple[str, str | None]:
    """(description without its default sentence, the sentence's text)."""
    match = _DEFAULT.search(description)
    if match is None:
        return description.strip(), None
    rest = (description[: match.start()] + description[match.end() :]).strip()
    return rest, match["text"]


def _escape(text: str) -> str:
    """Markdown table cell: pipes escaped, <placeholders> shown, not read as HTML."""
    return text.replace("|", "\\|").replace("<", "&lt;")


def _says_no_more(text: str, info: FieldInfo) -> bool:
    """A default sentence that only restates the field's own default value."""
    value = info.get_default(call_default_factory=True)
    plain = {"on": True, "off": False}
    if text.lower() in plain:
        return plain[text.lower()] is value
    if isinstance(value, (tuple, list)):
        return text == ", ".join(str(v) for v in value)
    return text == str(value)


def _row(path: str, info: FieldInfo, required: str, choices: list[str]) -> Row:
    """The field's row. The default column shows the field's own default value when it has a
    concrete one; a computed default (None in the model) comes from the description's
    "Default: ..." sentence, which otherwise stays in the description if it says more."""
    description, default_text = _split_default(info.description or "")
    if choices and not all(choice in description for choice in choices):
        description = f"{description} One of {_code(choices)}.".strip()
    default = _render_default(info)
    if default_text is not None:
        if default == "none":
            default = _escape(default_text)
        elif not _says_no_more(default_text, info):
            description = f"{description} Default: {default_text}.".strip()
    if required == "yes":
        default = ""
    return Row(
        field=f"`{path}`", required=required, default=default, description=_escape(description)
    )


def _required(info: FieldInfo, context: str) -> str:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    explicit = extra.get("required")
    if isinstance(explicit, str):
        return explicit
    if not info.is_required():
        return "no"
    return context


def rows(model: type[BaseModel], prefix: str = "", context: str = "yes") -> Iterator[Row]:
    """One row per field, sections (sub-models) before their fields, in declaration order.

    context: what "required" means inside this model ("yes", "per entry", "with `x`").
    """
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        required = _required(info, context)
        models, many = _models(info.annotation)
        if not models:
            yield _row(path, info, required, _choices(info.annotation))
            continue
        if info.description:
            yield _row(path, info, required, [])
        if many:
            inner = "per entry"
        elif required == "yes":
            inner = "yes"
        else:
            inner = f"with `{path}`"
        if len(models) == 1:
            yield from rows(models[0], f"{path}.", inner)
        else:
            yield from _union_rows(models, f"{path}.", inner)


def _union_rows(models: list[type[BaseModel]], prefix: str, context: str) -> Iterator[Row]:
    """A discriminated union: the discriminator once, with every choice; then each member's
    other fields, required with its choice."""
    common = set.intersection(*(set(m.model_fields) for m in models))
    (discriminator,) = sorted(common)
    first = models[0].model_fields[discriminator]
    choices = [c for m in models for c in _choices(m.model_fields[discriminator].annotation)]
    yield _row(f"{prefix}{discriminator}", first, _required(first, context), choices)
    for model, (choice,) in zip(
        models, (_choices(m.model_fields[discriminator].annotation) for m in models), strict=True
    ):
        for name, info in model.model_fields.items():
            if name == discriminator:
                continue
            when = f"with `{discriminator}: {choice}`"
            required = when if info.is_required() else "no"
            yield _row(f"{prefix}{name}", info, required, _choices(info.annotation))


def markdown_table(model: type[BaseModel]) -> str:
    lines = ["| field | required | default | what, and what is allowed |", "|---|---|---|---|"]
    lines += [f"| {r.field} | {r.required} | {r.default} | {r.description} |" for r in rows(model)]
    return "\n".join(lines)


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- config-reference:{name}:start -->", f"<!-- config-reference:{name}:end -->"


def render(text: str) -> str:
    """text with each generated table replaced by the model's current one."""
    for name, model in TABLES.items():
        start_marker, end_marker = _markers(name)
        if start_marker not in text or end_marker not in text:
            raise ValueError(f"missing {start_marker} ... {end_marker}")
        start, end = text.index(start_marker), text.index(end_marker) + len(end_marker)
        body = "\n".join([start_marker, markdown_table(model), end_marker])
        text = text[:start] + body + text[end:]
    return text


def write(doc: Path) -> bool:
    """Rewrites the tables in doc; True when they changed."""
    text = doc.read_text(encoding="utf-8")
    new = render(text)
    if new != text:
        doc.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"] and len(sys.argv) == 3:
        target = Path(sys.argv[2])
        print("updated" if write(target) else "up to date", target)
        sys.exit(0)
    print("usage: python -m tooling.config_reference --write <file.md>", file=sys.stderr)
    sys.exit(2)
