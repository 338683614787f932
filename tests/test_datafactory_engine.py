"""Microsoft's Data Factory engine (datafactory/engine.py) against Microsoft's documented
examples, for the escapes, formats and every function adf/ uses.

Sources: "Expressions and functions in Azure Data Factory and Azure Synapse Analytics"
(https://learn.microsoft.com/azure/data-factory/control-flow-expression-language-functions)
and, for the date formats formatDateTime takes, .NET's "Custom date and time format strings"
and "Standard date and time format strings" (https://learn.microsoft.com/dotnet/standard/base-types/).
"""

from __future__ import annotations

import re
import sys
from typing import Any

import pytest

from datafactory import engine as engine_module
from datafactory.artifacts import load
from tests.conftest import REPO_ROOT

MOMENT = "2009-06-15T13:45:30.6175425Z"  # .NET's format documentation uses this instant


@pytest.fixture(scope="module")
def engine(dotnet_engine) -> engine_module.Engine:
    engine: engine_module.Engine = dotnet_engine
    return engine


def evaluate(engine: engine_module.Engine, expression: str, **parameters: Any) -> Any:
    state = engine.state
    run = state.PipelineRunState(
        [
            state.RunParameter(state.RunParameterType.Pipeline, name, value)
            for name, value in parameters.items()
        ],
        iteration_item={"schema": "SalesLT"},
    )
    return engine.element(expression).evaluate(run)


ESCAPE_GAP = pytest.mark.xfail(
    strict=True,
    reason="data-factory-testing-framework 1.4.4's parser rejects or drops '@@' and ' @' "
    "(docs/ingestion.md); strict: this fails once the framework follows the documentation",
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("parameters", "parameters"),
        ("parameters[1]", "parameters[1]"),
        pytest.param("@@", "@", marks=ESCAPE_GAP),
        pytest.param(" @", " @", marks=ESCAPE_GAP),
        ("@pipeline().parameters.myString", "foo"),
        ("@{pipeline().parameters.myString}", "foo"),
        ("@pipeline().parameters.myNumber", 42),
        ("@{pipeline().parameters.myNumber}", "42"),
        ("Answer is: @{pipeline().parameters.myNumber}", "Answer is: 42"),
        ("@concat('Answer is: ', string(pipeline().parameters.myNumber))", "Answer is: 42"),
        pytest.param(
            "Answer is: @@{pipeline().parameters.myNumber}",
            "Answer is: @{pipeline().parameters.myNumber}",
            marks=ESCAPE_GAP,
        ),
    ],
)
def test_the_documented_expression_and_escape_examples(engine, value, expected):
    assert evaluate(engine, value, myNumber=42, myString="foo") == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # formatDateTime: the documented example, the default ("o"), fractions, one-letter formats
        ("formatDateTime('03/15/2018 12:00:00', 'yyyy-MM-ddTHH:mm:ss')", "2018-03-15T12:00:00"),
        (f"formatDateTime('{MOMENT}')", MOMENT),
        (f"formatDateTime('{MOMENT}', 'o')", MOMENT),
        (f"formatDateTime('{MOMENT}', 'fffffff')", "6175425"),
        (f"formatDateTime('{MOMENT}', 'ffffff')", "617542"),
        (f"formatDateTime('{MOMENT}', 'T')", "13:45:30"),
        (f"formatDateTime('{MOMENT}', 's')", "2009-06-15T13:45:30"),
        (f"formatDateTime('{MOMENT}', 'u')", "2009-06-15 13:45:30Z"),
        (f"formatDateTime('{MOMENT}', 'yyyy-MM-dd')", "2009-06-15"),
        # addDays (the page prints 2018-03-25T00:00:0000000Z for the first: a typo in its format
        # and time; the engine keeps the time, as the function's description says)
        ("addDays('2018-03-15T13:00:00Z', 10)", "2018-03-25T13:00:00.0000000Z"),
        ("addDays('2018-03-15T00:00:00Z', -5)", "2018-03-10T00:00:00.0000000Z"),
        ("addDays('2024-02-28', 1)", "2024-02-29T00:00:00.0000000"),  # leap day
        ("addDays('2024-12-31', 1)", "2025-01-01T00:00:00.0000000"),  # year end
        ("concat('Hello', 'World')", "HelloWorld"),
        ("toLower('Hello World')", "hello world"),
        ("empty('')", True),
        ("empty('abc')", False),
        ("and(true, true)", True),
        ("and(false, true)", False),
        ("not(false)", True),
        ("not(true)", False),
        ("equals('abc', 'abcd')", False),
        ("if(equals(1, 1), 'yes', 'no')", "yes"),
        ('json(\'{"fullName": "Sophia Owen"}\')', {"fullName": "Sophia Owen"}),
        ("item().schema", "SalesLT"),
        ("string(10)", "10"),
        ("contains('hello world', 'world')", True),
        ("contains('hello world', 'universe')", False),
        ("createArray('h', 'e', 'l', 'l', 'o')", ["h", "e", "l", "l", "o"]),
        ("coalesce(null, true, false)", True),
        ("coalesce(null, 'hello', 'world')", "hello"),
        ("coalesce(null, null, null)", None),
    ],
)
def test_the_functions_adf_uses_give_the_documented_results(engine, expression, expected):
    assert evaluate(engine, f"@{expression}") == expected


