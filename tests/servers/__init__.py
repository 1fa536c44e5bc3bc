"""Real local servers the tests talk to over sockets (see ARCHITECTURE.md)."""
