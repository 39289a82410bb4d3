"""_support subpackage."""
