"""The street's window (`--pg DSN`), in parts: its log-in, and the pages that grew past what one module
holds (the monthly summary, the assessment's ranking, the accounts). The window itself is
ui/street_window.py; every page reads through its background reader (ui/street_reader.py)."""
