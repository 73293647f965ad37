"""The office file itself: opening it safely, its schema and migrations, the lock, backups, temporary files."""
