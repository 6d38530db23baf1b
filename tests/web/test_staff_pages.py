"""Staff pages: the worklist (/staf/tugas), the case list and the case file (/staf/kasus)."""
import re

import pytest

from app.persistence.models import AuditEvent, db
from app.web import staff

from tests.support import page, sign_in, wib

START = wib(2026, 3, 2)  # Monday 2 March 2026, 09:00 WIB; a case started now is due Friday 6 March
TO_OPD = ("Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")


@pytest.fixture
def cases(drive):
    """fresh: diskominfo-lane check; disdik/dpupr: opd-lane answer; incomplete: pemohon-lane; later: started Thu.
    A check is due within 3 working days (the office's completeness target)."""
    regs = {"fresh": drive.start()}
    regs["disdik"] = drive.start()
    drive.walk(regs["disdik"], *TO_OPD)
    regs["dpupr"] = drive.start()
    drive.do(regs["dpupr"], "Activity_PeriksaKelengkapan")
    drive.dispatch_to_unstaffed(regs["dpupr"], "DPUPR")
    regs["incomplete"] = drive.start()
    drive.do(regs["incomplete"], "Activity_PeriksaKelengkapan", kelengkapan="tidak_lengkap", catatan_kelengkapan="KTP")
    drive.traveller.move_to(wib(2026, 3, 5))  # Thursday: due Tuesday 10 March
    regs["later"] = drive.start()
    drive.traveller.move_to(START)
    db.session.remove()
    return regs


def rows(html):
    """Registration numbers of the worklist rows, in order."""
    return re.findall(r'<tr data-task="[^"]+" data-state="\w*">\s*<td[^>]*>(PPID-[\d-]+)</td>', html)


def test_guests_go_to_sign_in_and_applicants_and_auditors_get_403(client, cases):
    response = client.get("/staf/tugas")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]
    sign_in(client, "pemohon")
    page(client, "/staf/tugas", 403)
    page(client, "/staf/kasus", 403)
    page(client, f"/staf/kasus/{cases['fresh']}", 403)
    client.post("/keluar")
    sign_in(client, "auditor")
    page(client, "/staf/tugas", 403)
    page(client, "/staf/kasus")


def test_petugas_sees_only_diskominfo_lane_tasks(client, cases):
    sign_in(client, "petugas")
    html = page(client, "/staf/tugas")
    assert set(rows(html)) == {cases["fresh"], cases["later"]}
    assert "Periksa kelengkapan permohonan" in html and 'class="table-wrap"' in html
    assert 'action="/tugas/' in html and 'href="/tugas/' in html and "Kerjakan" in html


def test_opd_officer_sees_only_opd_lane_tasks_of_their_opds(client, cases):
    sign_in(client, "opd")
    html = page(client, "/staf/tugas")
    assert rows(html) == [cases["disdik"]]
    assert "Dinas Pendidikan" in html and "Jawab permohonan" in html
    # the OPD filter offers only the officer's own OPDs
    assert '<option value="DISDIK"' in html and '<option value="DPUPR"' not in html


def test_kepala_and_atasan_see_their_own_lanes_only(client, cases):
    sign_in(client, "atasan")
    assert rows(page(client, "/staf/tugas")) == []
    assert "Tidak ada tugas" in page(client, "/staf/tugas")


def _state(html, reg):
    match = re.search(r'data-state="(\w*)">\s*<td[^>]*>' + re.escape(reg) + r"</td>(.*?)</tr>", html, re.S)
    return match.group(1), match.group(2)


def test_deadline_badges_say_on_time_due_soon_and_late_in_colour_and_words(client, cases, drive):
    sign_in(client, "petugas")
    state, cells = _state(page(client, "/staf/tugas"), cases["fresh"])
    assert state == "ok" and 'class="badge-ok">Tepat waktu' in cells and "3 hari kerja lagi" in cells
    assert "Kamis, 5 Maret 2026" in cells and "Senin, 2 Maret 2026" in cells
    drive.traveller.move_to(wib(2026, 3, 4))  # Wednesday: one working day left
    sign_in(client, "petugas")  # days later: the idle limit ended the earlier sign-in
    state, cells = _state(page(client, "/staf/tugas"), cases["fresh"])
    assert state == "soon" and 'class="badge-soon">Segera jatuh tempo' in cells and "1 hari kerja lagi" in cells
    drive.traveller.move_to(wib(2026, 3, 10))  # Tuesday after: late by 3 working days (Friday, Monday, Tuesday)
    sign_in(client, "petugas")
    html = page(client, "/staf/tugas")
    state, cells = _state(html, cases["fresh"])
    assert state == "late" and 'class="badge-late">Terlambat' in cells and "lewat 3 hari kerja" in cells
    state, cells = _state(html, cases["later"])  # due today
    assert state == "soon" and "hari ini" in cells
    assert rows(page(client, "/staf/tugas?late=1")) == [cases["fresh"]]


