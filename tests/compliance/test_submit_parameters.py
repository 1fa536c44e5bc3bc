"""sparkSubmitParameters read as spark-submit reads its arguments (pure)."""

from __future__ import annotations

import pytest

from emrs_observe.compliance.jobruns import parse_submit_parameters


@pytest.mark.parametrize(
    ("text", "conf"),
    [
        ("--conf spark.a=1 --conf=spark.b=2 -c spark.c=x=y", {"spark.a": "1", "spark.b": "2", "spark.c": "x=y"}),
        ("--conf 'spark.x=a b' --conf \"spark.y=-Da='q r'\"", {"spark.x": "a b", "spark.y": "-Da='q r'"}),
        # --jars and --driver-java-options win over --conf of the same key, whatever the order
        ("--jars s3://a/j.jar --conf spark.jars=s3://b/k.jar", {"spark.jars": "s3://a/j.jar"}),
        ("--driver-java-options '-Da=1 -Db=2'", {"spark.driver.extraJavaOptions": "-Da=1 -Db=2"}),
        (
            "--packages g:a:1 --class com.Main --verbose --name n",
            {"spark.jars.packages": "g:a:1", "spark.app.name": "n"},
        ),
        ("--conf hadoop.x=1", {}),  # spark-submit ignores keys outside spark.*
        ("", {}),
    ],
)
def test_keys_are_read_as_spark_submit_reads_them(text: str, conf: dict[str, str]) -> None:
    assert parse_submit_parameters(text) == (conf, [])


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("--conf 'spark.a=1", "cannot be split into arguments (No closing quotation)"),
        ("--conf spark.a", "--conf 'spark.a' has no '='"),
        ("--jars", "--jars has no value"),
        ("--frobnicate 3", "'--frobnicate' is not a spark-submit option"),
    ],
)
def test_what_spark_submit_would_refuse_is_a_problem_named(text: str, problem: str) -> None:
    _, problems = parse_submit_parameters(text)
    assert problem in problems[0]
