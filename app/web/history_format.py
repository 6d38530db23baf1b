"""How recorded values and timer steps of a case's history read on a page (the staff case file and
the auditor's pages show the same history the same way)."""
from __future__ import annotations

import re
from datetime import datetime

from flask import url_for
from markupsafe import Markup
from werkzeug.routing import BuildError

from app.domain.timeutil import format_waktu, parse_iso

from .formrender import FILE_ATTACHED, describe_value

ATTACHMENT_PREFIX = "lampiran:"
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
TIMER_KINDS = ("BoundaryEvent", "IntermediateCatchEvent", "TimerEvent", "StartEvent")
#: values that stand for what this reader may not see: shown as they are
MASKS = ("(disembunyikan)", "(dirahasiakan)")
#: labels of data keys that scripts set (form fields take their schema titles)
DATA_LABELS = {"nomor_pendaftaran": "Nomor Pendaftaran", "status": "Status", "tanggal_diterima": "Tanggal diterima",
               "terlambat": "Melewati target layanan", "opd": "OPD", "hasil": "Hasil",
               "nomor_keberatan": "Nomor Keberatan", "tanggal_keberatan": "Tanggal keberatan diterima",
               "status_keberatan": "Status keberatan", "tanggal_pengaduan": "Tanggal pengaduan diterima",
               "tanggal_diteruskan": "Tanggal diteruskan", "batas_penerusan": "Batas penerusan",
               "batas_tindak_lanjut": "Batas tindak lanjut", "batas_pemberitahuan": "Batas pemberitahuan tertulis",
               "batas_perpanjangan": "Batas perpanjangan", "batas_putusan_keberatan": "Batas putusan keberatan",
               "target_layanan": "Target layanan (4 hari kerja)",
               "melewati_batas_waktu": "Melewati batas waktu pemberitahuan",
               "tanggal_melewati_batas": "Tanggal batas waktu terlewati",
               "pemberitahuan_terbit": "Pemberitahuan tertulis terbit", "keberatan_dibuka": "Hak keberatan dibuka",
               "keberatan_menunggu": "Keberatan menunggu putusan", "sengketa_dibuka": "Tahap sengketa dibuka",
               "keberatan_tidak_ditanggapi": "Keberatan tidak ditanggapi",
               "nomor_surat_pemberitahuan": "Nomor surat pemberitahuan", "tanggal_pemberitahuan": "Tanggal pemberitahuan",
               "nomor_surat_perpanjangan": "Nomor surat perpanjangan", "tanggal_perpanjangan": "Tanggal perpanjangan",
               "nomor_putusan_keberatan": "Nomor putusan keberatan", "nama_ppid": "Ditandatangani oleh",
               "jabatan_ppid": "Jabatan penanda tangan", "menunggu_penyerahan": "Informasi belum diserahkan",
               "opd_sebelumnya": "OPD yang mengembalikan",
               "jadwal_komisi": "Jadwal di Komisi Informasi", "sengketa_berjalan": "Sengketa berjalan di Komisi",
               "status_sengketa": "Status sengketa", "hasil_sengketa": "Hasil sengketa",
               "perintah_komisi": "Komisi memerintahkan informasi diberikan",
               "batas_putusan_komisi": "Batas pelaksanaan putusan Komisi",
               "putusan_komisi_dilaksanakan": "Putusan Komisi dilaksanakan",
               "putusan_komisi_terlambat": "Putusan Komisi melewati batas pelaksanaan",
               "sidang_akan_datang": "Jadwal masih akan datang", "sengketa_atas_panggilan": "Sengketa atas panggilan Komisi",
               "jangka_sengketa_lewat": "Jangka pengajuan sengketa oleh pemohon lewat",
               "status_sebelum_sengketa": "Status sebelum sengketa",
               "pengingat_jenis_jadwal": "Pengingat: jenis jadwal", "pengingat_tanggal_jadwal": "Pengingat: tanggal jadwal",
               "pengingat_tempat_jadwal": "Pengingat: tempat", "tanggal_pencabutan": "Tanggal pencabutan",
               "alasan_pencabutan": "Alasan pencabutan", "kanal_permohonan": "Permohonan diterima melalui",
               "nama_penandatangan_perpanjangan": "Penanda tangan surat perpanjangan",
               "jabatan_penandatangan_perpanjangan": "Jabatan penanda tangan surat perpanjangan"}
#: a code (``diterima_seluruhnya``) that no form names: shown in words, never raw
CODE = re.compile(r"[a-z]+(?:_[a-z0-9]+)+")


def plain_words(key: str) -> str:
    """``batas_tindak_lanjut`` -> ``Batas tindak lanjut``: the last resort for a key without a label."""
    return key.replace("_", " ").strip().capitalize() if CODE.fullmatch(key) else key


def field_label(props: dict[str, dict], field: str) -> str:
    """The label of a data key: ours for the keys scripts set, else the form field's title."""
    return DATA_LABELS.get(field) or (props.get(field) or {}).get("title") or plain_words(field)


def show_value(props: dict[str, dict], field: str, value, opd_names: dict[str, str]):
    """The human text of one recorded value: OPD names, times in WIB, uploads as a download link,
    choices by their titles (`props`: the form fields' JSON Schema properties)."""
    if value is None or value == "":
        return "—"
    if value in MASKS:
        return value
    if field == "opd" and isinstance(value, str) and value in opd_names:
        return opd_names[value]
    if isinstance(value, str) and ISO_DATETIME.match(value) and not (props.get(field) or {}).get("format"):
        try:
            return format_waktu(parse_iso(value))
        except ValueError:
            return value
    if isinstance(value, str) and value.startswith(ATTACHMENT_PREFIX):
        try:
            href = url_for("files.download", token=value.removeprefix(ATTACHMENT_PREFIX))
        except BuildError:
            return FILE_ATTACHED
        return Markup('<a href="{}">{} (unduh)</a>').format(href, FILE_ATTACHED)
    if isinstance(value, dict):  # a record a script built (e.g. one hearing of `jadwal_komisi`): its keys' labels
        return Markup(" · ").join(Markup("{}: {}").format(field_label(props, k), show_value(props, k, v, opd_names))
                                  for k, v in value.items())
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return Markup("<br>").join(show_value(props, field, v, opd_names) for v in value)
    shown = describe_value(props.get(field) or {}, value)
    return plain_words(shown) if isinstance(shown, str) else shown


def fired_timers(entry) -> list[str]:
    """Names of the timer events that fired in an event (a timer step of a timer_fired event)."""
    if entry.event_type != "timer_fired":
        return []
    steps = [s for s in entry.payload.get("steps") or () if isinstance(s, dict)]
    names = [s.get("name") or s.get("id") for s in steps if s.get("kind") in TIMER_KINDS]
    return names[:1] or list(entry.payload.get("timers_cleared") or [])[:1]


def timer_text(text: str) -> str:
    """'Batas 10 hari kerja (2026-03-16T16:59:59+00:00)' -> the name and the time in WIB."""
    name, sep, rest = str(text).rpartition(" (")
    if not sep or not rest.endswith(")"):
        return str(text)
    try:
        when: datetime = parse_iso(rest[:-1])
    except ValueError:
        return str(text)
    return f"{name}: {format_waktu(when)}"
