"""The part of Data Factory's expression language the platform's pipelines use: parsed with a
lark grammar, checked at synth time and evaluated offline by the local pipeline runner.

Microsoft's data-factory-testing-framework evaluates expressions through a .NET runtime these
machines cannot install, so the platform evaluates the subset it uses itself, and refuses
anything else with the expression and the reason. Using a new function in `adf/` means adding it
here, with a test; `main.py --check` says so for every expression that uses one.

Where a string is an expression (as Data Factory reads it):
- `"@..."` is one expression, of any type; `"@@..."` is the literal string `"@..."`;
- `"...@{expr}..."` is string interpolation: each `@{...}` is evaluated and made a string;
- `{"value": "...", "type": "Expression"}` holds such a string;
- anything else is a literal.

Grammar: function calls `name(arg, ...)` (names case-insensitive), string literals in single
quotes (`''` is a quote), integers, decimals, `true`, `false`, `null`, property access `.name`
and `?.name` (case-sensitive) and indexing `[expr]`.

Supported functions (`FUNCTIONS` documents each):
- context: `pipeline()`, `variables('name')`, `item()`, `dataset()`, `linkedService()`;
- logic: `if`, `equals`, `not`, `and`, `or`, `empty`, `coalesce`;
- strings and conversion: `concat`, `toLower`, `toUpper`, `string`, `int`, `json`, `length`;
- dates: `formatDateTime`, `addDays`, `utcnow`, with the .NET format tokens `yyyy MM dd HH mm
  ss fff fffffff`, quoted literals, the separators `- : / . T _` and space, and the standard
  format `o` (the default: `2024-06-01T00:00:00.0000000Z`).

Where the service's behaviour is not certain, this reading is the stricter one: `if` evaluates
both branches, property names are matched exactly, and `equals` compares strings exactly.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import LarkError, UnexpectedInput, VisitError

_GRAMMAR = r"""
?start: expr
?expr: atom
     | expr "." NAME            -> prop
     | expr "?." NAME           -> safe_prop
     | expr "[" expr "]"        -> index
?atom: call
     | STRING                   -> string
     | NUMBER                   -> number
     | "true"                   -> true
     | "false"                  -> false
     | "null"                   -> null
call: NAME "(" [expr ("," expr)*] ")"

NAME: /[A-Za-z_][A-Za-z0-9_]*/
STRING: /'(?:[^']|'')*'/
NUMBER: /-?[0-9]+(\.[0-9]+)?/
WS: /[ \t\r\n]+/
%ignore WS
"""


class ExpressionError(ValueError):
    """An expression that does not parse, uses what is not supported, or fails to evaluate."""


# The syntax tree.
@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Call:
    name: str
    """Lowercased: Data Factory's function names are case-insensitive."""
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Prop:
    target: Node
    name: str
    safe: bool = False


@dataclass(frozen=True)
class Index:
    target: Node
    key: Node


Node = Literal | Call | Prop | Index


@v_args(inline=True)
class _ToTree(Transformer[Token, Node]):
    def string(self, token: Token) -> Literal:
        return Literal(token[1:-1].replace("''", "'"))

    def number(self, token: Token) -> Literal:
        return Literal(float(token) if "." in token else int(token))

    def true(self) -> Literal:
        return Literal(True)

    def false(self) -> Literal:
        return Literal(False)

    def null(self) -> Literal:
        return Literal(None)

    def call(self, name: Token, *args: Node | None) -> Call:
        return Call(str(name).lower(), tuple(a for a in args if a is not None))

    def prop(self, target: Node, name: Token) -> Prop:
        return Prop(target, str(name))

    def safe_prop(self, target: Node, name: Token) -> Prop:
        return Prop(target, str(name), safe=True)

    def index(self, target: Node, key: Node) -> Index:
        return Index(target, key)


_PARSER = Lark(_GRAMMAR, parser="lalr", maybe_placeholders=True)


@functools.lru_cache(maxsize=1024)
def parse(expression: str) -> Node:
    """The tree of one expression (without its leading `@`)."""
    try:
        tree: Node = _ToTree().transform(_PARSER.parse(expression))
        return tree
    except UnexpectedInput as err:
        raise ExpressionError(
            f"does not parse at column {err.column}: {_caret(expression, err.column)}"
        ) from None
    except (LarkError, VisitError) as err:
        raise ExpressionError(f"does not parse: {err}") from None


