"""Web layer: Flask blueprints (HTML pages and the JSON API)."""
from __future__ import annotations

from flask import Flask


def register_web(app: Flask) -> None:
    from .public import bp as public_bp

    app.register_blueprint(public_bp)
