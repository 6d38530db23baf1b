"""Sign-in sessions, the acting user, and role checks for routes."""
from __future__ import annotations

import functools
from datetime import datetime, timezone

from flask import abort, has_request_context, request
from flask_login import LoginManager, current_user

from app.persistence.models import User, db
from app.services.accounts import actor_for
from app.services.context import Actor

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Silakan masuk terlebih dahulu."
login_manager.login_message_category = "info"

ANONYMOUS = Actor(user_id=None, username="", full_name="Tamu")


class LoginUser:
    """Flask-Login's view of an account; the id carries the session epoch so a password change ends sessions."""

    is_active = True
    is_anonymous = False
    is_authenticated = True

    def __init__(self, user: User):
        self.user = user

    def get_id(self) -> str:
        return f"{self.user.id}:{self.user.session_epoch}"


@login_manager.user_loader
def _load_user(session_id: str) -> LoginUser | None:
    user_id, _, epoch = session_id.partition(":")
    if not user_id.isdigit() or not epoch.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_epoch != int(epoch):
        return None
    return LoginUser(user)


@login_manager.unauthorized_handler
def _unauthorized():
    """Sign in first; a form posted after the session ended keeps what was typed (keep_input)."""
    from flask import flash, redirect, url_for

    from .keep_input import is_browser_form_post, keep_and_return, safe_local_path

    if is_browser_form_post():
        return keep_and_return()
    if request.path.startswith("/api/"):
        abort(401)
    flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(url_for("auth.login", next=safe_local_path(request.full_path.rstrip("?"))))


def current_actor() -> Actor:
    """The acting user for service calls (anonymous when nobody is signed in, or outside a request)."""
    if has_request_context() and current_user and current_user.is_authenticated:
        return actor_for(current_user.user)
    return ANONYMOUS


def now() -> datetime:
    return datetime.now(timezone.utc)


def roles_required(*roles: str):
    """Route decorator: signed in, and holding one of the roles (403 otherwise)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and not (current_actor().roles & set(roles)):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def client_address() -> str:
    return request.remote_addr or "unknown"
