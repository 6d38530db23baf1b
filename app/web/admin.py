"""Administration pages (/admin): accounts, OPDs, the working-day calendar, the outbox."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from app.domain.errors import ValidationFailed
from app.services.people.roles import ordered_role_keys, role_labels
from app.domain.timeutil import wib_date
from app.services.people import admin as service
from app.services.infrastructure.calendar import current_calendar

from .security import current_actor, now, roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@roles_required("admin")
def _admins_only():
    """Every page here is for administrators (sign-in page for guests, 403 for everyone else)."""
    return None


def _account_values() -> dict:
    form = request.form
    return {"username": form.get("username", ""), "full_name": form.get("full_name", ""),
            "jabatan": form.get("jabatan", ""),
            "email": form.get("email", ""), "roles": form.getlist("roles"), "opds": form.getlist("opds"),
            "active": form.get("active") == "1"}


def _account_form(template: str, values: dict, errors: dict, status: int = 200, user=None):
    return render_template(template, values=values, errors=errors, user=user, roles=ordered_role_keys(), role_labels=role_labels(),
                           opds=service.list_opds()), status


# --------------------------------------------------------------------------- accounts

@bp.get("/")
def index():
    return redirect(url_for("admin.users"))


@bp.get("/pengguna")
def users():
    return render_template("admin/users.html", users=service.list_users(), role_labels=role_labels())


@bp.route("/pengguna/baru", methods=["GET", "POST"])
def user_new():
    if request.method == "GET":
        return _account_form("admin/user_new.html", {"roles": [], "opds": [], "active": True}, {})
    values = _account_values()
    try:
        user, password = service.create_account(current_actor(), values, now())
    except ValidationFailed as exc:
        return _account_form("admin/user_new.html", values, exc.errors, 422)
    return render_template("admin/password.html", user=user, password=password, created=True)


@bp.route("/pengguna/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = service.get_user(user_id)
    if request.method == "GET":
        values = {"full_name": user.full_name, "jabatan": user.jabatan or "", "email": user.email or "", "roles": sorted(user.role_set),
                  "opds": [o.code for o in user.opds], "active": user.active}
        return _account_form("admin/user_edit.html", values, {}, user=user)
    values = _account_values()
    try:
        service.update_account(current_actor(), user_id, values, now())
    except ValidationFailed as exc:
        return _account_form("admin/user_edit.html", values, exc.errors, 422, user=service.get_user(user_id))
    flash(f"Akun {user.username} telah diperbarui.", "info")
    return redirect(url_for("admin.users"))


@bp.post("/pengguna/<int:user_id>/sandi")
def user_reset_password(user_id: int):
    user, password = service.reset_password(current_actor(), user_id, now())
    return render_template("admin/password.html", user=user, password=password, created=False)


# --------------------------------------------------------------------------- OPDs

def _opd_page(errors: dict | None = None, values: dict | None = None, status: int = 200):
    from app.services.people.staffing import officer_counts

    return render_template("admin/opds.html", opds=service.list_opds(), officers=officer_counts(),
                           errors=errors or {}, values=values or {}), status


@bp.get("/opd")
def opds():
    return _opd_page()


@bp.post("/opd")
def opd_create():
    values = {"code": request.form.get("code", ""), "name": request.form.get("name", "")}
    try:
        opd = service.create_opd(current_actor(), values["code"], values["name"])
    except ValidationFailed as exc:
        return _opd_page(exc.errors, values, 422)
    flash(f"OPD {opd.code} ({opd.name}) telah ditambahkan.", "info")
    return redirect(url_for("admin.opds"))


@bp.post("/opd/<code>/nama")
def opd_rename(code: str):
    try:
        opd = service.rename_opd(current_actor(), code, request.form.get("name", ""))
    except ValidationFailed as exc:
        return _opd_page({f"name-{code}": exc.errors.get("name", [])}, status=422)
    flash(f"Nama OPD {opd.code} telah diubah.", "info")
    return redirect(url_for("admin.opds"))


@bp.post("/opd/<code>/status")
def opd_status(code: str):
    active = request.form.get("active") == "1"
    opd = service.set_opd_active(current_actor(), code, active)
    flash(f"OPD {opd.code} {'diaktifkan kembali' if active else 'dinonaktifkan'}.", "info")
    return redirect(url_for("admin.opds"))


# --------------------------------------------------------------------------- calendar

def _year_arg() -> int:
    try:
        year = int(request.args.get("tahun", ""))
    except ValueError:
        return wib_date(now()).year
    return year if 2000 <= year <= 2100 else wib_date(now()).year


def _calendar_page(year: int, errors: dict | None = None, values: dict | None = None, status: int = 200):
    return render_template("admin/calendar.html", year=year, edits=service.calendar_edits(),
                           days_off=current_calendar().days_off(year), cuti_working=service.cuti_bersama_working(),
                           closing_time=service.closing_time(),
                           errors=errors or {}, values=values or {"kind": "libur"}), status


@bp.get("/kalender")
def calendar():
    return _calendar_page(_year_arg())


@bp.post("/kalender")
def calendar_add():
    values = {"day": request.form.get("day", ""), "name": request.form.get("name", ""),
              "kind": request.form.get("kind", "")}
    try:
        day = service.edit_calendar(current_actor(), values["day"], values["name"], values["kind"])
    except ValidationFailed as exc:
        return _calendar_page(_year_arg(), exc.errors, values, 422)
    flash("Kalender telah diubah. Batas waktu yang sudah berjalan tidak berubah.", "info")
    return redirect(url_for("admin.calendar", tahun=day.year))


@bp.post("/kalender/<day>/hapus")
def calendar_remove(day: str):
    removed = service.remove_calendar_edit(current_actor(), day)
    flash("Perubahan kalender dihapus." if removed else "Tidak ada perubahan pada tanggal itu.", "info")
    return redirect(url_for("admin.calendar", tahun=day[:4] if day[:4].isdigit() else None))


@bp.post("/kalender/cuti-bersama")
def calendar_cuti_bersama():
    working = request.form.get("mode") == "kerja"
    service.set_cuti_bersama(current_actor(), working)
    flash("Cuti bersama kini dihitung sebagai " + ("hari kerja." if working else "hari libur."), "info")
    return redirect(url_for("admin.calendar", tahun=_year_arg()))


@bp.post("/kalender/jam-tutup")
def calendar_closing_time():
    try:
        service.set_closing_time(current_actor(), request.form.get("jam_tutup", "")[:5])
    except ValidationFailed as exc:
        return _calendar_page(_year_arg(), exc.errors, {"kind": "libur", "jam_tutup": request.form.get("jam_tutup")},
                              422)
    value = service.closing_time()
    flash(f"Permohonan yang diterima pada hari kerja mulai pukul {value} WIB kini dihitung sejak hari kerja "
          "berikutnya." if value else "Jam tutup layanan dihapus: hari penerimaan dihitung, pukul berapa pun.", "info")
    return redirect(url_for("admin.calendar", tahun=_year_arg()))


# --------------------------------------------------------------------------- outbox

@bp.get("/surat")
def outbox():
    unsent = request.args.get("tampil") == "belum-terkirim"
    return render_template("admin/outbox.html", rows=service.latest_outbox(unsent_only=unsent),
                           limit=service.OUTBOX_PAGE, unsent=unsent)


@bp.post("/surat/<int:outbox_id>/kirim-ulang")
def outbox_send_again(outbox_id: int):
    try:
        sent = service.send_mail_again(current_actor(), outbox_id, now())
    except ValidationFailed as exc:
        flash(" ".join(m for msgs in exc.errors.values() for m in msgs), "error")
    else:
        flash("Surat terkirim." if sent else "Surat belum dapat dikirim; kesalahannya tercatat di kolom Pengiriman dan "
              "surat dicoba lagi sesuai jadwal.", "success" if sent else "error")
    return redirect(url_for("admin.outbox", tampil=request.args.get("tampil") or None))


@bp.get("/surat/<int:outbox_id>")
def outbox_message(outbox_id: int):
    return render_template("admin/message.html", message=service.outbox_message(current_actor(), outbox_id))
