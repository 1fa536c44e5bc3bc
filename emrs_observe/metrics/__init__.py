"""Platform KPIs: every finished EMR Serverless job run's outcome and cost, CloudWatch capacity,
utilisation and quota figures, sent to Datadog; and the dashboard and monitors that show them."""
