"""A contradictory OPD answer comes back on the task page with the form file's message next to the field."""
from __future__ import annotations

import html

from tests.support import sign_in
from tests.web.test_task_pages import complete, field_error, new_case, switch


def test_not_held_and_granted_is_refused_next_to_the_decision(client, drive):  # noqa: F811
    number, _ = new_case()
    sign_in(client, "petugas")
    complete(client, drive, number, "Activity_PeriksaKelengkapan", {"kelengkapan": "lengkap"})
    complete(client, drive, number, "Activity_TeruskanKeOPD", {"opd": "DISDIK"})
    switch(client, "opd")
    response = complete(client, drive, number, "Activity_JawabPermohonan", {
        "informasi_dikuasai": "tidak", "usulan_keputusan": "diterima_seluruhnya", "jawaban_opd": "Data terlampir"})
    assert response.status_code == 422
    message = html.unescape(field_error(response.get_data(as_text=True), "usulan_keputusan"))
    assert message == "Informasi yang tidak dikuasai hanya dapat diusulkan 'Informasi tidak dikuasai' atau dikembalikan sebagai bukan kewenangan OPD."
    assert drive.open_tasks(number) == ["Activity_JawabPermohonan"]


def test_notice_that_contradicts_the_opd_is_refused_next_to_the_decision(client, drive):  # noqa: F811
    number, _ = new_case()
    sign_in(client, "petugas")
    complete(client, drive, number, "Activity_PeriksaKelengkapan", {"kelengkapan": "lengkap"})
    complete(client, drive, number, "Activity_TeruskanKeOPD", {"opd": "DISDIK"})
    switch(client, "opd")
    complete(client, drive, number, "Activity_JawabPermohonan", {
        "informasi_dikuasai": "tidak", "usulan_keputusan": "tidak_dikuasai", "jawaban_opd": "Ada di BPS"})
    switch(client, "petugas")
    response = complete(client, drive, number, "Activity_TerbitkanPemberitahuan", {
        "keputusan": "diterima_seluruhnya", "isi_pemberitahuan": "Diberikan", "bentuk_informasi": "PDF",
        "rencana_tanggal_penyampaian": "2026-03-20", "rencana_cara_penyampaian": "email"})
    assert response.status_code == 422
    message = html.unescape(field_error(response.get_data(as_text=True), "keputusan"))
    assert message == "OPD menyatakan informasi tidak dikuasai: keputusan harus 'Informasi tidak dikuasai'."
    assert drive.open_tasks(number) == ["Activity_TerbitkanPemberitahuan"]
    assert drive.case(number).case_data.get("keputusan") is None
