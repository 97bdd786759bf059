"""api: HTTP JSON API over the store and the live tracker (thin handlers; later issue)."""
