"""The web application as uvicorn's worker processes build it (`wenshu web --workers N`): the
settings the command built once, handed over in the environment, not read again."""

from __future__ import annotations

import os

from fastapi import FastAPI

from core.settings import Settings
from pipeline.cli_web import SETTINGS_ENV
from pipeline.web.app import create_app


def app() -> FastAPI:
    """uvicorn's factory (``pipeline.web.main:app`` with ``factory=True``)."""
    try:
        given = os.environ[SETTINGS_ENV]
    except KeyError:
        raise RuntimeError("pipeline.web.main:app is started by `wenshu web --workers N`, which passes the "
                           "settings; run that command instead") from None
    return create_app(Settings.model_validate_json(given))
