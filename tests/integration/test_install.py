"""`pip install .` into a fresh venv: one `newsflow` package, runnable from any directory."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from newsflow.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow

# what `pip install .` reads: the package, the folders linked into it, the project metadata
SOURCE = ("pyproject.toml", "README.md", "newsflow", "connectors", "pipeline", "alerts")
SOURCE += ("configs", "seeds", "kibana")


def _run(cmd: list[str | Path], cwd: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSFLOW_", "PYTHON"))}
    return subprocess.run(
        [str(c) for c in cmd],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        **kwargs,  # type: ignore[call-overload]
    )


def _purelib(venv: Path) -> Path:
    return Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    """A venv with newsflow installed from this checkout (`pip install .`, a real wheel build).
    Its dependencies are this environment's (a .pth line): installing apache-beam and spaCy
    again would take minutes; newsflow itself is what is under test. Returns the venv and
    what the install added to its site-packages."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    purelib = _purelib(venv)
    (purelib / "_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    before = {p.name for p in purelib.iterdir()}
    source = tmp_path_factory.mktemp("source")  # setuptools builds in the tree: not in ours
    for name in SOURCE:
        if (PROJECT_ROOT / name).is_dir():
            shutil.copytree(PROJECT_ROOT / name, source / name, symlinks=True)
        else:
            shutil.copy2(PROJECT_ROOT / name, source / name)
    done = _run([venv / "bin" / "pip", "install", "--quiet", "--no-deps", source], venv)
    assert done.returncode == 0, done.stderr
    return venv, {p.name for p in purelib.iterdir()} - before


def test_install_puts_only_the_newsflow_package_into_site_packages(
    installed: tuple[Path, set[str]],
) -> None:
    venv, added = installed
    assert {name for name in added if not name.endswith(".dist-info")} == {"newsflow"}
    purelib = _purelib(venv)
    for part in ("pipeline", "connectors", "alerts"):
        assert (purelib / "newsflow" / part / "__init__.py").is_file()  # real files, not links
        assert not (purelib / "newsflow" / part).is_symlink()
    assert (purelib / "newsflow" / "defaults" / "configs" / "newsflow.yaml").is_file()


def test_installed_commands_run_from_another_directory(
    installed: tuple[Path, set[str]], tmp_path: Path
) -> None:
    venv, _ = installed
    newsflow = venv / "bin" / "newsflow"
    config = _run([newsflow, "config"], tmp_path)
    assert config.returncode == 0, config.stderr
    assert "defaults/configs/newsflow.yaml" in config.stdout + config.stderr  # the shipped file
    assert "news-articles" in config.stdout
    demo = _run([newsflow, "demo", "--help"], tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "usage: newsflow demo" in demo.stdout
    # the entity rules' data (word lists, type-rule table, patterns) ships in the wheel
    rules = _run([newsflow, "entities", "rules"], tmp_path)
    assert rules.returncode == 0, rules.stderr
    assert "organisation_cue_word" in rules.stdout  # a row of data/rules/type_rules.yaml
    assert "known_places_after_prepositions" in rules.stdout  # a data/patterns/*.jsonl id
    lexicon = _run([newsflow, "entities", "lexicon"], tmp_path)
    assert lexicon.returncode == 0, lexicon.stderr
    assert "organisation_cue_words" in lexicon.stdout
    bare = _run([venv / "bin" / "python", "-c", "import pipeline"], tmp_path)
    assert "No module named 'pipeline'" in bare.stderr
