"""Experiments and their feature flags: the rules, the stored form, and what the API shows."""
