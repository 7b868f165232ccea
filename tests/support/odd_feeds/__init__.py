"""Odd feeds through the real connector and pipeline: the generator and the ledger."""
