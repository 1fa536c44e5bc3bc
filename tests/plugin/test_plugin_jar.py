"""The shaded jar as EMR loads it: Java 8 class files only (EMR 6.x runs Java 8), and the AWS SDK
it bundles relocated, so it never meets the SDK that EMR puts on the classpath."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

OURS = "emrs/observe/"
SHADED = "emrs/observe/shaded/"


def test_every_class_runs_on_java_8(plugin_jar: Path) -> None:
    too_new = []
    with zipfile.ZipFile(plugin_jar) as jar:
        for name in jar.namelist():
            if name.endswith(".class"):
                magic, _minor, major = struct.unpack(">IHH", jar.read(name)[:8])
                assert magic == 0xCAFEBABE, name
                if major > 52:
                    too_new.append(f"{name} (class file {major})")
    assert too_new == []


def test_third_party_code_is_relocated_under_emrs_observe_shaded(plugin_jar: Path) -> None:
    with zipfile.ZipFile(plugin_jar) as jar:
        names = jar.namelist()
        classes = [n for n in names if n.endswith(".class")]
        services = {
            n: [line for line in jar.read(n).decode().splitlines() if line.strip() and not line.startswith("#")]
            for n in names
            if n.startswith("META-INF/services/") and not n.endswith("/")
        }
    outside = [n for n in classes if not n.startswith(OURS)]
    assert outside == []
    assert any(n.startswith(SHADED + "software/amazon/awssdk/auth/credentials/") for n in classes)
    # slf4j is Spark's own: a bundled copy would find no binding and print a warning on stderr.
    assert not any("/org/slf4j/" in n for n in classes)
    # The SDK finds its HTTP client through ServiceLoader: the file and its content must be relocated.
    http = services["META-INF/services/emrs.observe.shaded.software.amazon.awssdk.http.SdkHttpService"]
    assert http == ["emrs.observe.shaded.software.amazon.awssdk.http.urlconnection.UrlConnectionSdkHttpService"]
    assert all(line.startswith("emrs.observe.shaded.") for lines in services.values() for line in lines)
