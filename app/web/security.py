"""Sign-in sessions, the acting user, and role checks for routes."""
from __future__ import annotations

import functools
from datetime import timedelta
from typing import TYPE_CHECKING

from flask import abort, current_app, g, has_request_context, request, session
from flask_login import LoginManager, current_user, login_user, logout_user

from app.services.people import sessions
from app.services.people.accounts import actor_for, user_by_id
from app.domain.roles import PEMOHON
from app.services.infrastructure.context import Actor

from .clock import now

if TYPE_CHECKING:
    from app.persistence.models import User, UserSession

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Silakan masuk terlebih dahulu."
login_manager.login_message_category = "info"

ANONYMOUS = Actor(user_id=None, username="", full_name="Tamu")


class LoginUser:
    """Flask-Login's view of an account on one browser. The id carries the account, its session
    epoch and the token of its server-side session (services.people.sessions): the session is checked on
    every request, so sign-out, a password change, deactivation and the time limits end it."""

    is_active = True
    is_anonymous = False
    is_authenticated = True

    def __init__(self, user: User, token: str, session_row: UserSession | None = None):
        self.user = user
        self.token = token
        #: the server-side session's id and last use, as read when the request began
        self.session_id = session_row.id if session_row is not None else None
        self.last_seen_at = session_row.last_seen_at if session_row is not None else None

    def get_id(self) -> str:
        return f"{self.user.id}:{self.user.session_epoch}:{self.token}"


def idle_limit(user: User) -> timedelta:
    """How long a sign-in lasts without a request: staff PPID_SESSION_IDLE_MINUTES (30), applicants
    (holding no role but pemohon) PPID_SESSION_IDLE_MINUTES_APPLICANT (120)."""
    applicant = user.role_set <= {PEMOHON}
    name = "PPID_SESSION_IDLE_MINUTES_APPLICANT" if applicant else "PPID_SESSION_IDLE_MINUTES"
    return timedelta(minutes=int(current_app.config[name]))


def longest_session() -> timedelta:
    return timedelta(hours=int(current_app.config["PPID_SESSION_MAX_HOURS"]))


@login_manager.user_loader
def _load_user(session_id: str) -> LoginUser | None:
    user_id, epoch, token = (session_id.split(":") + ["", ""])[:3]
    if not user_id.isdigit() or not epoch.isdigit() or not token:
        return None
    user = user_by_id(int(user_id))
    if user is None or not user.active or user.session_epoch != int(epoch):
        return None
    row = sessions.live(token, user.id, now(), idle_limit(user), longest_session())
    return LoginUser(user, token, row) if row is not None else None


def sign_in_browser(user: User) -> None:
    """Start a server-side session for `user` in this browser (ending the one it had, if any)."""
    previous = getattr(current_user, "token", None) if current_user.is_authenticated else None
    previous = previous or _token_in_cookie()
    login_user(LoginUser(user, sessions.start(user.id, now(), previous_token=previous)))


def sign_out_browser() -> None:
    """End this browser's session on the server too (a copy of the cookie opens nothing after)."""
    token = getattr(current_user, "token", None) if current_user.is_authenticated else None
    token = token or _token_in_cookie()
    if token:
        sessions.end(token, sessions.SIGNED_OUT, now())
    logout_user()


def _token_in_cookie() -> str | None:
    parts = str(session.get("_user_id") or "").split(":")
    return parts[2] if len(parts) == 3 and parts[2] else None


def touch_session() -> None:
    """before_request: record use of the signed-in session, at most once a minute."""
    if request.endpoint == "static" or request.path.startswith("/api/"):
        return
    g.pop("_login_user", None)  # check this request's cookie, never a user cached in a longer-lived app context
    if current_user.is_authenticated and current_user.session_id is not None:
        moment = now()
        if moment - current_user.last_seen_at >= sessions.TOUCH_EVERY:
            sessions.touch(current_user.session_id, moment)


#: what an account whose password was issued by someone else may still open
OWN_PASSWORD_FIRST = frozenset({"auth.change_password", "auth.logout", "static"})


def require_own_password():
    """before_request: an account signed in with a password an administrator issued goes to the
    password page first (ASVS 2.3.1); nothing else opens until its owner has chosen their own."""
    if (request.endpoint in OWN_PASSWORD_FIRST or request.path.startswith("/api/")
            or not current_user.is_authenticated or not current_user.user.must_change_password):
        return None
    from flask import flash, redirect, url_for

    if request.method == "GET":
        flash("Kata sandi akun Anda diberikan oleh administrator. Buat kata sandi Anda sendiri dahulu.", "info")
    return redirect(url_for("auth.change_password"))


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
