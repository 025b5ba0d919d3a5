"""Chinese names the pages show for the registry's own words.

The audit actions' names live with the rest of the audit log's presentation in
``pipeline.auditview`` (the CLI names them too); the pages import them from here or there."""

from __future__ import annotations

from pipeline.auditview import ACTION_LABELS

__all__ = ["ACTION_LABELS"]
