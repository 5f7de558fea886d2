"""Browser tests of the HParams page: the real CLI on a PyTorch add_hparams sweep and the TF2 hparams fixture."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.browser import Server, Tab, start_cli, stop

pytestmark = pytest.mark.e2e
TF2 = Path(__file__).resolve().parents[1] / "fixtures" / "tf2" / "tf_hparams"
ROWS_JS = (
    "() => Array.from(document.querySelectorAll('#hparams-table tbody tr')).filter(tr => tr.querySelector('td')).length"
)
SESSIONS_JS = """() => Array.from(document.querySelectorAll('#hparams-table tbody tr'))
    .map(tr => tr.querySelector('td.dash-cell')).filter(td => td).map(td => td.textContent)"""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The CLI on a PyTorch sweep (8 runs: lr x optimizer, scalars in each parent, add_hparams sub-runs)."""
    from torch.utils.tensorboard import SummaryWriter

    root = tmp_path_factory.mktemp("e2e_hparams")
    for i in range(8):
        lr, opt = [0.1, 0.03, 0.01, 0.003][i % 4], ["adam", "sgd"][i // 4]
        with SummaryWriter(str(root / "logs" / f"run{i}")) as writer:
            for step in range(20):
                writer.add_scalar("train/loss", (1.0 + i) / (step + 1), step)
            writer.add_hparams({"lr": lr, "optimizer": opt, "layers": 2 + i % 3}, {"hparam/accuracy": 0.5 + lr * 4})
    live = start_cli(["--logdir", str(root / "logs"), "--cache-dir", str(root / "cache")], root, probe="/hparams")
    yield live
    stop(live)


@pytest.fixture(scope="module")
def tf2(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The CLI on the checked-in TF2 hparams fixture (hparams_config in the root, 3 sessions)."""
    root = tmp_path_factory.mktemp("e2e_hparams_tf2")
    shutil.copytree(TF2, root / "logs")
    live = start_cli(["--logdir", str(root / "logs"), "--cache-dir", str(root / "cache")], root, probe="/hparams")
    yield live
    stop(live)


def _rows(tab: Tab, count: int) -> list[str]:
    tab.page.wait_for_function(f"() => ({ROWS_JS})() === {count}")
    return list(tab.page.evaluate(SESSIONS_JS))


def test_table_parcoords_and_session_curves(live: Server, tab: Tab) -> None:
    tab.page.goto(f"{live.url}/hparams")
    tab.page.wait_for_selector("#hparams-parcoords .parcoords")
    assert len(_rows(tab, 8)) == 8
    assert "8 of 8 sessions shown" in tab.page.inner_text("#hparams-count")
    header = tab.page.inner_text("#hparams-table")
    assert "lr" in header and "hparam/accuracy" in header
    tab.page.locator("#hparams-table tbody tr td.dash-cell").nth(0).click()
    tab.page.wait_for_selector("#hparams-details .card .js-plotly-plot")
    assert "train/loss" in tab.page.inner_text("#hparams-details")
    assert "session=" in tab.page.url
    tab.screenshot("hparams-table.png")


def test_filters_change_the_table_and_the_url(live: Server, tab: Tab) -> None:
    tab.page.goto(f"{live.url}/hparams")
    _rows(tab, 8)
    tab.page.locator('.hparams-filter:has(summary:text-is("optimizer")) label:has-text("sgd") input').uncheck()
    sessions = _rows(tab, 4)
    assert all(s.startswith(("run0/", "run1/", "run2/", "run3/")) for s in sessions)
    assert "in.optimizer=adam" in tab.page.url
    tab.page.goto(f"{live.url}/hparams?min.lr=0.02")
    assert len(_rows(tab, 4)) == 4  # lr 0.1 and 0.03 of both optimizers


def test_brushing_an_axis_filters_the_table(live: Server, tab: Tab) -> None:
    tab.page.goto(f"{live.url}/hparams")
    _rows(tab, 8)
    tab.page.wait_for_selector("#hparams-parcoords .parcoords")
    tab.page.evaluate(
        """() => { const gd = document.querySelector('#hparams-parcoords .js-plotly-plot');
        const i = gd.layout.meta.axes.findIndex(a => a.name === 'lr');
        Plotly.restyle(gd, {[`dimensions[${i}].constraintrange`]: [[0.05, 0.2]]}, [0]);
        gd.emit('plotly_restyle', [{[`dimensions[${i}].constraintrange`]: [[0.05, 0.2]]}, [0]]); }"""
    )
    assert len(_rows(tab, 2)) == 2
    assert "min.lr=0.05" in tab.page.url
    tab.screenshot("hparams-brushed.png")


def test_matrix_and_importance_tabs(live: Server, tab: Tab) -> None:
    tab.page.goto(f"{live.url}/hparams?tab=importance")
    tab.page.wait_for_function("() => document.querySelectorAll('#hparams-importance .barlayer .point').length >= 3")
    assert "Spearman" in tab.page.inner_text("#hparams-tab-importance")
    tab.screenshot("hparams-importance.png")
    tab.page.goto(f"{live.url}/hparams?tab=matrix")
    tab.page.wait_for_selector("#hparams-matrix .scatterlayer .point")
    tab.screenshot("hparams-matrix.png")


def test_tf2_fixture_sessions_and_declared_domains(tf2: Server, tab: Tab) -> None:
    tab.page.goto(f"{tf2.url}/hparams?log=learning_rate")
    assert _rows(tab, 3) == ["session_0", "session_1", "session_2"]
    tab.page.wait_for_selector("#hparams-parcoords .parcoords")
    labels = tab.page.inner_text("#hparams-parcoords")
    assert "learning_rate (log)" in labels and "accuracy" in labels
    tab.screenshot("hparams-tf2.png")
