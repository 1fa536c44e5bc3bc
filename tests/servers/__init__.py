"""Real local servers the tests talk to over sockets (see docs/architecture.md)."""
