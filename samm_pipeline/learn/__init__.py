"""learn subpackage."""
