"""Unit tests for the feed connector."""
