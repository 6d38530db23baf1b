"""Register, confirm e-mail, sign in and out, change password."""
from __future__ import annotations

from flask import (Blueprint, Response, current_app, flash, make_response, redirect, render_template, request, session,
                   url_for)
from flask_login import current_user, login_required, login_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.domain.errors import DomainError, ValidationFailed
from app.services.people import accounts, recovery

from .filters import navigation
from .keep_input import STASH_KEY, safe_local_path
from .security import LoginUser, client_address, current_actor, now, sign_in_browser, sign_out_browser

bp = Blueprint("auth", __name__)
CONFIRM_MAX_AGE = 2 * 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="konfirmasi-email")


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="atur-ulang-sandi")


#: where each kind of user starts after signing in, first match wins (menu entries of web.filters.navigation)
START_PAGES = (("worklist", "/staf/tugas"), ("portal", "/permohonan"), ("audit", "/audit/"),
               ("cases", "/staf/kasus"), ("admin", "/admin/pengguna"), ("processes", "/proses"))


def _safe_next(target: str | None, user_roles: frozenset[str] = frozenset()) -> str:
    """The local page asked for, else the user's own start page (staff: the worklist)."""
    path = safe_local_path(target)
    if path:
        return path
    menu = navigation(user_roles)
    return next((path for entry, path in START_PAGES if menu.get(entry)), url_for("public.home"))


#: a browser that signed in to an account before is not slowed down by someone guessing at that account
DEVICE_COOKIE = "ppid_perangkat"
DEVICE_MAX_AGE = 180 * 24 * 3600
DEVICE_ACCOUNTS = 5  # accounts one shared browser remembers


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="perangkat-masuk")


def _device_accounts() -> list[str]:
    """The usernames (lower case) this browser signed in to before, from its signed cookie."""
    try:
        names = _device_serializer().loads(request.cookies.get(DEVICE_COOKIE, ""), max_age=DEVICE_MAX_AGE)
    except (BadSignature, TypeError, ValueError):
        return []
    return [n for n in names if isinstance(n, str)][:DEVICE_ACCOUNTS] if isinstance(names, list) else []


def _remember_device(response: Response, username: str) -> Response:
    names = [username.lower()] + [n for n in _device_accounts() if n != username.lower()]
    response.set_cookie(DEVICE_COOKIE, _device_serializer().dumps(names[:DEVICE_ACCOUNTS]), max_age=DEVICE_MAX_AGE,
                        path=url_for("auth.login"), httponly=True, samesite="Lax",
                        secure=bool(current_app.config.get("PPID_HTTPS")))
    return response