def _caret(text: str, column: int) -> str:
    column = max(column, 1)
    return f"{text[: column - 1]}>>>{text[column - 1 :]}"


# Where strings hold expressions.
@dataclass(frozen=True)
class Template:
    """A string value as Data Factory reads it: literal text and expressions."""

    parts: tuple[str | Node, ...]
    whole: bool
    """True for `@expr` (the value is the expression's, of any type); False for text with
    `@{...}` interpolations (the value is a string)."""

    def expressions(self) -> Iterator[Node]:
        return (part for part in self.parts if not isinstance(part, str))


def template(text: str) -> Template:
    """How Data Factory reads a string value; ExpressionError when an expression is malformed."""
    if text.startswith("@@"):
        return Template((text[1:],), whole=False)
    if text.startswith("@") and not text.startswith("@{"):
        return Template((parse(text[1:]),), whole=True)
    parts: list[str | Node] = []
    rest = text
    while (start := rest.find("@{")) >= 0:
        end = _closing_brace(rest, start + 2)
        if end < 0:
            raise ExpressionError("an interpolation @{ has no closing }")
        if start:
            parts.append(rest[:start])
        parts.append(parse(rest[start + 2 : end]))
        rest = rest[end + 1 :]
    if rest:
        parts.append(rest)
    return Template(tuple(parts), whole=False)


def _closing_brace(text: str, at: int) -> int:
    quoted = False
    for index in range(at, len(text)):
        char = text[index]
        if char == "'":
            quoted = not quoted  # '' inside a literal toggles twice: still quoted
        elif char == "}" and not quoted:
            return index
    return -1


def is_expression(value: Any) -> bool:
    """Whether a JSON value is (or holds) an expression rather than a literal."""
    if isinstance(value, dict):
        return value.get("type") == "Expression" and isinstance(value.get("value"), str)
    return isinstance(value, str) and (value.startswith("@") or "@{" in value)


def expression_text(value: Any) -> str:
    return str(value["value"] if isinstance(value, dict) else value)


def walk(node: Node) -> Iterator[Node]:
    yield node
    if isinstance(node, Call):
        for arg in node.args:
            yield from walk(arg)
    elif isinstance(node, Prop):
        yield from walk(node.target)
    elif isinstance(node, Index):
        yield from walk(node.target)
        yield from walk(node.key)


@dataclass(frozen=True)
class Reference:
    scope: str
    """pipeline (a parameter), variable, dataset or linkedService (their parameters)."""
    name: str


def references(node: Node) -> Iterator[Reference]:
    """Parameters and variables an expression reads (`pipeline().parameters.x`,
    `variables('x')`, `dataset().x`, `linkedService().x`)."""
    for sub in walk(node):
        if (
            isinstance(sub, Prop)
            and isinstance(sub.target, Call)
            and sub.target.name in ("dataset", "linkedservice")
            and not sub.target.args
        ):
            yield Reference(
                "dataset" if sub.target.name == "dataset" else "linkedService", sub.name
            )
        if (
            isinstance(sub, Prop)
            and isinstance(sub.target, Prop)
            and sub.target.name == "parameters"
            and sub.target.target == Call("pipeline", ())
        ):
            yield Reference("pipeline", sub.name)
        if (
            isinstance(sub, Call)
            and sub.name == "variables"
            and len(sub.args) == 1
            and isinstance(sub.args[0], Literal)
            and isinstance(sub.args[0].value, str)
        ):
            yield Reference("variable", sub.args[0].value)


def unsupported(node: Node) -> list[str]:
    """What an expression uses that this evaluator does not support (empty when all is)."""
    problems = []
    for sub in walk(node):
        if isinstance(sub, Call):
            spec = FUNCTIONS.get(sub.name)
            if spec is None:
                problems.append(
                    f"function {sub.name}() is not supported offline; supported: "
                    f"{', '.join(sorted(f.name for f in FUNCTIONS.values()))} "
                    "(add it to platform_config/adf_expressions.py, with a test)"
                )
            elif not spec.min_args <= len(sub.args) <= spec.max_args:
                problems.append(f"{spec.name}() takes {spec.arity()}, not {len(sub.args)}")
    return problems


