"""PPID Kabupaten Pasuruan: the public-information request service, run on BPMN."""
from __future__ import annotations

from pathlib import Path

from flask import Flask


def create_app(test_config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Application factory: nothing happens at import time."""
    from flask_migrate import Migrate

    from .config import load_settings
    from .engine import Engine
    from .persistence import configure_engine_events
    from .persistence.models import db

    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    settings = load_settings(Path(app.instance_path), test_config)
    app.config.update(settings)
    app.config["SQLALCHEMY_DATABASE_URI"] = settings["DATABASE_URL"]
    from .web.uploads import body_cap

    app.config["MAX_CONTENT_LENGTH"] = body_cap(settings)
    configure_engine_events()
    db.init_app(app)
    Migrate(app, db, directory=str(Path(__file__).parent / "persistence" / "migrations"), render_as_batch=True)
    app.extensions["ppid_engine"] = Engine()
    from .web import register_web

    register_web(app)
    if settings["PPID_TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # the client address (sign-in throttling, audit) and scheme as the proxies in front saw them;
        # only that many hops of X-Forwarded-* are believed, so a client cannot forge its address
        hops = settings["PPID_TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app


def same_app(app: Flask):
    """A picklable recipe for another app like `app` (its settings and instance folder): what a worker process
    of a command builds for itself (`ppid audit replay --jobs N`, the bench's replay row)."""
    from functools import partial

    from .config import SETTINGS

    return partial(create_app, {name: app.config[name] for name in SETTINGS if name in app.config},
                   app.instance_path)
