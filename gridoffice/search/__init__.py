"""One search box over persons and households: the query, the index behind it, and pinyin."""
