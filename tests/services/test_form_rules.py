"""Contradictory answers are invalid in the form files themselves, with the message on the field."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from app.domain.errors import ValidationFailed
from app.services.casework.forms import clean_submission

FORMS = Path(__file__).resolve().parents[2] / "forms"


def _schema(name: str) -> dict:
    return json.loads((FORMS / f"{name}.schema.json").read_text(encoding="utf-8"))


def _errors(name: str, data: dict) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as caught:
        clean_submission(_schema(name), data, sources={})
    return caught.value.errors


@pytest.mark.parametrize("path", sorted(FORMS.glob("*.schema.json")), ids=lambda p: p.name)
def test_every_form_is_a_valid_2020_12_schema(path: Path) -> None:
    Draft202012Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))


def test_not_held_cannot_be_granted() -> None:
    errors = _errors("jawaban_opd", {"informasi_dikuasai": "tidak", "usulan_keputusan": "diterima_seluruhnya",
                                     "jawaban_opd": "x"})
    assert errors["usulan_keputusan"] == [
        "Informasi yang tidak dikuasai hanya dapat diusulkan 'Informasi tidak dikuasai' atau dikembalikan sebagai bukan kewenangan OPD."]


def test_held_cannot_be_not_held() -> None:
    errors = _errors("jawaban_opd", {"informasi_dikuasai": "ya", "usulan_keputusan": "tidak_dikuasai",
                                     "jawaban_opd": "x"})
    assert errors["informasi_dikuasai"] == [
        "Usulan 'Informasi tidak dikuasai' hanya dapat dipilih bila informasi tidak dikuasai OPD."]


@pytest.mark.parametrize("held,decision", [("tidak", "tidak_dikuasai"), ("ya", "diterima_seluruhnya"),
                                           ("ya", "perlu_waktu_tambahan")])
def test_consistent_answers_pass(held: str, decision: str) -> None:
    data = {"informasi_dikuasai": held, "usulan_keputusan": decision, "jawaban_opd": "x"}
    assert clean_submission(_schema("jawaban_opd"), data, sources={})["usulan_keputusan"] == decision


def test_nik_pattern_says_sixteen_digits() -> None:
    errors = _errors("permohonan_informasi", {"nik": "12345"})
    assert errors["nik"] == ["NIK harus 16 angka."]


NOTICE_REFUSED = {"keputusan": "ditolak", "isi_pemberitahuan": "x", "dasar_penolakan": ["h"],
                  "uji_konsekuensi": "Membuka data pribadi", "jangka_waktu_pengecualian": "Selamanya"}


@pytest.mark.parametrize("form", ["pemberitahuan_tertulis", "pemberitahuan_tertulis_akhir"])
@pytest.mark.parametrize("missing", ["dasar_penolakan", "uji_konsekuensi"])
def test_refusal_needs_ground_and_consequence_test(form: str, missing: str) -> None:
    data = {k: v for k, v in NOTICE_REFUSED.items() if k != missing}
    assert _errors(form, data) == {missing: ["Wajib diisi."]}


@pytest.mark.parametrize("form", ["pemberitahuan_tertulis", "pemberitahuan_tertulis_akhir"])
def test_partial_grant_needs_ground_consequence_test_and_exemption_period(form: str) -> None:
    """A partial grant withholds part of the information: like a refusal, it states its grounds, the
    consequence test and how long the part stays exempt (issue 13, item 5)."""
    data = {"keputusan": "diterima_sebagian", "isi_pemberitahuan": "x", "bentuk_informasi": "PDF",
            "bagian_dihitamkan": "NIK", "rencana_tanggal_penyampaian": "2026-03-20", "rencana_cara_penyampaian": "email"}
    assert _errors(form, data) == {"dasar_penolakan": ["Wajib diisi."], "uji_konsekuensi": ["Wajib diisi."],
                                   "jangka_waktu_pengecualian": ["Wajib diisi."]}


@pytest.mark.parametrize("form", ["pemberitahuan_tertulis", "pemberitahuan_tertulis_akhir"])
def test_not_held_names_who_holds_it_or_says_it_is_unknown(form: str) -> None:
    errors = _errors(form, {"keputusan": "tidak_dikuasai", "isi_pemberitahuan": "x"})
    assert errors == {"badan_publik_lain": ["Wajib diisi."]}
    clean_submission(_schema(form), {"keputusan": "tidak_dikuasai", "isi_pemberitahuan": "x",
                                     "badan_publik_lain": "Tidak diketahui"}, sources={})  # no error


@pytest.mark.parametrize("form", ["pemberitahuan_tertulis", "pemberitahuan_tertulis_akhir"])
@pytest.mark.parametrize("decision", ["diterima_seluruhnya", "tidak_dikuasai"])
def test_grant_must_not_carry_a_refusal_ground(form: str, decision: str) -> None:
    data = {"keputusan": decision, "isi_pemberitahuan": "x", "bentuk_informasi": "PDF", "dasar_penolakan": ["h"],
            "uji_konsekuensi": "y", "rencana_tanggal_penyampaian": "2026-03-20", "rencana_cara_penyampaian": "email",
            "badan_publik_lain": "BPS"}
    errors = _errors(form, data)
    assert errors == {
        "dasar_penolakan": ["Dasar pengecualian hanya untuk permohonan yang ditolak atau diterima sebagian."],
        "uji_konsekuensi": ["Uji konsekuensi hanya untuk permohonan yang ditolak atau diterima sebagian."]}


def test_extension_needs_a_reason() -> None:
    assert _errors("pemberitahuan_tertulis", {"keputusan": "perpanjang", "isi_pemberitahuan": "x"}) == {
        "alasan_perpanjangan": ["Wajib diisi."]}


def test_complete_refusal_passes() -> None:
    assert clean_submission(_schema("pemberitahuan_tertulis"), NOTICE_REFUSED, sources={}) == NOTICE_REFUSED


OBJECTION = {"pertimbangan_keberatan": "Informasi terbuka", "nama_atasan": "Sekda", "jabatan_atasan": "Atasan PPID"}


def test_granted_objection_needs_what_and_by_when() -> None:
    errors = _errors("putusan_keberatan", {**OBJECTION, "keputusan_keberatan": "dikabulkan"})
    assert errors == {"tindak_lanjut_keberatan": ["Wajib diisi."], "batas_hari_kerja_tindak_lanjut": ["Wajib diisi."]}


def test_granted_objection_deadline_is_working_days_up_to_thirty() -> None:
    errors = _errors("putusan_keberatan", {**OBJECTION, "keputusan_keberatan": "dikabulkan",
                                           "tindak_lanjut_keberatan": "Berikan salinan", "batas_hari_kerja_tindak_lanjut": 45})
    assert errors == {"batas_hari_kerja_tindak_lanjut": ["Isi jumlah hari kerja, antara 1 dan 30."]}


def test_refused_objection_needs_its_reason() -> None:
    data = {k: v for k, v in OBJECTION.items() if k != "pertimbangan_keberatan"}
    assert _errors("putusan_keberatan", {**data, "keputusan_keberatan": "ditolak"}) == {
        "pertimbangan_keberatan": ["Wajib diisi."]}


def test_complete_granted_objection_passes() -> None:
    data = {**OBJECTION, "keputusan_keberatan": "dikabulkan", "tindak_lanjut_keberatan": "Berikan salinan",
            "batas_hari_kerja_tindak_lanjut": 10}
    assert clean_submission(_schema("putusan_keberatan"), data, sources={}) == data


REQUEST = {"nama_lengkap": "Budi", "alamat": "Pasuruan", "pekerjaan": "Wiraswasta", "telepon": "081234567890",
           "email": "budi@contoh.id", "rincian_informasi": "APBD", "tujuan_penggunaan": "Kajian",
           "cara_memperoleh": "melihat", "lampiran_identitas": "lampiran:ktp"}


@pytest.mark.parametrize("kind,extra", [("kelompok", {"nik": "3514012345678901"}),
                                        ("badan_hukum", {"nomor_akta": "AHU-1"})])
def test_group_or_legal_entity_must_upload_its_standing(kind: str, extra: dict) -> None:
    errors = _errors("permohonan_informasi", {**REQUEST, **extra, "jenis_pemohon": kind})
    assert errors == {"lampiran_kuasa": ["Wajib diisi."]}
    passed = clean_submission(_schema("permohonan_informasi"),
                              {**REQUEST, **extra, "jenis_pemohon": kind, "lampiran_kuasa": "lampiran:akta"}, sources={})
    assert passed["lampiran_kuasa"] == "lampiran:akta"


def test_individual_needs_no_power_of_attorney() -> None:
    data = {**REQUEST, "jenis_pemohon": "perorangan", "nik": "3514012345678901"}
    assert "lampiran_kuasa" not in clean_submission(_schema("permohonan_informasi"), data, sources={})
