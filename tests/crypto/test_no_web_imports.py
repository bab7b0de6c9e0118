"""``crypto/`` is a library: importing any of its modules pulls in no web or app code."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import crypto

FORBIDDEN = ("flask", "sqlalchemy", "flask_sqlalchemy", "werkzeug", "pledge")
ROOT = Path(__file__).resolve().parents[2]
# walk_packages recurses into subpackages (crypto.tools, the trustee tool, included).
MODULES = sorted(
    ["crypto"] + [info.name for info in pkgutil.walk_packages(crypto.__path__, prefix="crypto.")]
)

PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(sys.modules)))
"""


def test_every_crypto_module_is_probed():
    assert {"crypto.group", "crypto.dkg", "crypto.seal", "crypto.reveal"} <= set(MODULES)
    assert {"crypto.tools", "crypto.tools.trustee", "crypto.tools.files"} <= set(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_no_web_code(module):
    result = subprocess.run(
        [sys.executable, "-c", PROBE, module], cwd=ROOT, capture_output=True, text=True,
        check=True, timeout=60,
    )
    loaded = json.loads(result.stdout)
    leaked = [name for name in loaded if name.split(".")[0] in FORBIDDEN]
    assert leaked == []
