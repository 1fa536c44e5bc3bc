"""Writing rendered spark-defaults as the EMR Serverless API's JSON, Terraform, or a properties file."""

from __future__ import annotations

import json
from collections.abc import Sequence

CLASSIFICATION = "spark-defaults"
FORMATS = ("json", "terraform", "properties")


def to_json(props: dict[str, str]) -> str:
    """The application's `runtimeConfiguration` (create-application / update-application)."""
    return json.dumps([{"classification": CLASSIFICATION, "properties": props}], indent=2) + "\n"


_HCL_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _hcl_char(ch: str) -> str:
    code = ord(ch)
    if ch in _HCL_ESCAPES:
        return _HCL_ESCAPES[ch]
    if code < 0x20 or code == 0x7F or 0xD800 <= code <= 0xDFFF:
        return f"\\u{code:04X}"
    if code > 0xFFFF:
        # HCL's own 8-digit escape: to HCL, JSON's surrogate pairs are two invalid characters.
        return f"\\U{code:08X}"
    return ch


def _hcl_string(value: str) -> str:
    """A quoted HCL string (HCL native syntax spec, "Template Literals"): its escapes, and `${` and
    `%{` doubled because they start templates. Written by hand: no maintained Python HCL writer."""
    body = "".join(_hcl_char(ch) for ch in value)
    return '"' + body.replace("${", "$${").replace("%{", "%%{") + '"'


hcl_string = _hcl_string  # also for the metrics dashboard's Terraform


def to_terraform(props: dict[str, str], notes: Sequence[str] = ()) -> str:
    """The `runtime_configuration` block of an `aws_emrserverless_application` resource."""
    width = max((len(_hcl_string(k)) for k in props), default=0)
    lines = [f"# {note}" for note in notes]
    lines += ["runtime_configuration {", f'  classification = "{CLASSIFICATION}"', "  properties = {"]
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


def to_properties(props: dict[str, str], notes: Sequence[str] = ()) -> str:
    """A Java properties file, as `spark-submit --properties-file` reads it."""
    lines = [f"# {CLASSIFICATION}, rendered by emrs-observe defaults render"]
    lines += [f"# {note}" for note in notes]
    lines += [f"{_escape_properties(k, True)}={_escape_properties(v, False)}" for k, v in props.items()]
    return "\n".join(lines) + "\n"


def render(props: dict[str, str], fmt: str, notes: Sequence[str] = ()) -> str:
    """`notes` (from render_notes) become comments where the format has them; JSON has none."""
    if fmt == "json":
        return to_json(props)
    if fmt == "terraform":
        return to_terraform(props, notes)
    if fmt == "properties":
        return to_properties(props, notes)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