@bp.route("/masuk", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        try:
            user = accounts.sign_in(username, request.form.get("password", ""), client_address(), now(),
                                    trusted_device=username.lower() in _device_accounts())
        except DomainError as exc:
            flash(exc.message, "error")
            response = make_response(render_template("auth/login.html", username=username[:80]), exc.http_status)
            if exc.http_status == 429:
                response.headers["Retry-After"] = str(getattr(exc, "retry_after", 900))
            return response
        sign_in_browser(user)
        return _remember_device(redirect(_safe_next(request.args.get("next"), accounts.actor_for(user).roles)),
                                user.username)
    return render_template("auth/login.html", username="")


@bp.post("/keluar")
@login_required
def logout():
    sign_out_browser()  # ends the session on the server: a copied cookie opens nothing after this
    session.pop(STASH_KEY, None)  # what a session kept of a form is not the next person's
    flash("Anda telah keluar.", "info")
    return redirect(url_for("public.home"))


@bp.route("/daftar", methods=["GET", "POST"])
def register():
    values = {k: request.form.get(k, "") for k in ("username", "full_name", "email")}
    if request.method == "POST":
        try:
            answer = accounts.register_applicant(
                values["username"].strip(), values["full_name"], values["email"].strip(),
                request.form.get("password", ""), now(), make_token=lambda user_id: _serializer().dumps(user_id),
                address=client_address())
        except ValidationFailed as exc:
            return render_template("auth/register.html", values=values, errors=exc.errors), 422
        except DomainError as exc:  # too many registrations from this address
            flash(exc.message, "error")
            response = make_response(render_template("auth/register.html", values=values, errors={}),
                                     exc.http_status)
            response.headers["Retry-After"] = str(getattr(exc, "retry_after", 3600))
            return response
        flash(answer, "info")  # the same whether or not the name or address was taken: the mail tells
        return redirect(url_for("auth.login"))
    return render_template("auth/register.html", values=values, errors={})


@bp.get("/konfirmasi/<token>")
def confirm(token: str):
    try:
        user_id = _serializer().loads(token, max_age=CONFIRM_MAX_AGE)
        accounts.confirm_email(int(user_id), now())
    except SignatureExpired:
        flash("Tautan konfirmasi sudah kedaluwarsa. Daftar ulang atau hubungi petugas.", "error")
        return redirect(url_for("auth.login"))
    except (BadSignature, DomainError, ValueError):
        flash("Tautan konfirmasi tidak valid.", "error")
        return redirect(url_for("auth.login"))
    flash("Alamat e-mail terkonfirmasi. Silakan masuk.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/kata-sandi", methods=["GET", "POST"])
@login_required
def change_password():
    if request.method == "POST":
        try:
            user = accounts.change_password(current_actor().user_id, request.form.get("old_password", ""),
                                            request.form.get("new_password", ""), now(),
                                            keep_token=current_user.token)
        except ValidationFailed as exc:
            return render_template("auth/password.html", errors=exc.errors), 422
        login_user(LoginUser(user, current_user.token))  # this session continues; every other one ends
        flash("Kata sandi telah diganti.", "info")
        return redirect(url_for("public.home"))
    return render_template("auth/password.html", errors={})


@bp.get("/akun/data-saya.zip")
@login_required
def my_data():
    """A copy of everything held about the signed-in account (UU 27/2022): the same ZIP as
    `ppid data export`, for the account holder alone."""
    from app.services.records.personal_data import export_applicant

    content, _ = export_applicant(current_actor().username)
    response = Response(content, mimetype="application/zip")
    response.headers["Content-Disposition"] = 'attachment; filename="data-saya.zip"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --------------------------------------------------------------------------- no account is stranded

def _ask_by_email(template: str, title: str, intro: str, action):
    """A page that asks for an e-mail address and always answers the same way."""
    email = request.form.get("email", "").strip()[:200] if request.method == "POST" else ""
    if request.method == "POST":
        if not email:
            return render_template(template, title=title, intro=intro, email=email,
                                   errors={"email": ["Wajib diisi."]}), 422
        flash(action(email), "info")
        return redirect(url_for("auth.login"))
    return render_template(template, title=title, intro=intro, email=email, errors={})


@bp.route("/lupa-kata-sandi", methods=["GET", "POST"])
def forgot_password():
    return _ask_by_email(
        "auth/ask_email.html", "Lupa Kata Sandi",
        "Tulis alamat e-mail akun Anda. Kami akan mengirim tautan untuk membuat kata sandi baru.",
        lambda email: recovery.request_password_reset(
            email, client_address(), now(),
            make_token=lambda user_id, fingerprint: _reset_serializer().dumps([user_id, fingerprint])))


@bp.route("/kirim-ulang-konfirmasi", methods=["GET", "POST"])
def resend_confirmation():
    return _ask_by_email(
        "auth/ask_email.html", "Kirim Ulang E-mail Konfirmasi",
        "Tulis alamat e-mail yang Anda pakai saat mendaftar. Kami akan mengirim ulang tautan konfirmasi.",
        lambda email: recovery.resend_confirmation(
            email, client_address(), now(), make_token=lambda user_id: _serializer().dumps(user_id)))


def _reset_link(token: str) -> tuple[int, str] | None:
    try:
        user_id, fingerprint = _reset_serializer().loads(token, max_age=recovery.RESET_MINUTES * 60)
        return int(user_id), str(fingerprint)
    except (BadSignature, TypeError, ValueError):  # SignatureExpired is a BadSignature
        return None


@bp.route("/atur-ulang-sandi/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    link = _reset_link(token)
    if link is None or recovery.user_for_reset(*link) is None:
        return render_template("auth/reset.html", invalid=recovery.LINK_INVALID, errors={}), 410
    if request.method == "POST":
        try:
            recovery.reset_password_with_link(*link, request.form.get("new_password", ""),
                                              request.form.get("repeat_password", ""), now())
        except ValidationFailed as exc:
            if "link" in exc.errors:
                return render_template("auth/reset.html", invalid=recovery.LINK_INVALID, errors={}), 410
            return render_template("auth/reset.html", invalid=None, errors=exc.errors), 422
        sign_out_browser()
        flash("Kata sandi baru telah disimpan. Silakan masuk dengan kata sandi itu.", "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", invalid=None, errors={})
