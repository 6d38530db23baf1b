"""Signature blocks stay with their text; no document has a blank page or a page of only a signature.

Every document is built with the longest values the forms allow (``maxLength`` read from
``forms/*.schema.json``, so the test follows the forms) and with the text before the
signature swept through lengths that move the signature across a page boundary.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import pypdf
import pytest

from app.documents import (
    CaseDocumentData,
    dispute_bundle_pdf,
    history_pdf,
    load_form_labels,
    notice_pdf,
    objection_decision_pdf,
    objection_receipt_pdf,
    receipt_pdf,
)
from app.documents import layout
from app.documents.layout import OFFICE_SHORT

FORMS = Path(__file__).resolve().parents[2] / "forms"
NUMBER = "PPID-2026-00123"
RECEIVED = datetime(2026, 3, 16, 7, 5, tzinfo=timezone.utc)
SIGNER_LIMIT = 150  # nama_ppid has no form field; the same bound as nama_atasan
WORDS = ("informasi publik anggaran dinas kabupaten dokumen pengadaan laporan kegiatan tahun "
         "pelaksanaan rencana kerja belanja daerah").split()


@lru_cache(maxsize=None)
def max_lengths() -> dict[str, int]:
    """The largest ``maxLength`` of each field over every form."""
    limits: dict[str, int] = {}
    for path in FORMS.glob("*.schema.json"):
        for name, spec in json.loads(path.read_text()).get("properties", {}).items():
            if isinstance(spec, dict) and "maxLength" in spec:
                limits[name] = max(limits.get(name, 0), spec["maxLength"])
    return limits


def text(length: int, seed: str = "") -> str:
    """Ordinary words (so lines wrap as real text does), exactly ``length`` characters."""
    out, i = seed, 0
    while len(out) < length:
        out += (" " if out else "") + WORDS[i % len(WORDS)]
        i += 1
    return out[:length].rstrip() or ""


def longest(**overrides) -> dict:
    """A refused, objected and disputed case with every text field at its longest."""
    case = {name: text(limit) for name, limit in max_lengths().items()}
    case.update(
        jenis_pemohon="perorangan", nik="3514012345670001", email="siti@example.id", telepon="081234567890",
        cara_memperoleh="salinan_softcopy", cara_mendapatkan_salinan="email", informasi_dikuasai="ya",
        keputusan="ditolak", dasar_penolakan=["h"], alasan_keberatan=["a"], keputusan_keberatan="ditolak",
        nomor_keberatan="KEB-2026-0007", tanggal_keberatan="2026-04-01T02:00:00+00:00",
        tanggal_pemberitahuan="2026-03-27", tanggal_putusan_keberatan="2026-05-01T03:00:00+00:00",
        batas_pemberitahuan="2026-03-30T16:59:59+00:00", batas_perpanjangan="2026-04-08",
        tanggal_pengajuan_sengketa="2026-05-04", status_keberatan="Ditolak",
        nama_ppid=text(SIGNER_LIMIT, "Penanda Tangan PPID"),
        nama_atasan=text(max_lengths()["nama_atasan"], "Penanda Tangan Atasan"),
        jabatan_atasan=text(max_lengths()["jabatan_atasan"], "Jabatan Atasan"),
    )
    case.update(overrides)
    return case


def history(n: int = 25) -> list[dict]:
    return [dict(at=RECEIVED + timedelta(hours=i), event_type="task_completed", actor_name=f"Petugas {i}",
                 actor_role="diskominfo", task_name="Periksa kelengkapan", summary=text(300))
            for i in range(n)]


def data(case: dict) -> CaseDocumentData:
    return CaseDocumentData(NUMBER, RECEIVED, status="Ditolak", case_data=case, history=history())


@lru_cache(maxsize=None)
def labels():
    return load_form_labels(FORMS)


# -- reading a PDF back --------------------------------------------------------------
def flat(value: str) -> str:
    return "".join(value.split())


HEAD = re.compile(re.escape(flat(OFFICE_SHORT)) + r"·[^·]*·NomorPendaftaran" + re.escape(NUMBER))
FOOT = re.compile(r"NomorPendaftaran" + re.escape(NUMBER) + r"Halaman\d+dari\d+"
                  + re.escape(flat("Dokumen elektronik layanan " + OFFICE_SHORT)) + "$")


PLACE_DATE = re.compile(r"Bangil(,\w+,\d+\w+\d{4})?$")  # the first line of a signature block


def pages(pdf: bytes) -> list[str]:
    """Each page's text without whitespace, running head and footer."""
    out = []
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        body = flat(page.extract_text() or "")
        body = FOOT.sub("", HEAD.sub("", body, count=1), count=1)
        out.append(body)
    return out


