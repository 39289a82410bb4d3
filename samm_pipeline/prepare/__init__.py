"""prepare subpackage."""
