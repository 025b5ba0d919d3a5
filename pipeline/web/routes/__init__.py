"""One module per page (and its JSON twin); ``MODULES`` is what ``create_app`` includes."""

from pipeline.web.routes import home, login

MODULES = (login, home)
