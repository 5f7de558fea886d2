"""Tests of dashboard.sorting: natural order of names."""

from __future__ import annotations

from dashboard.sorting import natural_sorted


def test_natural_sorted_orders_numbers_by_value() -> None:
    names = ["a10", "a2", "a1", "b", "A3", "layer10/w", "layer9/w", "x"]
    assert natural_sorted(names) == ["a1", "a2", "A3", "a10", "b", "layer9/w", "layer10/w", "x"]


def test_natural_sorted_mixes_digit_and_text_prefixes_without_error() -> None:
    assert natural_sorted(["run", "10", "2", ".", "run_1e-3", "run_1e-2"]) == ["2", "10", ".", "run", "run_1e-2", "run_1e-3"]
