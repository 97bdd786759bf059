"""alerts: watch rules evaluated on events, and their delivery (later issue)."""
