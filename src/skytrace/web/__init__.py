"""web: the live map page (later issue)."""
