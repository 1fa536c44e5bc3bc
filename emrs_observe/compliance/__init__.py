"""The compliance scanner: rules over spark-defaults (pure), the EMR Serverless inventory (AWS or a
file), allow-listing, memory of what was seen, PagerDuty alerts and optional Datadog gauges."""
