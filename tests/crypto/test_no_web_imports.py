"""The import boundaries between ``crypto/``, ``pledge_tools/`` and ``pledge/``.

- ``crypto/`` is a library: no web or app code, no programs, and nothing that uses the
  terminal (``print``, ``input``, ``sys.stdout``...), the network or the environment.
- ``pledge_tools/`` (the three command-line programs) uses ``crypto/`` and the standard library,
  never the web app.
- ``pledge/`` (the web app) never imports the programs.

Two kinds of proof: every module's own import statements and its uses of ``os.environ``,
``os.getenv``, ``sys.stdout``, ``print`` and the like, read from its source (:mod:`ast`), so a
forbidden import hidden in a function still counts; and, for ``crypto/``, what actually lands
in ``sys.modules`` when a module is imported alone.
"""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import crypto

ROOT = Path(__file__).resolve().parents[2]
WEB = frozenset({"flask", "flask_sqlalchemy", "flask_login", "flask_wtf", "flask_migrate",
                 "sqlalchemy", "werkzeug", "alembic"})
TERMINAL_NETWORK = frozenset({"getpass", "argparse", "urllib.request", "http.client", "socket"})
# Attributes and names that reach the environment or the terminal without an import of their own.
OUTSIDE_USES = frozenset({"os.environ", "os.getenv", "os.putenv", "os.unsetenv", "sys.stdin",
                          "sys.stdout", "sys.stderr", "sys.argv"})
TERMINAL_BUILTINS = frozenset({"print", "input"})

# Package folder → imports it must not make (a module matches itself and its submodules).
FORBIDDEN_IMPORTS: dict[str, frozenset[str]] = {
    "crypto": WEB | TERMINAL_NETWORK | {"pledge", "pledge_tools"},
    "pledge_tools": frozenset({"pledge", "flask", "flask_sqlalchemy", "sqlalchemy"}),
    "pledge": frozenset({"pledge_tools"}),
}
FORBIDS_OUTSIDE_USES = {"crypto"}
# What importing a crypto module alone may not load. The standard library loads ``socket`` and
# the like for its own purposes (``multiprocessing`` does), so those are checked in the source.
LOADED_FORBIDDEN = WEB | {"pledge", "pledge_tools"}

# walk_packages recurses into subpackages (crypto.formats, crypto.trustee_steps included).
MODULES = sorted(
    ["crypto"] + [info.name for info in pkgutil.walk_packages(crypto.__path__, prefix="crypto.")]
)

PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(sys.modules)))
"""


@dataclass(frozen=True)
class Use:
    """One import (or environment use) at one line of one file."""

    path: Path
    line: int
    name: str

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}: {self.name}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(node: ast.ImportFrom, path: Path) -> str:
    """The module an ``ImportFrom`` names, with relative imports resolved against ``path``."""
    if node.level == 0:
        return node.module or ""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(path: Path, *, located: Path | None = None) -> list[Use]:
    """Every module ``path`` imports, as dotted names (``from a import b`` gives ``a`` and
    ``a.b``, since ``b`` may be a submodule). Relative imports are resolved as if the file
    stood at ``located`` (default: where it is)."""
    where = located or path
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    uses = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            uses += [Use(where, node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node, where)
            uses.append(Use(where, node.lineno, module))
            uses += [Use(where, node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return uses


def outside_uses(path: Path) -> list[Use]:
    """Uses of the environment or the terminal: ``os.environ``, ``os.getenv``, ``sys.stdout``
    and the like (as attributes or imported names), and calls to ``print`` or ``input``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    uses = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and f"{node.value.id}.{node.attr}" in OUTSIDE_USES):
            uses.append(Use(path, node.lineno, f"{node.value.id}.{node.attr}"))
        elif isinstance(node, ast.ImportFrom) and node.module in ("os", "sys"):
            uses += [Use(path, node.lineno, f"{node.module}.{a.name}") for a in node.names
                     if f"{node.module}.{a.name}" in OUTSIDE_USES]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id in TERMINAL_BUILTINS):
            uses.append(Use(path, node.lineno, f"{node.func.id}()"))
    return uses


def _matches(name: str, forbidden: frozenset[str]) -> bool:
    return any(name == f or name.startswith(f + ".") for f in forbidden)


def violations(package: str) -> list[str]:
    """Every forbidden import or environment use in the package folder ``package``."""
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        found += [str(use) for use in imports_of(path)
                  if _matches(use.name, FORBIDDEN_IMPORTS[package])]
        if package in FORBIDS_OUTSIDE_USES:
            found += [str(use) for use in outside_uses(path)]
    return found


def test_every_crypto_module_is_probed():
    assert {"crypto.group", "crypto.dkg", "crypto.seal", "crypto.reveal"} <= set(MODULES)
    assert {"crypto.formats", "crypto.formats.files", "crypto.formats.jsonfile",
            "crypto.trustee_steps.ceremony", "crypto.round_check"} <= set(MODULES)


@pytest.mark.parametrize("package", sorted(FORBIDDEN_IMPORTS))
def test_package_keeps_to_its_imports(package):
    assert (ROOT / package / "__init__.py").exists()
    assert violations(package) == []


def test_the_source_reader_sees_what_it_must(tmp_path: Path) -> None:
    """The reader finds the imports and environment uses the boundary forbids, wherever they
    are written (so an empty list above means something)."""
    located = ROOT / "crypto" / "formats" / "probe.py"  # where it would stand; not written
    source = (
        "import os, socket\n"
        "from urllib import request\n"
        "from .. import parallel\n"
        "from ...pledge_tools import exits\n"
        "from sys import stdout\n"
        "def f():\n"
        "    import getpass\n"
        "    print('hello')\n"
        "    return os.environ.get('X'), os.getenv('Y')\n"
    )
    copy = tmp_path / "probe.py"
    copy.write_text(source)
    names = {use.name for use in imports_of(copy, located=located)}
    assert {"socket", "urllib.request", "crypto.parallel", "getpass", "pledge_tools",
            "pledge_tools.exits"} <= names
    assert {use.name for use in outside_uses(copy)} == {"os.environ", "os.getenv", "sys.stdout",
                                                         "print()"}
    assert _matches("urllib.request", FORBIDDEN_IMPORTS["crypto"])
    assert _matches("pledge_tools.exits", FORBIDDEN_IMPORTS["crypto"])
    assert not _matches("pledge_tools", FORBIDDEN_IMPORTS["pledge_tools"])


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_no_web_code(module):
    result = subprocess.run(
        [sys.executable, "-c", PROBE, module], cwd=ROOT, capture_output=True, text=True,
        check=True, timeout=60,
    )
    loaded = json.loads(result.stdout)
    leaked = [name for name in loaded if _matches(name, LOADED_FORBIDDEN)]
    assert leaked == []
