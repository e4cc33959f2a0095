"""Writing generated files: formatting, verifying, publishing all at once, and comparing."""
