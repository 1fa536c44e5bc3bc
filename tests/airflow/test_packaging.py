"""The core package stays usable without Airflow: nothing outside emrs_observe.airflow imports it."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_the_cli_and_the_other_packages_do_not_import_airflow() -> None:
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in (ROOT / "emrs_observe").rglob("*.py")
        if "airflow" not in p.relative_to(ROOT).parts and p.name != "__main__.py"
    )
    assert "emrs_observe.cli" in modules and "emrs_observe.compliance.scan" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(sorted(n for n in sys.modules if n == 'airflow' or n.startswith('airflow.')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"
