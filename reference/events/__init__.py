"""Captured events: how they are stored, and how experiments read them."""
