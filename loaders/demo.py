"""The bundled demo logdir: a small, deterministic, realistic project written by our own writer."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from loaders.proto.graph_pb2 import AttrValue, GraphDef, NodeDef, VersionDef
from loaders.proto.tensor_pb2 import DataType, TensorShapeProto
from loaders.writer import EventWriter
from loaders.writer.encode import tensor_proto

DEMO_VERSION = 1
MARKER = ".eventscope-demo"  # holds DEMO_VERSION; written last, so its presence means "complete"
STEPS = 500
VAL_EVERY = 25
HIST_EVERY = 25
BASE_TIME = 1_700_000_000.0  # fixed wall times make the files byte-for-byte reproducible
SECONDS_PER_STEP = 0.25
CLASSES = ("0", "1", "2", "3")


@dataclass(frozen=True)
class DemoRun:
    """One demo run: its name, hparams and how it is logged.

    Attributes:
        name: the run directory, relative to the logdir.
        lr: peak learning rate.
        dropout: dropout rate.
        optimizer: optimizer name.
        batch_size: batch size.
        seed: the run's random seed.
        style: "tensor" (TF2 summaries) or "legacy" (PyTorch-like simple_value / histo).
        nan_step: a step whose train/loss is NaN after a blow-up, or -1.
    """

    name: str
    lr: float
    dropout: float
    optimizer: str
    batch_size: int
    seed: int
    style: str = "tensor"
    nan_step: int = -1

    @property
    def hparams(self) -> dict[str, object]:
        """The hparams this run logs."""
        return {"lr": self.lr, "dropout": self.dropout, "optimizer": self.optimizer, "batch_size": self.batch_size}


RUNS = (
    DemoRun("mnist/lr_1e-3", 1e-3, 0.0, "adam", 64, seed=1),
    DemoRun("mnist/lr_1e-2", 1e-2, 0.0, "adam", 64, seed=2, nan_step=312),
    DemoRun("mnist/lr_1e-2_dropout", 1e-2, 0.3, "adam", 64, seed=3),
    DemoRun("resnet/baseline", 0.1, 0.0, "sgd", 128, seed=4, style="legacy"),
)
LAYOUT = {
    "Training": {
        "loss": ["Multiline", ["train/loss", "val/loss"]],
        "accuracy": ["Multiline", ["train/accuracy", "val/accuracy"]],
    },
    "Validation": {
        "val/loss with bounds": ["Margin", ["val/loss", "val/loss_lower", "val/loss_upper"]],
        "learning rate": ["Multiline", [r"learning_rate.*"]],
    },
}
# 3x5 bitmaps of the digits 0-3, drawn into 28x28 "handwritten" samples.
_GLYPHS = {
    "0": ("111", "101", "101", "101", "111"),
    "1": ("010", "110", "010", "010", "111"),
    "2": ("111", "001", "111", "100", "111"),
    "3": ("111", "001", "011", "001", "111"),
}


def _wall(step: int) -> float:
    return BASE_TIME + step * SECONDS_PER_STEP


def _curves(run: DemoRun, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Noisy decaying loss and rising accuracy over STEPS steps, for train and val."""
    steps = np.arange(STEPS, dtype=np.float64)
    tau = 60.0 + 40.0 * np.log10(0.1 / run.lr)
    floor = 0.08 + run.dropout * 0.1 + (0.05 if run.lr >= 1e-2 else 0.0)
    clean = floor + 2.2 * np.exp(-steps / tau)
    train_loss = clean * np.exp(rng.normal(0.0, 0.06, STEPS))
    val_loss = (clean + 0.04 + 0.02 * run.lr * 100 * steps / STEPS) * np.exp(rng.normal(0.0, 0.03, STEPS))
    accuracy = np.clip(1.0 - 0.9 * np.exp(-steps / tau) - floor / 3.0, 0.0, 1.0)
    if run.nan_step >= 0:
        train_loss[run.nan_step - 3 : run.nan_step] *= np.array([4.0, 15.0, 80.0])
        train_loss[run.nan_step] = np.nan
    return {
        "train/loss": train_loss,
        "val/loss": val_loss,
        "train/accuracy": np.clip(accuracy + rng.normal(0.0, 0.015, STEPS), 0.0, 1.0),
        "val/accuracy": np.clip(accuracy - 0.02 + rng.normal(0.0, 0.008, STEPS), 0.0, 1.0),
    }


