"""Register, confirm e-mail, sign in and out, change password."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.domain.errors import DomainError, ValidationFailed
from app.services import accounts, recovery

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


@bp.route("/masuk", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        try:
            user = accounts.sign_in(request.form.get("username", "").strip(), request.form.get("password", ""),
                                    client_address(), now())
        except DomainError as exc:
            flash(exc.message, "error")
            return render_template("auth/login.html", username=request.form.get("username", "")), exc.http_status
        sign_in_browser(user)
        return redirect(_safe_next(request.args.get("next"), accounts.actor_for(user).roles))
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
            accounts.register_applicant(values["username"].strip(), values["full_name"], values["email"].strip(),
                                        request.form.get("password", ""), now(),
                                        make_token=lambda user_id: _serializer().dumps(user_id))
        except ValidationFailed as exc:
            return render_template("auth/register.html", values=values, errors=exc.errors), 422
        flash("Pendaftaran berhasil. Buka tautan konfirmasi yang kami kirim ke e-mail Anda.", "info")
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
    from app.services.personal_data import export_applicant

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
