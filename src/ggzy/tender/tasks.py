"""Chronograph handlers for tenders (registered with ggzy.chronograph.runner)."""
