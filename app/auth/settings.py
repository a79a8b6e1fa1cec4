"""Settings the flows read at run time (the app's config; later also admin overrides)."""

from flask import current_app


def setting(name: str):
    return current_app.config[name]
