"""Tests of dashboard.callbacks: callbacks are declared at import and bound per app by the factory."""

from __future__ import annotations

import types

import dash
from dash import Input, Output

from dashboard.callbacks import callback, clientside, register


def _module() -> types.ModuleType:
    module = types.ModuleType("fake_page")

    @callback(Output("out", "children"), Input("in", "value"))
    def echo(value: str) -> str:
        return f"got {value}"

    echo.__module__ = "fake_page"
    module.echo = echo
    module.js = clientside("function(v) { return v; }", Output("out2", "children"), Input("in", "value"))
    module.imported = dash.no_update  # neither callable-marked nor declared: ignored
    return module


def test_callback_leaves_the_function_plain() -> None:
    module = _module()
    assert module.echo("x") == "got x"


def test_register_binds_marked_and_clientside_callbacks_to_each_app() -> None:
    module = _module()
    first, second = dash.Dash(__name__), dash.Dash(__name__)
    assert register(first, module) == 2
    assert register(second, module) == 2
    for app in (first, second):
        assert "out.children" in app.callback_map
        assert any("out2.children" in str(item["output"]) for item in app._callback_list)


def test_register_skips_callbacks_imported_from_other_modules() -> None:
    module = _module()
    other = types.ModuleType("other_page")
    other.echo = module.echo  # imported name: belongs to fake_page
    assert register(dash.Dash(__name__), other) == 0
