"""The shaded jar as EMR loads it: Java 8 class files only (EMR 6.x runs Java 8), the AWS SDK
it bundles relocated, so it never meets the SDK that EMR puts on the classpath, and the lineage
classes that spark-defaults name (Spline's dispatcher, OpenLineage's transport and the service file
through which OpenLineage finds it), with neither Spline nor OpenLineage bundled."""

from __future__ import annotations

import struct
import subprocess
import zipfile
from pathlib import Path

OURS = "emrs/observe/"
SHADED = "emrs/observe/shaded/"
# OpenLineage's TransportResolver finds transports through this ServiceLoader file; its name and
# its content are OpenLineage's and ours, never relocated.
OPENLINEAGE_SERVICE = "META-INF/services/io.openlineage.client.transports.TransportBuilder"


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
    shaded = {n: lines for n, lines in services.items() if n != OPENLINEAGE_SERVICE}
    assert all(line.startswith("emrs.observe.shaded.") for lines in shaded.values() for line in lines)


def test_the_lineage_classes_spark_defaults_name_are_in_the_default_jar(plugin_jar: Path) -> None:
    # `unzip -l`, as the definition of done reads it: the default build, not a profile.
    listing = subprocess.run(["unzip", "-l", str(plugin_jar)], capture_output=True, text=True, check=True).stdout
    names = {line.split()[-1] for line in listing.splitlines() if line.strip().endswith((".class", "TransportBuilder"))}
    assert "emrs/observe/spline/S3LineageDispatcher.class" in names
    assert "emrs/observe/openlineage/S3LineageTransportBuilder.class" in names
    assert "emrs/observe/openlineage/S3LineageTransport.class" in names
    assert "emrs/observe/openlineage/S3LineageTransportConfig.class" in names
    assert OPENLINEAGE_SERVICE in names
    with zipfile.ZipFile(plugin_jar) as jar:
        service = [line.strip() for line in jar.read(OPENLINEAGE_SERVICE).decode().splitlines() if line.strip()]
        # What the service file names must load from the jar itself, or ServiceLoader fails every
        # transport lookup (AWS Glue's included).
        assert service == ["emrs.observe.openlineage.S3LineageTransportBuilder"]
        assert service[0].replace(".", "/") + ".class" in jar.namelist()
        # OpenLineage and Spline are the cluster's: neither is bundled.
        assert not [n for n in jar.namelist() if n.startswith(("io/openlineage/", "za/co/absa/"))]
