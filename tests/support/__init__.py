"""Helpers the tests share: factories, clients, processes, servers, proxies, waiting."""
