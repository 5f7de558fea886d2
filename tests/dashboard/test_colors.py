"""Tests of dashboard.colors: one stable colour per run name."""

from __future__ import annotations

import subprocess
import sys

from dashboard.colors import PALETTE, extend_colors, run_color, run_colors


def test_run_color_is_stable_and_from_the_palette() -> None:
    assert run_color("mnist/lr_1e-3") == run_color("mnist/lr_1e-3") in PALETTE
    assert run_colors(["a", "b"]) == {"a": run_color("a"), "b": run_color("b")}  # no clash: each its own


def test_run_color_is_the_same_in_another_process() -> None:
    names = ["train", "eval", ".", "mnist/lr_1e-2_dropout", "résumé run"]
    code = f"from dashboard.colors import run_color; print([run_color(n) for n in {names!r}])"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert other == str([run_color(name) for name in names])


def test_run_color_fixed_values_do_not_drift() -> None:
    # Colours users learned must not change between versions: pin a few.
    assert run_color("train") == PALETTE[15] and run_color("eval") == PALETTE[10]


def test_run_colors_spread_over_the_palette() -> None:
    used = {run_color(f"run_{index}") for index in range(40)}
    assert len(PALETTE) == 20 and len(set(PALETTE)) == 20
    assert len(used) >= 14


def test_run_colors_never_repeat_a_colour_while_the_palette_lasts() -> None:
    runs = [f"run_{index}" for index in range(40)]
    colors = run_colors(runs)
    assert run_colors(reversed(runs)) == colors  # the order runs come in does not matter
    first_round = sorted(runs)[:20]
    assert len({colors[run] for run in first_round}) == 20 and set(colors.values()) == set(PALETTE)


def test_run_colors_keep_each_runs_own_colour_unless_an_earlier_run_has_it() -> None:
    clash = next(name for name in (f"x{index}" for index in range(1000)) if run_color(name) == run_color("alpha"))
    colors = run_colors([clash, "alpha"])
    own = PALETTE.index(run_color("alpha"))
    assert colors == {"alpha": PALETTE[own], clash: PALETTE[(own + 1) % len(PALETTE)]}


def test_extend_colors_keeps_known_colours_and_gives_new_runs_free_ones() -> None:
    known = run_colors(["alpha", "beta", "delta", "gamma"])
    grown = extend_colors(known, ["alpha", "beta", "delta", "gamma", "aardvark", "epsilon"])
    assert {run: grown[run] for run in known} == known  # names sorting before old runs change nothing
    assert len(set(grown.values())) == 6 and grown["epsilon"] == extend_colors(known, ["epsilon"])["epsilon"]


def test_extend_colors_starts_a_new_round_once_the_palette_is_used() -> None:
    full = extend_colors({}, [f"run_{index}" for index in range(len(PALETTE))])
    assert set(full.values()) == set(PALETTE)
    more = extend_colors(full, ["late_1", "late_2"])
    assert more["late_1"] != more["late_2"] and {run: more[run] for run in full} == full