# Evaluation.
@dataclass(frozen=True)
class Context:
    """What an expression can read while it is evaluated."""

    pipeline: Mapping[str, Any] = field(default_factory=dict)
    """pipeline(): DataFactory, Pipeline, RunId, TriggerTime, TriggerType, TriggerName and
    parameters."""
    variables: Mapping[str, Any] = field(default_factory=dict)
    item: Any = None
    has_item: bool = False
    dataset: Mapping[str, Any] | None = None
    linked_service: Mapping[str, Any] | None = None
    now: dt.datetime | None = None
    """utcnow(): the run's clock (the trigger time in the local runner)."""

    def with_item(self, item: Any) -> Context:
        return Context(
            self.pipeline, self.variables, item, True, self.dataset, self.linked_service, self.now
        )


def evaluate(node: Node, context: Context) -> Any:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Prop):
        return _property(evaluate(node.target, context), node.name, safe=node.safe)
    if isinstance(node, Index):
        return _index(evaluate(node.target, context), evaluate(node.key, context))
    spec = FUNCTIONS.get(node.name)
    if spec is None or not spec.min_args <= len(node.args) <= spec.max_args:
        raise ExpressionError("; ".join(unsupported(node)))
    return spec.apply(context, [evaluate(arg, context) for arg in node.args])


def _property(target: Any, name: str, *, safe: bool) -> Any:
    if target is None and safe:
        return None
    if not isinstance(target, Mapping):
        raise ExpressionError(f"property {name!r} read from {_kind(target)}")
    if name in target:
        return target[name]
    if safe:
        return None
    raise ExpressionError(
        f"property {name!r} does not exist; available: "
        f"{', '.join(sorted(map(str, target))) or 'none'}"
    )


def _index(target: Any, key: Any) -> Any:
    if isinstance(target, list) and isinstance(key, int) and not isinstance(key, bool):
        if not 0 <= key < len(target):
            raise ExpressionError(f"index {key} is outside an array of {len(target)}")
        return target[key]
    if isinstance(target, Mapping) and isinstance(key, str):
        return _property(target, key, safe=False)
    raise ExpressionError(f"{_kind(target)} cannot be indexed by {_kind(key)}")


def evaluate_text(text: str, context: Context) -> Any:
    """The value of a string as Data Factory reads it (literal, expression or interpolation)."""
    parsed = template(text)
    if parsed.whole:
        return evaluate(parsed.parts[0], context)  # type: ignore[arg-type]
    return "".join(
        part if isinstance(part, str) else _to_string(evaluate(part, context))
        for part in parsed.parts
    )


def evaluate_value(value: Any, context: Context) -> Any:
    """A JSON value with every expression in it evaluated."""
    if isinstance(value, dict):
        if is_expression(value):
            return evaluate_text(value["value"], context)
        return {key: evaluate_value(item, context) for key, item in value.items()}
    if isinstance(value, list):
        return [evaluate_value(item, context) for item in value]
    if isinstance(value, str):
        return evaluate_text(value, context)
    return value


# The functions.
@dataclass(frozen=True)
class Function:
    name: str
    summary: str
    min_args: int
    max_args: int
    apply: Callable[[Context, list[Any]], Any]

    def arity(self) -> str:
        if self.min_args == self.max_args:
            return f"{self.min_args} argument(s)"
        if self.max_args > 99:
            return f"at least {self.min_args} argument(s)"
        return f"{self.min_args} to {self.max_args} argument(s)"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _expect(name: str, position: int, value: Any, *kinds: type) -> Any:
    wrong_bool = isinstance(value, bool) and bool not in kinds
    if not isinstance(value, kinds) or wrong_bool:
        allowed = " or ".join(
            {bool: "a boolean", int: "an integer", str: "a string", list: "an array"}.get(
                k, k.__name__
            )
            for k in kinds
        )
        raise ExpressionError(f"{name}() argument {position}: {_kind(value)}, expected {allowed}")
    return value


def _to_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"  # .NET's Boolean.ToString()
    if value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"))