def _learning_rate(run: DemoRun) -> np.ndarray:
    """Linear warm-up then cosine decay (tensor runs) or step decay at 250 and 400 (legacy run)."""
    steps = np.arange(STEPS, dtype=np.float64)
    if run.style == "legacy":
        return run.lr * np.where(steps < 250, 1.0, np.where(steps < 400, 0.1, 0.01))
    warm = np.minimum(1.0, (steps + 1) / 20.0)
    return run.lr * warm * 0.5 * (1.0 + np.cos(np.pi * steps / STEPS))


def _log_scalars(writer: EventWriter, run: DemoRun, rng: np.random.Generator) -> dict[str, float]:
    """Log every scalar tag; return the final validation metrics (for hparams)."""
    curves, lr = _curves(run, rng), _learning_rate(run)
    for step in range(STEPS):
        for tag in ("train/loss", "train/accuracy"):
            writer.add_scalar(tag, curves[tag][step], step, wall_time=_wall(step), style=run.style)
        writer.add_scalar("learning_rate", lr[step], step, wall_time=_wall(step), style=run.style)
        if step % VAL_EVERY == 0 or step == STEPS - 1:
            for tag in ("val/loss", "val/accuracy"):
                writer.add_scalar(tag, curves[tag][step], step, wall_time=_wall(step), style=run.style)
            spread = 0.1 * curves["val/loss"][step]
            writer.add_scalar("val/loss_lower", curves["val/loss"][step] - spread, step, wall_time=_wall(step))
            writer.add_scalar("val/loss_upper", curves["val/loss"][step] + spread, step, wall_time=_wall(step))
    return {tag: float(curves[tag][STEPS - 1]) for tag in ("val/accuracy", "val/loss")}


def _log_histograms(writer: EventWriter, run: DemoRun, rng: np.random.Generator) -> None:
    """Weights and biases per layer, widening as training goes on."""
    layers = {"dense1/kernel": 0.05, "dense1/bias": 0.01, "dense2/kernel": 0.08, "output/kernel": 0.12}
    for step in range(0, STEPS, HIST_EVERY):
        for i, (tag, scale) in enumerate(layers.items()):
            spread = scale * (1.0 + 2.0 * step / STEPS)
            values = rng.normal(0.02 * i * step / STEPS, spread, 400)
            writer.add_histogram(tag, values, step, style=run.style, wall_time=_wall(step))


def _digit(label: str, rng: np.random.Generator) -> np.ndarray:
    """A 28x28 float image of a blurred, jittered digit glyph."""
    glyph = np.array([[c == "1" for c in row] for row in _GLYPHS[label]], dtype=np.float64)
    big = np.kron(glyph, np.ones((4, 4)))  # 20 x 12
    image = np.zeros((28, 28))
    top, left = rng.integers(2, 7), rng.integers(5, 12)
    image[top : top + 20, left : left + 12] = big
    padded = np.pad(image, 1)
    blurred = sum(padded[dy : dy + 28, dx : dx + 28] for dy in range(3) for dx in range(3)) / 9.0
    return np.clip(blurred + rng.normal(0.0, 0.05, (28, 28)), 0.0, 1.0)


def _pattern(step: int, k: int) -> np.ndarray:
    """A 32x32 RGB interference pattern (the resnet run's 'inputs')."""
    y, x = np.mgrid[0:32, 0:32] / 32.0
    phase = step / 100.0 + k
    return np.stack(
        [0.5 + 0.5 * np.sin(6 * x + phase), 0.5 + 0.5 * np.sin(6 * y - phase), 0.5 + 0.5 * np.cos(4 * (x + y) + phase)],
        axis=-1,
    )


