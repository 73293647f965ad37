"""Who may open the file and what they may see: log-in, users and roles, key slots, the acting user's scope."""
