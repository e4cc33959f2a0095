"""The intermediate model: what the templates render, independent of how the spec spells it."""