def test_filters_by_task_opd_and_status(client, cases):
    sign_in(client, "kepala")  # no lane of its own, but may use the page
    page(client, "/staf/tugas")
    client.post("/keluar")
    sign_in(client, "petugas")
    html = page(client, "/staf/tugas")
    assert '<option value="Periksa kelengkapan permohonan"' in html
    assert rows(page(client, "/staf/tugas?title=Periksa+kelengkapan+permohonan")) == [cases["fresh"], cases["later"]]
    assert rows(page(client, "/staf/tugas?title=Jawab+permohonan")) == []
    assert rows(page(client, "/staf/tugas?status=Diajukan")) == [cases["fresh"], cases["later"]]
    assert rows(page(client, "/staf/tugas?status=Diproses")) == []
    assert rows(page(client, "/staf/tugas?opd=DISDIK")) == []
    html = page(client, "/staf/tugas?status=Tidak+Ada")  # an unknown value stays selected, shows nothing
    assert rows(html) == [] and '<option value="Tidak Ada" selected' in html and "sesuai dengan saringan" in html


def test_sorting_by_column_headers(client, cases):
    sign_in(client, "petugas")
    html = page(client, "/staf/tugas")
    assert rows(html) == [cases["fresh"], cases["later"]]  # default: due date, earliest first
    assert 'href="/staf/tugas?sort=number"' in html and 'href="/staf/tugas?dir=desc"' in html
    assert 'aria-sort="ascending"' in html
    assert rows(page(client, "/staf/tugas?dir=desc")) == [cases["later"], cases["fresh"]]
    assert rows(page(client, "/staf/tugas?sort=number&dir=desc")) == [cases["later"], cases["fresh"]]
    assert rows(page(client, "/staf/tugas?sort=received")) == [cases["fresh"], cases["later"]]
    html = page(client, "/staf/tugas?sort=number&title=Periksa+kelengkapan+permohonan")
    # the other headers keep the filter; the current one flips the direction
    assert "sort=number" in html and "dir=desc" in html and "title=Periksa+kelengkapan+permohonan" in html
    assert '<input type="hidden" name="sort" value="number">' in html


def test_paging_keeps_filters_and_sorting(client, cases, drive, monkeypatch):
    extra = [drive.start() for _ in range(3)]
    db.session.remove()
    monkeypatch.setattr(staff, "PER_PAGE", 2)
    sign_in(client, "petugas")
    all_regs = [cases["fresh"], *extra, cases["later"]]  # due: Fri 6 x4 (by id), Tue 10
    first = page(client, "/staf/tugas?sort=due&title=Periksa+kelengkapan+permohonan")
    assert rows(first) == all_regs[:2] and "Halaman 1 dari 3" in first
    next_link = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "page=2" in next_link and "title=Periksa" in next_link
    second = page(client, next_link)
    assert rows(second) == all_regs[2:4] and "Halaman 2 dari 3" in second and 'rel="prev"' in second
    last = page(client, "/staf/tugas?title=Periksa+kelengkapan+permohonan&page=3")
    assert rows(last) == all_regs[4:] and 'rel="next"' not in last
    assert rows(page(client, "/staf/tugas?title=Periksa+kelengkapan+permohonan&page=99")) == all_regs[4:]


BAD_QUERIES = ["page=abc", "page=-3", "page=0", "page=99999999999999999999999", "sort=xyz", "dir=sideways",
               "sort=due;drop", "late=maybe", "opd=%00", "title=" + "x" * 5000, "page=1e9&sort=&dir=", "q=%25%25"]


