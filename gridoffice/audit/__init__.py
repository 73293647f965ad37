"""The audit trail: writing every change with its hash chain, reading and telling it, anchors, undo."""
