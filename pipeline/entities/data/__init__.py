"""Generated name lists (places, given names) shipped with the entity stage as package data."""