def _context_call(
    name: str, value: Callable[[Context], Any]
) -> Callable[[Context, list[Any]], Any]:
    def apply(context: Context, _args: list[Any]) -> Any:
        result = value(context)
        if result is None:
            raise ExpressionError(f"{name}() is not available here")
        return result

    return apply


def _variables(context: Context, args: list[Any]) -> Any:
    name = _expect("variables", 1, args[0], str)
    if name not in context.variables:
        raise ExpressionError(
            f"variable {name!r} is not set; set: {', '.join(sorted(context.variables)) or 'none'}"
        )
    return context.variables[name]


def _item(context: Context, _args: list[Any]) -> Any:
    if not context.has_item:
        raise ExpressionError("item() is only available inside a ForEach")
    return context.item


def _if(_context: Context, args: list[Any]) -> Any:
    return args[1] if _expect("if", 1, args[0], bool) else args[2]


def _equals(_context: Context, args: list[Any]) -> bool:
    left, right = args
    if isinstance(left, bool) != isinstance(right, bool):
        return False
    return bool(left == right)


def _empty(_context: Context, args: list[Any]) -> bool:
    value = args[0]
    if value is None:
        return True
    if isinstance(value, str | list | dict):
        return len(value) == 0
    raise ExpressionError(f"empty() argument 1: {_kind(value)}, expected a string, array or object")


def _logic(
    name: str, combine: Callable[[list[bool]], bool]
) -> Callable[[Context, list[Any]], bool]:
    def apply(_context: Context, args: list[Any]) -> bool:
        return combine([_expect(name, i + 1, a, bool) for i, a in enumerate(args)])

    return apply


def _coalesce(_context: Context, args: list[Any]) -> Any:
    return next((a for a in args if a is not None), None)


def _concat(_context: Context, args: list[Any]) -> str:
    return "".join(
        _to_string(_expect("concat", i + 1, a, str, int, float)) for i, a in enumerate(args)
    )


def _string(_context: Context, args: list[Any]) -> str:
    return _to_string(args[0])


def _int(_context: Context, args: list[Any]) -> int:
    value = args[0]
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]+\s*", value):
        return int(value)
    raise ExpressionError(f"int() argument 1: {value!r} is not an integer")


def _json(_context: Context, args: list[Any]) -> Any:
    text = _expect("json", 1, args[0], str)
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise ExpressionError(f"json() argument 1 is not JSON: {err.msg} in {text!r}") from None


def _length(_context: Context, args: list[Any]) -> int:
    return len(_expect("length", 1, args[0], str, list))


# Dates: ISO 8601 in, .NET custom formats out.
# A quoted literal, a run of one letter (`yyyy`, `dddd`: .NET reads the run as one specifier)
# or one other character.
_FORMAT_TOKEN = re.compile(r"'[^']*'|([A-Za-z])\1*|.")
_FORMAT_TOKENS = {
    "yyyy": lambda t: f"{t.year:04d}",
    "MM": lambda t: f"{t.month:02d}",
    "dd": lambda t: f"{t.day:02d}",
    "HH": lambda t: f"{t.hour:02d}",
    "mm": lambda t: f"{t.minute:02d}",
    "ss": lambda t: f"{t.second:02d}",
    "fff": lambda t: f"{t.microsecond // 1000:03d}",
    "fffffff": lambda t: f"{t.microsecond:06d}0",
}
ROUND_TRIP = "yyyy-MM-ddTHH:mm:ss.fffffff'Z'"
"""The standard format `o` of a UTC time, Data Factory's default: 2024-06-01T00:00:00.0000000Z."""


