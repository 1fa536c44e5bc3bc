"""The compliant spark-defaults per EMR release: the JVM plugin's contract, the release table and
the renderer (JSON for the EMR Serverless API, Terraform, properties)."""