def test_bad_query_values_fall_back_to_defaults(client, cases):
    sign_in(client, "petugas")
    for query in BAD_QUERIES:
        assert "Daftar Tugas" in page(client, f"/staf/tugas?{query}")
        assert "Kasus" in page(client, f"/staf/kasus?{query}")
    assert rows(page(client, "/staf/tugas?page=abc&sort=xyz&dir=up")) == [cases["fresh"], cases["later"]]


def test_case_list_search_filters_and_opd_scope(client, cases):
    sign_in(client, "petugas")
    html = page(client, "/staf/kasus")
    assert all(reg in html for reg in cases.values())
    html = page(client, f"/staf/kasus?q={cases['disdik'][-5:]}")
    assert cases["disdik"] in html and cases["fresh"] not in html
    html = page(client, "/staf/kasus?q=ppid-2026")  # case-insensitive
    assert cases["fresh"] in html
    html = page(client, "/staf/kasus?status=Perlu+Dilengkapi")
    assert cases["incomplete"] in html and cases["fresh"] not in html
    html = page(client, "/staf/kasus?opd=DPUPR")
    assert cases["dpupr"] in html and cases["disdik"] not in html
    assert "Halaman 1 dari 1" in page(client, "/staf/kasus?q=%25_")
    client.post("/keluar")
    sign_in(client, "opd")
    html = page(client, "/staf/kasus")
    assert cases["disdik"] in html and cases["dpupr"] not in html and cases["fresh"] not in html
    page(client, f"/staf/kasus/{cases['disdik']}")
    page(client, f"/staf/kasus/{cases['dpupr']}", 404)  # another OPD's case: as if it did not exist
    page(client, "/staf/kasus/PPID-1999-99999", 404)


def test_case_file_shows_history_in_wib_and_masks_nik_for_the_auditor(client, cases):
    reg = cases["disdik"]
    sign_in(client, "petugas")
    html = page(client, f"/staf/kasus/{reg}")
    assert "3514012301900001" in html  # staff who work the case see the NIK
    assert 'href="/lampiran/ktp-uji"' in html  # and may open the KTP scan
    assert "Rantai audit: terverifikasi" in html
    assert "Senin, 2 Maret 2026 09:00 WIB" in html
    assert "Periksa kelengkapan permohonan" in html and "Teruskan ke OPD" in html
    assert "Petugas PPID Diskominfo" in html and "Budi Santoso (Petugas PPID)" in html
    assert "Jawab permohonan" in html and "Jumat, 6 Maret 2026 23:59 WIB" in html  # open task and its due date
    assert "Batas 10 hari kerja" in html and "Senin, 16 Maret 2026 23:59 WIB" in html  # pending timer
    assert "Diajukan &rarr; Diproses" in html  # a change before -> after
    assert "Pemohon (Tanda terima permohonan)" in html  # the receipt notification, by its name
    client.post("/keluar")
    sign_in(client, "auditor")
    html = page(client, f"/staf/kasus/{reg}")
    assert "3514012301900001" not in html and "3514********0001" in html
    assert "/lampiran/ktp-uji" not in html and "(disembunyikan)" in html
    assert "Periksa kelengkapan permohonan" in html and "Rantai audit: terverifikasi" in html


def test_timer_events_appear_in_the_history(client, cases, drive):
    drive.move_to(wib(2026, 3, 9))  # the 4-working-day target of the first cases has passed
    db.session.remove()
    sign_in(client, "kepala")
    html = page(client, f"/staf/kasus/{cases['fresh']}")
    assert "Batas waktu tercapai" in html and "Target layanan 4 hari kerja" in html
    assert "Sistem" in html and "Target layanan terlewati" in html


def test_a_tampered_history_is_flagged(client, cases, drive):
    instance_id = drive.case(cases["fresh"]).id
    db.session.execute(db.update(AuditEvent).where(AuditEvent.instance_id == instance_id, AuditEvent.seq == 2)
                       .values(actor_name="Orang lain"))
    db.session.commit()
    db.session.remove()
    sign_in(client, "auditor")
    html = page(client, f"/staf/kasus/{cases['fresh']}")
    assert "Rantai audit: RUSAK" in html and "terverifikasi" not in html
