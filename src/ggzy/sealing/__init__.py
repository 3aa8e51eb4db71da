"""Client-side sealing, shared by `ggzy seal` and the platform: envelope format v1 (docs/sealed-bids.md).

No database, no web: pure functions over bytes and files, so the CLI and the server run the same code.
"""
