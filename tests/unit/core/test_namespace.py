"""Everything installs and imports under `newsflow.`: no module imports a bare part name."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

from newsflow.settings import PROJECT_ROOT

PARTS = {"pipeline", "connectors", "alerts", "configs"}


def _python_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [PROJECT_ROOT / name for name in listed if not (PROJECT_ROOT / name).is_symlink()]


def _bare_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        found += [
            f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} {name}"
            for name in names
            if name.split(".")[0] in PARTS
        ]
    return found


def test_no_module_imports_a_part_outside_the_newsflow_namespace() -> None:
    files = _python_files()
    assert len(files) > 100  # the scan sees the tree
    bare = [hit for path in files for hit in _bare_imports(path)]
    assert bare == [], "import the parts as newsflow.<part>:\n" + "\n".join(bare)


def test_the_parts_are_the_top_level_folders_linked_into_the_package() -> None:
    for part in ("pipeline", "connectors", "alerts"):
        link = PROJECT_ROOT / "newsflow" / part
        assert link.is_symlink() and link.resolve() == (PROJECT_ROOT / part).resolve(), part
