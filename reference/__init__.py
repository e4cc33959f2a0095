"""The reference implementation of the generated Experiments API server, on SQLite or PostgreSQL."""
