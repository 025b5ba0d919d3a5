"""CLI commands of the watched inbox (`watch`, `retry`, `status`): filled by the watcher work."""
