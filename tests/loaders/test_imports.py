"""`import loaders` stays light: no dash or plotly, and the public names are all there."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import loaders


def test_imports_loaders_does_not_import_dash_or_plotly():
    code = ("import sys, loaders\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('dash', 'plotly', 'flask', 'torch'))\n"
            "print(heavy)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_imports_every_public_name_resolves():
    expected = {"Logdir", "read_scalars", "read_histograms", "read_images", "read_audio", "read_text",
                "read_tensors", "read_pr_curves", "Graph", "LoaderError", "LogdirNotFound", "CorruptRecord",
                "CacheError", "Problem", "SCHEMA_VERSION"}
    assert set(loaders.__all__) == expected
    for name in loaders.__all__:
        assert getattr(loaders, name) is not None, name
    assert loaders.Graph.__name__ == "Graph"
    assert issubclass(loaders.LogdirNotFound, loaders.LoaderError)


def _module_file(name: str) -> Path | None:
    """Return the source file of a loaders module name (package __init__ or module), None if not one."""
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _imported_modules(name: str, path: Path) -> set[str]:
    """Return the loaders.* modules one module's source imports (at any depth of its code)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level:
                parts = package.split(".")
                source = ".".join(parts[:len(parts) - node.level + 1] + ([source] if source else []))
            found.add(source)
            found.update(f"{source}.{alias.name}" for alias in node.names if _module_file(f"{source}.{alias.name}"))
    return {module for module in found if module.split(".")[0] == "loaders" and _module_file(module)}


def _import_closure(start: list[str]) -> dict[str, str]:
    """Return every loaders module the start modules import, directly or not: module -> who imports it."""
    seen: dict[str, str] = {name: "" for name in start}
    todo = list(start)
    while todo:
        name = todo.pop()
        path = _module_file(name)
        for module in _imported_modules(name, path) if path else ():
            if module not in seen:
                seen[module] = name
                todo.append(module)
    return seen


ROOT = Path(loaders.__file__).parent.parent


def test_imports_events_never_imports_tables():
    events = ROOT / "loaders" / "events"
    start = [".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
             for path in sorted(events.rglob("*.py"))]
    assert "loaders.events.decode" in start and "loaders.events.plugins.scalars" in start
    closure = _import_closure(start)
    assert "loaders.schemas" in closure  # the walk does follow imports out of the package
    offenders = {module: importer for module, importer in closure.items()
                 if module == "loaders.tables" or module.startswith("loaders.tables.")}
    assert offenders == {}, f"loaders.events reaches loaders.tables through (module: importer) {offenders}"
