"""A real browser walks a request brought to the counter and a case through the Komisi Informasi stage
(issue 13, items 7, 8 and 11): the officer records the request and prints the receipt, the applicant claims it on a
phone, the objection arrives on paper, the dispute goes to the Komisi, hearings and the outcome are recorded and the
order is carried out. Screenshots at 360 px (applicant) and 1280 px (staff) in test-artifacts/browser/."""
from __future__ import annotations

import re

import pytest

from tests.browser.test_walk_through_pages import (ARTIFACTS, DESK, PHONE, PNG, Person, _staff_through_notice,  # noqa: F401
                                                   browser, server)
from tests.support import REQUEST

pytestmark = pytest.mark.browser
AT_COUNTER = {k: v for k, v in REQUEST.items() if k not in ("email", "lampiran_identitas")}


def test_a_counter_request_claimed_objected_on_paper_and_taken_to_the_komisi(server, browser):
    shots = []
    petugas = Person(browser, server, "petugas", DESK, shots, "komisi-")
    opd = Person(browser, server, "opd", DESK, shots, "komisi-")
    atasan = Person(browser, server, "atasan", DESK, shots, "komisi-")
    applicant = Person(browser, server, "pemohon", PHONE, shots, "komisi-")

    # the officer records the request at the counter and prints the receipt
    petugas.page.click("nav a:has-text('Catat Permohonan')")
    assert "Catat Permohonan dari Loket" in petugas.page.content()
    petugas.fill({"kanal_permohonan": "loket", **AT_COUNTER}, files={"lampiran_identitas": ("ktp.png", PNG)})
    petugas.shot("catat-permohonan-loket")
    petugas.submit("Catat Permohonan")
    text = petugas.page.content()
    number = re.search(r"PPID-\d{4}-\d{5}", text).group(0)
    assert "Cetak tanda terima" in text
    petugas.shot("kasus-loket")
    assert petugas.fetch_link("Cetak tanda terima").startswith(b"%PDF")

    # the applicant claims it on a phone with the number and the NIK
    applicant.go("/permohonan")
    applicant.page.click("a:has-text('Tambahkan ke akun Anda')")
    applicant.page.fill("#f-nomor", number)
    applicant.page.fill("#f-nik", "3514000000000000")
    applicant.submit("Tambahkan ke Akun")
    assert "tidak cocok" in applicant.page.content()
    applicant.shot("klaim-salah")
    applicant.page.fill("#f-nik", REQUEST["nik"])
    applicant.submit("Tambahkan ke Akun")
    assert f"/permohonan/{number}" in applicant.page.url
    applicant.shot("klaim-berhasil")

    _staff_through_notice(petugas, opd, number, {
        "keputusan": "ditolak", "dasar_penolakan": ["h"], "uji_konsekuensi": "Membuka data pribadi",
        "jangka_waktu_pengecualian": "5 tahun", "isi_pemberitahuan": "Ditolak"})

    # the objection arrives on paper: recorded on the applicant's behalf
    petugas.go(f"/staf/kasus/{number}")
    petugas.page.click("a:has-text('Catat atas nama pemohon')")
    assert "atas nama pemohon" in petugas.page.content()
    petugas.fill({"_kanal": "surat", "ajukan_keberatan": "ya", "alasan_keberatan": ["a"],
                  "uraian_keberatan": "Informasi bukan rahasia"})
    petugas.shot("keberatan-atas-nama-pemohon")
    petugas.submit()
    assert f"/staf/kasus/{number}" in petugas.page.url
    atasan.open_task(number, "Putuskan keberatan")
    atasan.fill({"keputusan_keberatan": "ditolak", "pertimbangan_keberatan": "Dikecualikan",
                 "nama_atasan": "Drs. Hadi Wibowo", "jabatan_atasan": "Sekretaris Daerah"})
    atasan.submit()
    applicant.go(f"/permohonan/{number}")
    applicant.page.click("a:has-text('Ajukan sengketa informasi')")
    applicant.fill({"ajukan_sengketa": "ya", "tanggal_pengajuan_sengketa": "2026-05-04",
                    "nomor_register_ki": "KI-JTM/1/V/2026", "uraian_sengketa": "Keberatan ditolak"})
    applicant.submit()

    # the Komisi stage: a hearing, then the decision and its order
    petugas.open_task(number, "Catat jadwal dan hasil sengketa")
    petugas.fill({"tahap_komisi": "jadwal", "jenis_jadwal": "mediasi", "tanggal_jadwal": "2099-06-15",
                  "tempat_jadwal": "Kantor Komisi Informasi Provinsi Jawa Timur"})
    petugas.shot("jadwal-komisi")
    petugas.submit()
    petugas.go(f"/staf/kasus/{number}")
    assert "Pengingat 2 hari kerja sebelum jadwal" in petugas.page.content()
    petugas.shot("kasus-jadwal-komisi")
    petugas.open_task(number, "Catat jadwal dan hasil sengketa")
    petugas.fill({"tahap_komisi": "hasil", "jenis_hasil": "ajudikasi", "nomor_putusan_komisi": "12/KI-JTM/2026",
                  "tanggal_putusan_komisi": "2099-06-15", "amar_putusan_komisi": "informasi_diberikan",
                  "batas_pelaksanaan_komisi": "10"}, files={"berkas_putusan_komisi": ("putusan.png", PNG)})
    petugas.shot("hasil-komisi")
    petugas.submit()
    petugas.open_task(number, "Laksanakan putusan Komisi")
    petugas.fill({"tanggal_pelaksanaan_komisi": "2099-06-20", "catatan_pelaksanaan_komisi": "Salinan diserahkan"})
    petugas.submit()
    applicant.go(f"/permohonan/{number}")
    applicant.shot("kasus-selesai-komisi")
    content = applicant.page.content()
    assert "Diputus Komisi Informasi" in content and "Selesai" in content


def test_the_applicant_withdraws_on_a_phone_and_a_tab_left_open_is_told(server, browser):
    from tests.browser.test_walk_through_pages import _new_request

    shots = []
    applicant = Person(browser, server, "pemohon", PHONE, shots, "cabut-")
    number = _new_request(applicant)
    other_tab = applicant.context.new_page()  # the same case open in a second tab
    other_tab.goto(f"{server}/permohonan/{number}")
    other_tab.click("summary:has-text('Cabut permohonan')")
    applicant.go(f"/permohonan/{number}")
    applicant.page.click("summary:has-text('Cabut permohonan')")
    applicant.submit("Cabut Permohonan")  # no reason: told next to the field, nothing changes
    assert "Wajib diisi." in applicant.page.content()
    applicant.shot("cabut-tanpa-alasan")
    applicant.page.fill("#f-alasan_pencabutan", "Data sudah saya peroleh dari BPS")
    applicant.submit("Cabut Permohonan")
    content = applicant.page.content()
    assert "telah dicabut" in content and "Ditarik" in content and "Cabut Permohonan</button>" not in content
    applicant.shot("cabut-selesai")
    other_tab.fill("#f-alasan_pencabutan", "Dikirim dari tab lain")
    other_tab.click("button[type=submit]:has-text('Cabut Permohonan')")
    assert "tidak dapat dicabut lagi" in other_tab.content()
