"""The office's web application (FastAPI + Jinja2 + htmx): see ``app.create_app``."""