def _log_images(writer: EventWriter, run: DemoRun, rng: np.random.Generator) -> None:
    for step in range(0, STEPS, 100):
        if run.style == "legacy":
            writer.add_image("inputs/sample", _pattern(step, 0), step, style="legacy", wall_time=_wall(step))
            continue
        digits = np.stack([_digit(CLASSES[k % len(CLASSES)], rng) for k in range(4)])
        writer.add_images("inputs/digits", digits, step, wall_time=_wall(step))
        writer.add_image("inputs/pattern", _pattern(step, 1), step, wall_time=_wall(step))


def _log_audio(writer: EventWriter) -> None:
    """Three short tones per step, pitch rising with the step."""
    rate, times = 8000, np.arange(4000) / 8000.0
    envelope = np.minimum(1.0, 20 * times) * np.exp(-3 * times)
    for step in range(0, STEPS, 250):
        notes = (220.0, 330.0, 440.0)
        clips = np.stack([0.6 * envelope * np.sin(2 * np.pi * f * (1 + step / STEPS) * times) for f in notes])
        labels = [f"**{f * (1 + step / STEPS):.0f} Hz** tone" for f in notes]
        writer.add_audio("samples/tones", clips[:, :, None], rate, step, labels=labels, wall_time=_wall(step))


def _log_text(writer: EventWriter, run: DemoRun, rng: np.random.Generator) -> None:
    notes = (
        f"## {run.name}\n\n* optimizer: `{run.optimizer}`, lr **{run.lr:g}**, dropout {run.dropout}\n"
        f"* batch size {run.batch_size}\n\nSee the [TensorBoard docs](https://www.tensorflow.org/tensorboard)."
    )
    writer.add_text("notes", notes, 0, wall_time=_wall(0))
    for step in (100, 300, STEPS - 1):
        scores = np.clip(0.6 + 0.35 * step / STEPS + rng.normal(0, 0.02, (len(CLASSES), 2)), 0, 1)
        rows = [[label, f"{p:.3f}", f"{r:.3f}"] for label, (p, r) in zip(CLASSES, scores)]
        writer.add_text("eval/per_class", [["class", "precision", "recall"], *rows], step, wall_time=_wall(step))


def _log_pr_curves(writer: EventWriter, run: DemoRun, rng: np.random.Generator) -> None:
    for step in range(0, STEPS, 125):
        skill = 0.5 + 2.5 * (step + 1) / STEPS
        for label in CLASSES[:2]:
            truth = rng.random(300) < 0.3
            logits = rng.normal(0.0, 1.0, 300) + skill * (truth - 0.5) * 2
            writer.add_pr_curve(f"pr/class_{label}", truth, 1 / (1 + np.exp(-logits)), step, wall_time=_wall(step))


def _node(name: str, op: str, inputs: tuple[str, ...] = (), **attr: AttrValue) -> NodeDef:
    return NodeDef(name=name, op=op, input=list(inputs), device="/device:CPU:0", attr=attr)


def _shape(*dims: int) -> AttrValue:
    return AttrValue(shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=d) for d in dims]))


def demo_graph(
    sizes: tuple[int, ...] = (784, 256, 128, 10), *, dropout: float = 0.0, optimizer: str = "adam"
) -> GraphDef:
    """A small TF1-style MLP GraphDef with name scopes, variables, a loss and an optimizer step.

    Args:
        sizes: layer widths, input first.
        dropout: when > 0, a dropout scope follows the first layer.
        optimizer: names the training step node "train/<optimizer>".

    Returns:
        The GraphDef.
    """
    f32 = AttrValue(type=DataType.DT_FLOAT)
    nodes = [
        _node("input/x", "Placeholder", dtype=f32, shape=_shape(-1, sizes[0])),
        _node("input/y", "Placeholder", dtype=AttrValue(type=DataType.DT_INT64), shape=_shape(-1)),
    ]
    previous, variables = "input/x", []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        scope = "output" if i == len(sizes) - 1 else f"dense{i}"
        variables += [f"{scope}/kernel", f"{scope}/bias"]
        nodes += [
            _node(f"{scope}/kernel", "VariableV2", dtype=f32, shape=_shape(fan_in, fan_out)),
            _node(f"{scope}/bias", "VariableV2", dtype=f32, shape=_shape(fan_out)),
            _node(f"{scope}/MatMul", "MatMul", (previous, f"{scope}/kernel"), T=f32),
            _node(f"{scope}/BiasAdd", "BiasAdd", (f"{scope}/MatMul", f"{scope}/bias"), T=f32),
        ]
        previous = f"{scope}/BiasAdd"
        if scope != "output":
            nodes.append(_node(f"{scope}/Relu", "Relu", (previous,), T=f32))
            previous = f"{scope}/Relu"
        if i == 1 and dropout > 0:
            rate = AttrValue(tensor=tensor_proto(np.float32(dropout)))
            nodes += [
                _node("dropout/rate", "Const", dtype=f32, value=rate),
                _node("dropout/Dropout", "Dropout", (previous, "dropout/rate"), T=f32),
            ]
            previous = "dropout/Dropout"
    nodes += [
        _node("loss/xent", "SparseSoftmaxCrossEntropyWithLogits", (previous, "input/y"), T=f32),
        _node("loss/Mean", "Mean", ("loss/xent",), T=f32),
        _node("train/gradients", "SymbolicGradient", ("loss/Mean", *variables), T=f32),
        _node(f"train/{optimizer}", "NoOp", ("^train/gradients", "^loss/Mean")),
    ]
    return GraphDef(node=nodes, versions=VersionDef(producer=1087))


