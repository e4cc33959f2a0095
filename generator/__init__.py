"""Spec-first code generation for the PostHog-compatible Experiments API.

The flow is: load the spec (``source``), check it (``validation``), build the intermediate
model, render ``templates/`` into ``generated/``.
"""

__version__ = "0.1.0"
