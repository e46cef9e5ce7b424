"""Plain, typed functions both doors call: settings, broker, outbox, relay, ledger."""
