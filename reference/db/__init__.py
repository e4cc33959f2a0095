"""Storage: the tables, the engine and its transactions, and the Alembic migrations that make the schema."""