def assert_laid_out(pdf: bytes, signatures: list[str], where: str) -> None:
    """No blank page; each signature block on a page that also holds text above it."""
    texts = pages(pdf)
    for number, body in enumerate(texts, start=1):
        assert body, f"{where}: page {number} is blank"
    for block in signatures:
        hits = [(n, body) for n, body in enumerate(texts, start=1) if block in body]
        assert hits, f"{where}: signature block not found"
        for number, body in hits:
            before = PLACE_DATE.sub("", body[:body.index(block)])
            assert len(before) >= 20, f"{where}: the signature block stands alone on page {number}"


def notice_signature(case: dict) -> str:
    return flat("Pejabat Pengelola Informasi dan Dokumentasi Dinas Komunikasi dan Informatika "
                "Kabupaten Pasuruan" + case["nama_ppid"])


def decision_signature(case: dict) -> str:
    return flat("Atasan PPID" + case["jabatan_atasan"] + case["nama_atasan"])


# -- the documents -------------------------------------------------------------------
# (name, builder, signature texts, the field whose length moves the signature)
Builder = Callable[[dict], bytes]
DOCUMENTS: list[tuple[str, Builder, Callable[[dict], list[str]], str]] = [
    ("notice ditolak", lambda c: notice_pdf(data(c), labels()), lambda c: [notice_signature(c)],
     "isi_pemberitahuan"),
    ("notice diterima_sebagian", lambda c: notice_pdf(data({**c, "keputusan": "diterima_sebagian"}), labels()),
     lambda c: [notice_signature(c)], "isi_pemberitahuan"),
    ("notice diterima_seluruhnya",
     lambda c: notice_pdf(data({**c, "keputusan": "diterima_seluruhnya"}), labels()),
     lambda c: [notice_signature(c)], "isi_pemberitahuan"),
    ("notice tidak_dikuasai",
     lambda c: notice_pdf(data({**c, "keputusan": "tidak_dikuasai", "informasi_dikuasai": "tidak"}), labels()),
     lambda c: [notice_signature(c)], "isi_pemberitahuan"),
    ("extension", lambda c: notice_pdf(data({**c, "keputusan": "perpanjang"}), labels()),
     lambda c: [notice_signature(c)], "isi_pemberitahuan"),
    ("objection decision ditolak", lambda c: objection_decision_pdf(data(c), labels()),
     lambda c: [decision_signature(c)], "pertimbangan_keberatan"),
    ("objection decision dikabulkan",
     lambda c: objection_decision_pdf(data({**c, "keputusan_keberatan": "dikabulkan"}), labels()),
     lambda c: [decision_signature(c)], "pertimbangan_keberatan"),
    ("receipt", lambda c: receipt_pdf(data(c), labels()), lambda c: [], "rincian_informasi"),
    ("objection receipt", lambda c: objection_receipt_pdf(data(c), labels()), lambda c: [], "uraian_keberatan"),
    ("history", lambda c: history_pdf(data(c), labels()), lambda c: [], "rincian_informasi"),
]
IDS = [d[0] for d in DOCUMENTS]


@pytest.mark.parametrize("name, build, signatures, _field", DOCUMENTS, ids=IDS)
def test_longest_values_keep_the_signature_with_its_text(name, build, signatures, _field):
    case = longest()
    assert_laid_out(build(case), signatures(case), f"{name} at the longest values")


@pytest.fixture
def core_fonts(monkeypatch):
    """Helvetica instead of DejaVu: the same layout code, a faster sweep."""
    monkeypatch.setattr(layout, "unicode_font_files", lambda: None)


SIGNED = [d for d in DOCUMENTS if d[0] not in ("receipt", "objection receipt", "history")]


@pytest.mark.parametrize("name, build, signatures, field", SIGNED, ids=[d[0] for d in SIGNED])
def test_signature_kept_with_its_text_at_every_length(core_fonts, name, build, signatures, field):
    """Sweep the text before the signature over its whole allowed length in steps of
    about three lines: the signature block is about nine lines tall, so some runs put
    it right at a page boundary."""
    limit = max_lengths()[field]
    for length in range(0, limit + 1, 300):
        case = longest(**{field: text(length)})
        pdf = build(case)
        assert_laid_out(pdf, signatures(case), f"{name} with {field} of {length} characters")


def test_dispute_bundle_keeps_every_signature_with_its_text(core_fonts):
    for length in range(0, max_lengths()["pertimbangan_keberatan"] + 1, 600):
        case = longest(pertimbangan_keberatan=text(length), isi_pemberitahuan=text(length))
        pdf = dispute_bundle_pdf(data(case), labels(), made_at=RECEIVED + timedelta(days=60))
        assert_laid_out(pdf, [notice_signature(case), decision_signature(case)],
                        f"bundle with texts of {length} characters")
