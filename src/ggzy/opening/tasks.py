"""Chronograph handlers of the opening hall (registered with ggzy.chronograph.runner)."""
