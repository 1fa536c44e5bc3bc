"""Writing rendered spark-defaults as the EMR Serverless API's JSON, Terraform, or a properties file."""

from __future__ import annotations

import json

CLASSIFICATION = "spark-defaults"
FORMATS = ("json", "terraform", "properties")


def to_json(props: dict[str, str]) -> str:
    """The application's `runtimeConfiguration` (create-application / update-application)."""
    return json.dumps([{"classification": CLASSIFICATION, "properties": props}], indent=2) + "\n"


def _hcl_string(value: str) -> str:
    # JSON string escaping is valid HCL; `${` and `%{` start templates in HCL and must be doubled.
    return json.dumps(value).replace("${", "$${").replace("%{", "%%{")


def to_terraform(props: dict[str, str]) -> str:
    """The `runtime_configuration` block of an `aws_emrserverless_application` resource."""
    width = max((len(_hcl_string(k)) for k in props), default=0)
    lines = ["runtime_configuration {", f'  classification = "{CLASSIFICATION}"', "  properties = {"]
    lines += [f"    {_hcl_string(k).ljust(width)} = {_hcl_string(v)}" for k, v in props.items()]
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


def _escape_properties(text: str, is_key: bool) -> str:
    out = text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    if is_key:
        for ch in "=: #!":
            out = out.replace(ch, "\\" + ch)
    elif out.startswith(" "):
        out = "\\" + out
    return out


def to_properties(props: dict[str, str]) -> str:
    """A Java properties file, as `spark-submit --properties-file` reads it."""
    lines = [f"# {CLASSIFICATION}, rendered by emrs-observe defaults render"]
    lines += [f"{_escape_properties(k, True)}={_escape_properties(v, False)}" for k, v in props.items()]
    return "\n".join(lines) + "\n"


def render(props: dict[str, str], fmt: str) -> str:
    if fmt == "json":
        return to_json(props)
    if fmt == "terraform":
        return to_terraform(props)
    if fmt == "properties":
        return to_properties(props)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
