"""The delivery log as operators read and repair it: `pingpost log`, `log show`, `stats`,
`recover`, `accounts` and retention, over the store's interface.

    times     `--since 2h|DATE` in the log's time zone
    shown     one logged auction: its lead and the result rebuilt from the stored document
    figures   stats per account with the controls' state (caps, pauses)
    recover   open auctions, resolved by hand or re-posted under the same idempotency key
    retention old auctions deleted, hashed keys and counters kept

Core: returns data, raises `PingpostError`s; the CLI prints.
"""
