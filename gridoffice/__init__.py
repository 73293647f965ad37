"""GridOffice core: storage, domain rules, search, statistics. Never imports Qt."""

__version__ = "0.1.0"