def parse_timestamp(value: Any, function: str = "formatDateTime") -> dt.datetime:
    """An ISO 8601 date or date-time as a UTC datetime (no offset: UTC)."""
    text = _expect(function, 1, value, str)
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        # .NET writes seven fraction digits; Python reads up to six.
        trimmed = re.sub(r"(\.\d{6})\d+", r"\1", text).replace("Z", "+00:00")
        try:
            parsed = dt.datetime.fromisoformat(trimmed)
        except ValueError:
            raise ExpressionError(
                f"{function}() argument 1: {text!r} is not an ISO 8601 date or time"
            ) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def format_timestamp(moment: dt.datetime, fmt: str | None = None) -> str:
    fmt = ROUND_TRIP if fmt is None or fmt in ("o", "O") else fmt
    out = []
    for token in (match.group(0) for match in _FORMAT_TOKEN.finditer(fmt)):
        if token in _FORMAT_TOKENS:
            out.append(_FORMAT_TOKENS[token](moment))
        elif token.startswith("'") and token.endswith("'") and len(token) >= 2:
            out.append(token[1:-1])
        elif token in ("-", ":", "/", ".", "T", "_", " "):
            out.append(token)
        else:
            raise ExpressionError(
                f"date format {fmt!r}: {token!r} is not supported offline; supported: "
                f"{' '.join(_FORMAT_TOKENS)}, 'literal', the separators - : / . T _ and "
                "space, and the standard format o"
            )
    return "".join(out)


def _format_date_time(_context: Context, args: list[Any]) -> str:
    fmt = _expect("formatDateTime", 2, args[1], str) if len(args) > 1 else None
    return format_timestamp(parse_timestamp(args[0]), fmt)


def _add_days(_context: Context, args: list[Any]) -> str:
    moment = parse_timestamp(args[0], "addDays")
    days = _expect("addDays", 2, args[1], int)
    fmt = _expect("addDays", 3, args[2], str) if len(args) > 2 else None
    return format_timestamp(moment + dt.timedelta(days=days), fmt)


def _utcnow(context: Context, args: list[Any]) -> str:
    if context.now is None:
        raise ExpressionError("utcnow() needs the run's clock, which this evaluation has none of")
    fmt = _expect("utcnow", 1, args[0], str) if args else None
    return format_timestamp(context.now.astimezone(dt.UTC), fmt)


_MANY = 1_000
FUNCTIONS: dict[str, Function] = {
    f.name.lower(): f
    for f in (
        Function(
            "pipeline",
            "the run: DataFactory, Pipeline, RunId, TriggerTime, TriggerType, TriggerName, "
            "parameters",
            0,
            0,
            _context_call("pipeline", lambda c: c.pipeline or None),
        ),
        Function("variables", "a pipeline variable's value", 1, 1, _variables),
        Function("item", "the current element of a ForEach", 0, 0, _item),
        Function(
            "dataset",
            "the dataset's parameters",
            0,
            0,
            _context_call("dataset", lambda c: c.dataset),
        ),
        Function(
            "linkedService",
            "the linked service's parameters",
            0,
            0,
            _context_call("linkedService", lambda c: c.linked_service),
        ),
        Function("if", "if(condition, then, else); both branches are evaluated", 3, 3, _if),
        Function("equals", "same type and value (strings compared exactly)", 2, 2, _equals),
        Function("not", "boolean negation", 1, 1, _logic("not", lambda v: not v[0])),
        Function("and", "all of two or more booleans", 2, _MANY, _logic("and", all)),
        Function("or", "any of two or more booleans", 2, _MANY, _logic("or", any)),
        Function("empty", "true for null, '', [] and {}", 1, 1, _empty),
        Function("coalesce", "the first argument that is not null", 1, _MANY, _coalesce),
        Function("concat", "strings (and numbers) joined", 1, _MANY, _concat),
        Function(
            "toLower",
            "a string in lower case",
            1,
            1,
            lambda c, a: _expect("toLower", 1, a[0], str).lower(),
        ),
        Function(
            "toUpper",
            "a string in upper case",
            1,
            1,
            lambda c, a: _expect("toUpper", 1, a[0], str).upper(),
        ),
        Function("string", "a value as a string (objects and arrays as JSON)", 1, 1, _string),
        Function("int", "an integer, or a string of one, as an integer", 1, 1, _int),
        Function("json", "a JSON string parsed into a value", 1, 1, _json),
        Function("length", "the length of a string or an array", 1, 1, _length),
        Function(
            "formatDateTime",
            "formatDateTime(timestamp, format = 'o'): an ISO 8601 time in a .NET format",
            1,
            2,
            _format_date_time,
        ),
        Function(
            "addDays",
            "addDays(timestamp, days, format = 'o'): the time days later, formatted",
            2,
            3,
            _add_days,
        ),
        Function("utcnow", "utcnow(format = 'o'): the run's clock, formatted", 0, 1, _utcnow),
    )
}
