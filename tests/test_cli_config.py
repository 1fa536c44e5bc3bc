"""The TOML configuration file: tables mirror the commands; flags and environment win over it."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from emrs_observe.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_lineage_run_takes_its_options_from_the_config_file(tmp_path: Path) -> None:
    out = tmp_path / "from-config.json"
    config = tmp_path / "emrs-observe.toml"
    config.write_text(f'[lineage.run]\nsource = "{EXAMPLES / "lineage"}"\nsink = "file:{out}"\nenv = "DEV"\n')
    result = CliRunner().invoke(main, ["--config", str(config), "lineage", "run", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["executions"] == 2
    assert ",DEV)" in out.read_text() and ",PROD)" not in out.read_text()

    flag_out = tmp_path / "from-flag.json"
    result = CliRunner().invoke(main, ["--config", str(config), "lineage", "run", "--sink", f"file:{flag_out}",
                                       "--format", "json"], env={"EMRS_OBSERVE_ENV": "QA"})
    assert result.exit_code == 0, result.output
    assert flag_out.exists() and ",QA)" in flag_out.read_text()


def test_missing_and_broken_config_files_are_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    result = CliRunner().invoke(main, ["--config", str(missing), "lineage", "run"])
    assert result.exit_code == 2 and f"config file {missing} does not exist" in result.output
    broken = tmp_path / "broken.toml"
    broken.write_text("[lineage.run\nsource = 1\n")
    result = CliRunner().invoke(main, ["--config", str(broken), "lineage", "run"])
    assert result.exit_code == 2 and f"config file {broken} is not valid TOML" in result.output
