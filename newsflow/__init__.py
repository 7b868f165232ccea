"""newsflow shared core: settings, record schema, errors, clients and the CLI."""

__version__ = "0.1.0"
