"""Figures computed from the records: the monthly summary, the year-end assessment, archives, cards, the dashboard."""
