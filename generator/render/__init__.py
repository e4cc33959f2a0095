"""Rendering the intermediate model into files: models through datamodel-code-generator, the rest through Jinja2."""
