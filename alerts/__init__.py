"""Keyword alerting: rules, matcher, notifier (channels, delivery state) and backtest."""