def _write_run(root: Path, run: DemoRun) -> None:
    rng = np.random.default_rng(run.seed)
    with EventWriter(root / run.name, wall_time=BASE_TIME) as writer:
        sizes = (3072, 512, 256, 10) if run.style == "legacy" else (784, 256, 128, 10)
        graph = demo_graph(sizes, dropout=run.dropout, optimizer=run.optimizer)
        writer.add_graph(graph, wall_time=BASE_TIME)
        if run is RUNS[0]:
            writer.add_custom_scalars(LAYOUT, wall_time=BASE_TIME)
        metrics = _log_scalars(writer, run, rng)
        _log_histograms(writer, run, rng)
        _log_images(writer, run, rng)
        _log_text(writer, run, rng)
        if run.style == "legacy":
            _log_audio(writer)
        else:
            _log_pr_curves(writer, run, rng)
        writer.add_hparams(run.hparams, metrics, step=STEPS - 1, log_metrics=False, wall_time=_wall(STEPS - 1))


def _is_current(path: Path) -> bool:
    try:
        return (path / MARKER).read_text().strip() == str(DEMO_VERSION)
    except OSError:
        return False


def _check_replaceable(path: Path) -> None:
    """Raise unless path is absent, empty or an Eventscope demo (so no user data is ever deleted)."""
    if path.exists() and not (path / MARKER).exists() and not (path.is_dir() and not any(path.iterdir())):
        raise FileExistsError(
            f"{path}: exists and is not an Eventscope demo logdir (no {MARKER} file); "
            f"choose another path for the demo or remove it"
        )


def _move_into_place(staged: Path, path: Path) -> None:
    """Rename staged to path; an out-of-date demo there is moved aside and deleted first.

    When another process renamed a current demo into place first, staged is left for the
    caller to delete.
    """
    while True:
        try:
            os.rename(staged, path)
            return
        except OSError:
            if not path.exists():
                raise
        if _is_current(path):
            return
        _check_replaceable(path)
        trash = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=path.parent))
        try:
            os.rename(path, trash / "demo")
        except FileNotFoundError:
            pass  # another process moved it already
        shutil.rmtree(trash, ignore_errors=True)


def write_demo_logdir(path: str | os.PathLike) -> str:
    """Write the demo logdir at path unless a current one (same DEMO_VERSION) is already there.

    The demo is written into a temporary sibling directory and renamed into place, so
    concurrent workers never see half a demo; a demo of another version is replaced.

    Args:
        path: where the demo logdir should live (its parent is created if missing).

    Returns:
        path, as a string.

    Raises:
        FileExistsError: path holds something other than a demo logdir (it is never overwritten).
        OSError: the parent directory cannot be written.
    """
    target = Path(path)
    if _is_current(target):
        return str(target)
    _check_replaceable(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        for run in RUNS:
            _write_run(staged, run)
        (staged / MARKER).write_text(f"{DEMO_VERSION}\n")
        _move_into_place(staged, target)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return str(target)
