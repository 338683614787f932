"""The offline evaluator of Data Factory's expression language (platform_config/adf_expressions.py):
every supported function, how strings become expressions, and what is refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from platform_config.adf_expressions import (
    FUNCTIONS,
    Context,
    ExpressionError,
    Reference,
    evaluate_text,
    evaluate_value,
    parse,
    references,
    template,
    unsupported,
)

NOW = dt.datetime(2024, 6, 3, 4, 5, 6, 789000, tzinfo=dt.UTC)
CONTEXT = Context(
    pipeline={
        "Pipeline": "pl_test",
        "TriggerTime": "2024-06-03T04:05:06.7890000Z",
        "parameters": {"tables": '[{"table": "A"}, {"table": "B"}]', "empty": "", "n": "7"},
    },
    variables={"day": "2024-06-02"},
    now=NOW,
).with_item({"schema": "SalesLT", "table": "Customer", "nested": {"x": [10, 20]}})


def ev(text: str):
    return evaluate_text(text, CONTEXT)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("@pipeline().Pipeline", "pl_test"),
        ("@pipeline().parameters.n", "7"),
        ("@variables('day')", "2024-06-02"),
        ("@item().table", "Customer"),
        ("@item().nested.x[1]", 20),
        ("@item()['schema']", "SalesLT"),
        ("@item()?.missing", None),
        ("@concat('a', 'b', 1)", "ab1"),
        ("@if(equals(1, 1), 'yes', 'no')", "yes"),
        ("@if(equals('a', 'A'), 'yes', 'no')", "no"),
        ("@equals(1, true)", False),
        ("@not(true)", False),
        ("@and(true, true, false)", False),
        ("@or(false, true)", True),
        ("@empty(pipeline().parameters.empty)", True),
        ("@empty(json('[]'))", True),
        ("@empty(json('{\"a\": 1}'))", False),
        ("@coalesce(null, item()?.missing, 'c')", "c"),
        ("@toLower('TRUE')", "true"),
        ("@toUpper('abc')", "ABC"),
        ("@string(json('{\"a\": [1, 2]}'))", '{"a":[1,2]}'),
        ("@string(12)", "12"),
        ("@int(pipeline().parameters.n)", 7),
        ("@length(json(pipeline().parameters.tables))", 2),
        ("@json(pipeline().parameters.tables)[1].table", "B"),
        ("@length('abc')", 3),
        ("@formatDateTime('2024-06-02', 'yyyy-MM-dd')", "2024-06-02"),
        (
            "@formatDateTime(pipeline().TriggerTime, 'yyyy/MM/dd HH:mm:ss.fff')",
            "2024/06/03 04:05:06.789",
        ),
        ("@formatDateTime('2024-06-02T10:00:00+02:00', 'HH')", "08"),
        ("@formatDateTime('2024-06-02')", "2024-06-02T00:00:00.0000000Z"),
        ("@formatDateTime('2024-06-02', 'o')", "2024-06-02T00:00:00.0000000Z"),
        ("@formatDateTime('2024-06-02', '''day'' dd')", "day 02"),
        ("@addDays('2024-02-28', 1, 'yyyy-MM-dd')", "2024-02-29"),
        ("@addDays('2024-12-31', 1, 'yyyy-MM-dd')", "2025-01-01"),
        ("@addDays('2024-06-01T04:00:00.1234567Z', -1)", "2024-05-31T04:00:00.1234560Z"),
        ("@utcnow('yyyy-MM-dd')", "2024-06-03"),
        ("@utcnow()", "2024-06-03T04:05:06.7890000Z"),
        (
            "@CONCAT('function names', ' are case-insensitive')",
            "function names are case-insensitive",
        ),
        ("@'it''s'", "it's"),
        ("@1.5", 1.5),
        ("@-2", -2),
    ],
)
def test_evaluates(text, value):
    assert ev(text) == value


def test_every_supported_function_is_tested_here():
    """A function added to FUNCTIONS without a case in this file fails here."""
    source = Path(__file__).read_text().lower()
    assert [f.name for f in FUNCTIONS.values() if f"{f.name.lower()}(" not in source] == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("plain text", "plain text"),
        ("@@not an expression", "@not an expression"),
        ("a @ b", "a @ b"),
        ("https://@{item().table}.example/x", "https://Customer.example/x"),
        ("@{item().schema}/@{item().table}", "SalesLT/Customer"),
        ("n=@{int(pipeline().parameters.n)}", "n=7"),
        ("@{concat('}', 'x')}!", "}x!"),
        ("ok=@{equals(1, 1)}", "ok=True"),
    ],
)
def test_strings_are_literals_expressions_or_interpolations(text, value):
    assert ev(text) == value


def test_an_expression_object_and_nested_values_are_evaluated():
    value = {
        "query": {"value": "@concat('x', item().table)", "type": "Expression"},
        "list": ["@item().schema", 3, {"k": "@{variables('day')}"}],
        "text": {"value": "not evaluated", "type": "Literal"},
    }
    assert evaluate_value(value, CONTEXT) == {
        "query": "xCustomer",
        "list": ["SalesLT", 3, {"k": "2024-06-02"}],
        "text": {"value": "not evaluated", "type": "Literal"},
    }


def test_if_evaluates_both_branches_the_stricter_reading():
    with pytest.raises(ExpressionError, match="property 'missing' does not exist"):
        ev("@if(true, 'fine', item().missing)")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("@substring('abc', 1)", "function substring() is not supported offline; supported: "),
        ("@concat('a', ", "does not parse at column"),
        ("@{concat('a')", "has no closing }"),
        ("@if(true, 'a')", "if() takes 3 argument(s), not 2"),
        ("@item().nope", "property 'nope' does not exist; available: nested, schema, table"),
        ("@item().table.length", "property 'length' read from a string"),
        ("@item().nested.x[5]", "index 5 is outside an array of 2"),
        ("@variables('other')", "variable 'other' is not set; set: day"),
        ("@dataset().x", "dataset() is not available here"),
        ("@if('yes', 1, 2)", "if() argument 1: a string, expected a boolean"),
        ("@concat('a', json('[1]'))", "concat() argument 2: an array"),
        ("@json('{')", "json() argument 1 is not JSON"),
        ("@int('7.5')", "is not an integer"),
        ("@addDays('2024-06-01', '1')", "addDays() argument 2: a string, expected an integer"),
        ("@formatDateTime('June 1st')", "is not an ISO 8601 date or time"),
        ("@formatDateTime('2024-06-01', 'dddd')", "'dddd' is not supported offline"),
        ("@and(true, 1)", "and() argument 2: a number, expected a boolean"),
        ("@empty(1)", "empty() argument 1: a number"),
    ],
)
def test_refuses_with_the_reason(text, message):
    with pytest.raises(ExpressionError) as err:
        ev(text)
    assert message in str(err.value)


def test_item_outside_a_foreach_and_utcnow_without_a_clock_are_refused():
    with pytest.raises(ExpressionError, match="only available inside a ForEach"):
        evaluate_text("@item()", Context())
    with pytest.raises(ExpressionError, match="needs the run's clock"):
        evaluate_text("@utcnow()", Context())


def test_unsupported_lists_every_unknown_function_and_wrong_arity():
    found = unsupported(parse("concat(substring('a', 1), trim('b'), not(true, false))"))
    assert [p.split(" ", 2)[1] for p in found[:2]] == ["substring()", "trim()"]
    assert "not() takes 1 argument(s), not 2" in found[2]
    assert unsupported(parse("concat(item().a, variables('b'))")) == []


def test_references_name_the_parameters_and_variables_read():
    node = template(
        "@concat(pipeline().parameters.a, variables('v'), dataset().d, linkedService().l, "
        "item().not_a_reference)"
    ).parts[0]
    assert set(references(node)) == {  # type: ignore[arg-type]
        Reference("pipeline", "a"),
        Reference("variable", "v"),
        Reference("dataset", "d"),
        Reference("linkedService", "l"),
    }
