"""Data Factory's expression language, read (not evaluated): syntax and function names.

    problems("@concat('a', pipeline().parameters.x)")   -> []
    problems("@concat('a', pipeline().parameters.x")    -> ["... expected ')' ..."]
    problems("@concatenate('a')")                       -> ["concatenate() is not a function ..."]

A JSON string is an expression when it starts with `@` (not `@@`), or holds `@{...}` parts
(string interpolation; `@@` stands for a literal `@`), as "Expressions and functions in Azure
Data Factory and Azure Synapse Analytics" describes
(https://learn.microsoft.com/azure/data-factory/control-flow-expression-language-functions).
An expression is a literal (a string in single quotes, `''` for a quote; a number; true, false,
null) or a call `name(arg, ...)`, followed by any number of `.property`, `?.property` or
`[expression]` accesses. This module checks that grammar and that every called name is one of
the page's functions or context functions (names are case-insensitive), with no engine: main.py
--check runs it in milliseconds. What an expression evaluates to is Microsoft's engine's
business (datafactory/runner.py).
"""

from __future__ import annotations

import re
from typing import NoReturn

# The page's functions, by its sections (string, collection, logical, conversion, math, date).
FUNCTIONS: frozenset[str] = frozenset(
    name.lower()
    for name in (
        *("concat", "endsWith", "guid", "indexOf", "lastIndexOf", "replace", "split"),
        *("startsWith", "substring", "toLower", "toUpper", "trim"),
        *("contains", "empty", "first", "intersection", "join", "last", "length", "skip"),
        *("take", "union"),
        *("and", "equals", "greater", "greaterOrEquals", "if", "less", "lessOrEquals", "not"),
        "or",
        *("array", "base64", "base64ToBinary", "base64ToString", "binary", "bool", "coalesce"),
        *("createArray", "dataUri", "dataUriToBinary", "dataUriToString", "decodeBase64"),
        *("decodeDataUri", "decodeUriComponent", "encodeUriComponent", "float", "int", "json"),
        *("string", "uriComponent", "uriComponentToBinary", "uriComponentToString", "xml"),
        "xpath",
        *("add", "div", "max", "min", "mod", "mul", "rand", "range", "sub"),
        *("addDays", "addHours", "addMinutes", "addSeconds", "addToTime", "convertFromUtc"),
        *("convertTimeZone", "convertToUtc", "dayOfMonth", "dayOfWeek", "dayOfYear"),
        *("formatDateTime", "getFutureTime", "getPastTime", "startOfDay", "startOfHour"),
        *("startOfMonth", "subtractFromTime", "ticks", "utcNow"),
    )
)
CONTEXT_FUNCTIONS: frozenset[str] = frozenset(
    {"pipeline", "activity", "variables", "item", "dataset", "linkedservice", "trigger"}
)
"""The system variables' functions: which of them an artefact may call depends on its kind
(datafactory.artifacts)."""

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<punct>\?\.|[().,\[\]{}]))"
)


class ExpressionSyntaxError(ValueError):
    def __init__(self, text: str, position: int, expected: str):
        found = text[position : position + 12] or "the end"
        super().__init__(f"expected {expected} at character {position + 1} (found {found!r})")


class _Parser:
    def __init__(self, text: str, start: int):
        self.text = text
        self.position = start
        self.calls: list[str] = []

    def _peek(self) -> tuple[str, str, int] | None:
        match = _TOKEN.match(self.text, self.position)
        if match is None or match.end() == match.start():
            return None
        kind = match.lastgroup or ""
        return kind, match.group(kind), match.end()

    def _take(self, value: str) -> bool:
        token = self._peek()
        if token is not None and token[0] == "punct" and token[1] == value:
            self.position = token[2]
            return True
        return False

    def _expect(self, value: str) -> None:
        if not self._take(value):
            self._fail(f"{value!r}")

    def _fail(self, expected: str) -> NoReturn:
        while self.position < len(self.text) and self.text[self.position].isspace():
            self.position += 1
        raise ExpressionSyntaxError(self.text, self.position, expected)

    def expression(self) -> None:
        token = self._peek()
        if token is None or token[0] == "punct":
            self._fail("a literal or a function call")
        kind, value, end = token
        self.position = end
        if kind == "name" and value.lower() not in ("true", "false", "null"):
            self.calls.append(value)
            self._expect("(")
            if not self._take(")"):
                self.expression()
                while self._take(","):
                    self.expression()
                self._expect(")")
        while True:
            if self._take(".") or self._take("?."):
                token = self._peek()
                if token is None or token[0] != "name":
                    self._fail("a property name")
                self.position = token[2]
            elif self._take("["):
                self.expression()
                self._expect("]")
            else:
                return


def _check(parser: _Parser) -> list[str]:
    return [
        f"{name}() is not a function of Data Factory's expression language"
        for name in dict.fromkeys(parser.calls)
        if name.lower() not in FUNCTIONS | CONTEXT_FUNCTIONS
    ]


def problems(text: str) -> list[str]:
    """What is wrong with the expression(s) a JSON string holds; empty when nothing is."""
    if text.startswith("@") and not text.startswith(("@@", "@{")):
        parser = _Parser(text, 1)
        try:
            parser.expression()
            if parser._peek() is not None or text[parser.position :].strip():
                parser._fail("the end of the expression")
        except ExpressionSyntaxError as err:
            return [f"does not parse: {err}"]
        return _check(parser)
    found: list[str] = []
    index = 0
    while (at := text.find("@", index)) != -1:
        if text.startswith("@@", at):
            index = at + 2
            continue
        if not text.startswith("@{", at):
            index = at + 1
            continue
        parser = _Parser(text, at + 2)
        try:
            parser.expression()
            parser._expect("}")
        except ExpressionSyntaxError as err:
            return [*found, f"does not parse: {err}"]
        found += _check(parser)
        index = parser.position
    return found
