"""emrs-observe: logs, lineage and compliance for Spark on Amazon EMR Serverless."""

__version__ = "0.1.0"
