"""Experiment results: captured events counted in SQL, then the statistics."""