FUNCTION = re.compile(r"\b([a-zA-Z]+)\(")


def test_every_function_adf_uses_has_an_example_here():
    """A new function in adf/ needs its documented example in this file."""
    used = set()
    for by_name in load().values():
        for artifact in by_name.values():
            used |= set(FUNCTION.findall(artifact.path.read_text(encoding="utf-8")))
    source = (REPO_ROOT / "tests" / "test_datafactory_engine.py").read_text(encoding="utf-8")
    covered = set(FUNCTION.findall(source.split("FUNCTION = ")[0]))
    context = {"pipeline", "variables", "dataset", "linkedService", "item", "activity"}
    assert used - covered - context == set()


def test_a_failing_expression_is_explained_in_the_engine_s_words(engine):
    state = engine.state.PipelineRunState([], iteration_item={"schema": "SalesLT"})
    reason = engine.explain("@item().table", state)
    assert reason is not None
    assert "property 'table' doesn't exist, available properties are 'schema'" in reason
    assert engine.explain("@item().schema", state) is None


def test_without_a_runtime_the_engine_says_what_to_install(monkeypatch):
    """As on a Mac without .NET: the message names the packages and .NET 8."""
    monkeypatch.setitem(sys.modules, "data_factory_testing_framework", None)
    monkeypatch.setattr(engine_module, "_load_runtime", lambda: "none")
    engine_module.load.cache_clear()
    try:
        with pytest.raises(engine_module.EngineUnavailableError) as err:
            engine_module.load()
    finally:
        engine_module.load.cache_clear()
    message = str(err.value)
    assert "make install-dev" in message and ".NET 8" in message and "DOTNET_ROOT" in message


@pytest.mark.parametrize("wheel", [False, True])
def test_without_net_the_engine_tests_skip_saying_what_to_install_unless_a_wheel_exists(
    monkeypatch, wheel
):
    from tests.conftest import engine_or_skip

    def unavailable():
        raise engine_module.EngineUnavailableError("no .NET 8: " + engine_module.INSTALL)

    monkeypatch.setattr(engine_module, "load", unavailable)
    monkeypatch.setattr(engine_module, "has_runtime_wheel", lambda: wheel)
    if wheel:
        with pytest.raises(engine_module.EngineUnavailableError):
            engine_or_skip()
    else:
        with pytest.raises(pytest.skip.Exception, match=r"brew install dotnet@8"):
            engine_or_skip()
