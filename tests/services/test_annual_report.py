"""The annual report, the registers and the public statistics, against figures computed by hand.

Nine requests of 2026 with known dates and outcomes (all times 09:00 WIB). Working days (hari
kerja) counted by hand with the 2026 calendar: no day off from 2 to 13 February or in July;
18, 19, 20, 23 and 24 March are days off (Nyepi, Idul Fitri and their cuti bersama).

| case | OPD | received | written notice | decision | working days |
|---|---|---|---|---|---|
| A | DISDIK | Mon 2 Feb | Wed 4 Feb | granted in full | 2 (3, 4 Feb) |
| B | DISDIK | Mon 2 Feb | Mon 9 Feb | granted in part | 5 (3, 4, 5, 6, 9 Feb) |
| C | DINKES | Mon 2 Feb | Fri 13 Feb | refused, art. 17 h | 9 (3-6, 9-13 Feb) |
| D | DINKES | Mon 2 Feb | Tue 3 Feb | not held | 1 |
| E | DISDIK | Mon 2 Mar | Thu 26 Mar (after an extension) | refused, art. 17 a | 13 (3-6, 9-13, 16, 17, 25, 26 Mar) |
| F | -      | Mon 2 Mar | - (incomplete, lapsed: withdrawn) | - | - |
| G | DINKES | Mon 2 Mar | - (OPD silent: overdue) | - | - |
| H | DISDIK | Mon 6 Jul | Mon 20 Jul | granted in full | 10 (7-10, 13-17, 20 Jul) |
| I | DINKES | Mon 6 Jul | Tue 7 Jul | refused, art. 17 h | 1 |

Objections: C filed Wed 18 Feb (reason a), rejected Wed 4 Mar, dispute filed Thu 5 Mar; the Komisi hears it on
Mon 6 Apr and decides by adjudication that day (the information given within 5 working days), carried out Wed 8 Apr
(on time); G filed Tue 17 Mar (reason g), never decided (the Atasan's 30 working days pass in April: not answered),
then G goes to the Komisi without telling us: its summons is recorded on Mon 8 Jun (a dispute, pending);
I filed Wed 8 Jul, granted Fri 10 Jul. B answered "no objection" (not an objection).
One complaint (Pengaduan Layanan), received Mon 2 Feb and sent on to DISDIK.

Time figures are shares of the notices given plus the overdue requests still without one (G counts
as not within); "within the limit" is within 10 working days, or 17 after an extension (E, 13, is lawful).
"""
import io
from xml.etree import ElementTree

import pytest
import time_machine
from click.testing import CliRunner

from app.cli import main as ppid
from app.domain.statuses import art17_label, art35_label
from app.bench.workload import KTP_PDF
from app.services.casework.attachments import Upload
from app.services.records.registers import objection_register, request_register, to_csv, to_xlsx
from app.services.records.reports import ALL, NO_OPD, annual_report, bar_chart_svg, chart_svg, public_statistics

from tests.services.case_mix import EXTEND, INCOMPLETE, NOT_HELD, PART, restore_tables, snapshot_tables
from tests.support import OBJECTION_REFUSED, REFUSAL, ComplaintDriver, Driver, wib

NIK = "3514012301900001"
CHECK, FORWARD, ANSWER, NOTICE = ("Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan",
                                  "Activity_TerbitkanPemberitahuan")


_built: dict = {}


@pytest.fixture
def year_2026(app):
    """The nine cases (built once, then restored for each test)."""
    if _built:
        restore_tables(_built["tables"])
        return _built["reg"]
    reg = _build()
    _built.update(tables=snapshot_tables(), reg=reg)
    return reg


def _build() -> dict[str, str]:
    with time_machine.travel(wib(2026, 2, 2), tick=False) as traveller:
        d = Driver(traveller)
        reg = {}
        complaint = ComplaintDriver(traveller)
        reg["J"] = complaint.start()
        complaint.do(reg["J"], "Activity_TerimaPengaduan")  # to DISDIK
        for name, opd in (("A", "DISDIK"), ("B", "DISDIK"), ("C", "DINKES"), ("D", "DINKES")):
            reg[name] = d.start(nama_lengkap=f"Pemohon {name}")
            d.do(reg[name], CHECK)
            d.do(reg[name], FORWARD, opd=opd)
        d.move_to(wib(2026, 2, 3))
        d.do(reg["D"], ANSWER, informasi_dikuasai="tidak", usulan_keputusan="tidak_dikuasai")
        d.do(reg["D"], NOTICE, **NOT_HELD)
        d.move_to(wib(2026, 2, 4))
        d.walk(reg["A"], ANSWER, NOTICE, "Activity_SerahkanInformasi")
        d.move_to(wib(2026, 2, 9))
        d.do(reg["B"], ANSWER)
        d.do(reg["B"], NOTICE, **PART)
        d.do(reg["B"], "Activity_SerahkanInformasi")
        d.do(reg["B"], "Activity_AjukanKeberatan", ajukan_keberatan="tidak")
        d.move_to(wib(2026, 2, 13))
        d.do(reg["C"], ANSWER, usulan_keputusan="ditolak")
        d.do(reg["C"], NOTICE, **REFUSAL)  # ground h
        d.move_to(wib(2026, 2, 18))
        d.do(reg["C"], "Activity_AjukanKeberatan")  # reason a
        d.move_to(wib(2026, 3, 2))
        for name in ("E", "F", "G"):
            reg[name] = d.start(nama_lengkap=f"Pemohon {name}")
        d.walk(reg["E"], CHECK)
        d.do(reg["E"], FORWARD, opd="DISDIK")
        d.do(reg["E"], ANSWER)
        d.do(reg["E"], NOTICE, **EXTEND)
        d.do(reg["F"], CHECK, **INCOMPLETE)
        d.do(reg["G"], CHECK)
        d.do(reg["G"], FORWARD, opd="DINKES")
        d.move_to(wib(2026, 3, 4))
        d.do(reg["C"], "Activity_PutuskanKeberatan", **OBJECTION_REFUSED)
        d.move_to(wib(2026, 3, 5))
        d.do(reg["C"], "Activity_AjukanSengketa")
        d.move_to(wib(2026, 3, 6))  # F did not complete its request by 5 March: it lapses
        d.do(reg["C"], "Activity_CatatProsesKomisi", tahap_komisi="jadwal", jenis_jadwal="ajudikasi",
             tanggal_jadwal="2026-04-06", tempat_jadwal="Surabaya")
        d.move_to(wib(2026, 3, 9))  # G passed the 4-day target on 6 March
        d.move_to(wib(2026, 3, 17))  # G passed the 10-day limit on 16 March
        d.do(reg["G"], "Activity_AjukanKeberatan", alasan_keberatan=["g"], uraian_keberatan="Tidak dijawab")
        d.move_to(wib(2026, 3, 25))
        d.do(reg["E"], "Activity_LengkapiJawabanPerpanjangan")
        d.move_to(wib(2026, 3, 26))
        d.do(reg["E"], "Activity_TerbitkanPemberitahuanAkhir", **{**REFUSAL, "dasar_penolakan": ["a"]})
        d.move_to(wib(2026, 4, 6, 15))
        d.do(reg["C"], "Activity_CatatProsesKomisi", tahap_komisi="hasil", jenis_hasil="ajudikasi",
             nomor_putusan_komisi="9/KI-JTM/IV/2026", tanggal_putusan_komisi="2026-04-06",
             amar_putusan_komisi="informasi_diberikan", batas_pelaksanaan_komisi=5,
             uploads={"berkas_putusan_komisi": Upload("putusan.pdf", KTP_PDF)})
        d.move_to(wib(2026, 4, 8))
        d.do(reg["C"], "Activity_LaksanakanPutusanKomisi", tanggal_pelaksanaan_komisi="2026-04-08")
        d.move_to(wib(2026, 6, 8))
        assert "Activity_CatatPanggilanKomisi" in d.open_tasks(reg["G"])
        d.do(reg["G"], "Activity_CatatPanggilanKomisi", panggilan_komisi="ya", nomor_register_ki="KI-JTM/40/VI/2026",
             tanggal_panggilan_komisi="2026-06-05")
        d.move_to(wib(2026, 7, 6))
        for name, opd in (("H", "DISDIK"), ("I", "DINKES")):
            reg[name] = d.start(nama_lengkap=f"Pemohon {name}")
            d.walk(reg[name], CHECK)
            d.do(reg[name], FORWARD, opd=opd)
            d.do(reg[name], ANSWER)
        d.move_to(wib(2026, 7, 7))
        d.do(reg["I"], NOTICE, **REFUSAL)
        d.move_to(wib(2026, 7, 8))
        d.do(reg["I"], "Activity_AjukanKeberatan")
        d.move_to(wib(2026, 7, 10))
        d.do(reg["I"], "Activity_PutuskanKeberatan")
        d.move_to(wib(2026, 7, 13))
        d.do(reg["I"], "Activity_LaksanakanPutusan")
        d.move_to(wib(2026, 7, 20))
        d.walk(reg["H"], NOTICE, "Activity_SerahkanInformasi")
    return reg


def _figures(row):
    return dict(received=row.received, full=row.granted_full, part=row.granted_part, refused=row.refused,
                grounds=row.refused_by_ground, not_held=row.not_held, withdrawn=row.withdrawn, overdue=row.overdue,
                notices=row.notices, median=row.median_days, p90=row.p90_days, within_4=row.within_4,
                within_10=row.within_10, within_limit=row.within_limit, objections=row.objections_received,
                decided=row.objections_decided, outcomes=(row.objections_granted, row.objections_refused,
                                                          row.objections_unanswered),
                disputes=row.disputes, complaints=row.complaints,
                komisi=(row.disputes_mediated, row.disputes_adjudicated, row.disputes_ended_otherwise,
                        row.disputes_pending, row.orders_on_time, row.orders_late, row.orders_pending))


def test_annual_report_matches_the_hand_computed_figures(year_2026):
    report = annual_report(2026)
    # Semester 1, all OPDs: A-G. Notices: D 1, A 2, B 5, C 9, E 13 -> sorted [1, 2, 5, 9, 13]:
    # median 5; 90th percentile = the ceil(0.9*5) = 5th value = 13; within 4: 1, 2 (2 of 5);
    # within 10: 1, 2, 5, 9 (4 of 5). Objections filed: C (decided), G (not). Disputes: C.
    assert _figures(report.row(1)) == dict(
        received=7, full=1, part=1, refused=2, grounds={"a": 1, "h": 1}, not_held=1, withdrawn=1, overdue=1,
        notices=5, median=5.0, p90=13, within_4=2 / 6, within_10=4 / 6, within_limit=5 / 6, objections=2, decided=1,
        outcomes=(0, 1, 1), disputes=2, complaints=1,
        # disputes by outcome: C adjudicated, G pending; C's order carried out on time
        komisi=(0, 1, 0, 1, 1, 0, 0))
    # Semester 1, DISDIK: A 2, B 5, E 13 -> median 5; p90 = ceil(2.7) = 3rd = 13; within 4: 1 of 3; within 10: 2 of 3.
    assert _figures(report.row(1, "DISDIK")) == dict(
        received=3, full=1, part=1, refused=1, grounds={"a": 1}, not_held=0, withdrawn=0, overdue=0,
        notices=3, median=5.0, p90=13, within_4=1 / 3, within_10=2 / 3, within_limit=3 / 3, objections=0, decided=0,
        outcomes=(0, 0, 0), disputes=0, complaints=1, komisi=(0, 0, 0, 0, 0, 0, 0))
    # Semester 1, DINKES: C 9, D 1 (G has no notice, and is overdue) -> [1, 9]: median 5.0; p90 = ceil(1.8) = 2nd = 9.
    assert _figures(report.row(1, "DINKES")) == dict(
        received=3, full=0, part=0, refused=1, grounds={"h": 1}, not_held=1, withdrawn=0, overdue=1,
        notices=2, median=5.0, p90=9, within_4=1 / 3, within_10=2 / 3, within_limit=2 / 3, objections=2, decided=1,
        outcomes=(0, 1, 1), disputes=2, complaints=0, komisi=(0, 1, 0, 1, 1, 0, 0))
    # F never reached an OPD.
    assert _figures(report.row(1, NO_OPD))["received"] == 1 and report.row(1, NO_OPD).withdrawn == 1
    # Semester 2: H 10, I 1 -> [1, 10]: median 5.5; p90 = 2nd = 10; within 4: 1 of 2; within 10: 2 of 2.
    assert _figures(report.row(2)) == dict(
        received=2, full=1, part=0, refused=1, grounds={"h": 1}, not_held=0, withdrawn=0, overdue=0,
        notices=2, median=5.5, p90=10, within_4=1 / 2, within_10=2 / 2, within_limit=2 / 2, objections=1, decided=1,
        outcomes=(1, 0, 0), disputes=0, complaints=0, komisi=(0, 0, 0, 0, 0, 0, 0))
    # The year: [1, 1, 2, 5, 9, 10, 13] -> median 5 (4th); p90 = ceil(6.3) = 7th = 13;
    # within 4: 1, 1, 2 (3 of 7); within 10: all but 13 (6 of 7).
    assert _figures(report.total) == dict(
        received=9, full=2, part=1, refused=3, grounds={"a": 1, "h": 2}, not_held=1, withdrawn=1, overdue=1,
        notices=7, median=5.0, p90=13, within_4=3 / 8, within_10=6 / 8, within_limit=7 / 8, objections=3, decided=2,
        outcomes=(1, 1, 1), disputes=2, complaints=1, komisi=(0, 1, 0, 1, 1, 0, 0))
    assert report.total is report.row(None, ALL)
    assert annual_report(2025).total.received == 0

    result = CliRunner().invoke(ppid, ["report", "annual", "--year", "2026"])
    assert result.exit_code == 0 and "huruf a: 1, huruf h: 2" in result.output


def test_request_register(year_2026):
    rows = {r.nomor_pendaftaran: r for r in request_register()}
    assert len(rows) == 9
    c = rows[year_2026["C"]]
    # C's dispute ended (adjudicated, order carried out): Selesai; G's is pending at the Komisi: never "Selesai"
    assert (c.tanggal_permohonan.isoformat(), c.nama_pemohon, c.opd, c.status) == (
        "2026-02-02", "Pemohon C", "Dinas Kesehatan", "Selesai")
    assert rows[year_2026["G"]].status == "Sengketa di Komisi Informasi"
    assert c.alamat == "Jl. Raya Bangil 12, Pasuruan" and c.kontak == "081234567890 / siti@contoh.id"
    a = rows[year_2026["A"]]
    assert (a.cara_penyampaian, a.tanggal_penyampaian.isoformat()) == ("E-mail", "2026-03-20")
    assert c.informasi_diminta == "Daftar penerima beasiswa daerah tahun 2025"
    assert c.tujuan_penggunaan == "Penelitian skripsi" and c.informasi_dikuasai == "Ya"
    assert c.bentuk_informasi == "Mendapatkan salinan informasi (softcopy)"
    assert c.keputusan == "Permohonan ditolak (informasi dikecualikan)" and c.alasan_penolakan == art17_label("h")
    assert c.tanggal_pemberitahuan.isoformat() == "2026-02-13"
    assert rows[year_2026["D"]].informasi_dikuasai == "Tidak"
    assert rows[year_2026["E"]].tanggal_pemberitahuan.isoformat() == "2026-03-26"  # the final notice
    assert rows[year_2026["F"]].keputusan == "" and rows[year_2026["F"]].tanggal_pemberitahuan is None
    first_half = request_register(wib(2026, 1, 1).date(), wib(2026, 6, 30).date(), "DISDIK")
    assert [r.nomor_pendaftaran for r in first_half] == [year_2026[k] for k in "ABE"]

    text = to_csv(list(rows.values()))
    assert text.splitlines()[0].startswith("Nomor Pendaftaran,Kanal,Tanggal Permohonan,Nama Pemohon")
    assert {r.kanal for r in rows.values()} == {"Daring (situs/aplikasi)"}
    assert NIK not in text and "3514" not in text


def test_objection_register(year_2026):
    rows = objection_register()
    assert [(r.nomor_keberatan, r.nomor_pendaftaran) for r in rows] == [
        ("KEB-2026-00001", year_2026["C"]), ("KEB-2026-00002", year_2026["G"]), ("KEB-2026-00003", year_2026["I"])]
    c, g, i = rows
    assert (c.tanggal_keberatan.isoformat(), c.alasan_keberatan, c.keputusan, c.tanggal_putusan.isoformat()) == (
        "2026-02-18", art35_label("a"), "Keberatan ditolak", "2026-03-04")
    assert (c.nama_atasan, c.jabatan_atasan, c.pemohon) == ("Drs. Hadi Wibowo", "Sekretaris Daerah", "Pemohon C")
    assert (g.tanggal_keberatan.isoformat(), g.alasan_keberatan, g.keputusan, g.tanggal_putusan) == (
        "2026-03-17", art35_label("g"), "Tidak ditanggapi", None)
    assert (i.keputusan, i.tanggal_putusan.isoformat()) == ("Keberatan dikabulkan", "2026-07-10")
    assert [r.nomor_keberatan for r in objection_register(wib(2026, 7, 1).date(), None)] == ["KEB-2026-00003"]


def test_registers_as_xlsx_and_from_the_command_line(year_2026, tmp_path):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(to_xlsx(objection_register(), "keberatan")))
    sheet = book.active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["Nomor Keberatan", "Tanggal Keberatan", "Pemohon"]
    assert len(values) == 4 and values[1][0] == "KEB-2026-00001" and values[1][1].year == 2026

    out = tmp_path / "register.xlsx"
    result = CliRunner().invoke(ppid, ["export", "register", "permohonan", "--out", str(out), "--opd", "DINKES"])
    assert result.exit_code == 0 and "4 row(s)" in result.output
    cells = [c.value for row in load_workbook(out).active.iter_rows() for c in row]
    assert NIK not in map(str, cells) and "Pemohon C" in cells
    out_csv = tmp_path / "keberatan.csv"
    result = CliRunner().invoke(ppid, ["export", "register", "keberatan", "--out", str(out_csv)])
    assert result.exit_code == 0 and out_csv.read_text(encoding="utf-8-sig").count("KEB-2026-") == 3


def test_public_statistics_and_charts(year_2026, tmp_path):
    stats = public_statistics(2026)
    assert stats["permohonan"] == 9 and stats["per_semester"] == {1: 7, 2: 2}
    assert stats["per_opd"] == {"Dinas Kesehatan": 4, "Dinas Pendidikan": 4, "-": 1}
    assert stats["per_bulan"]["Februari"] == 4 and stats["per_bulan"]["Maret"] == 3 and stats["per_bulan"]["Juli"] == 2
    assert stats["ditolak_menurut_pasal_17"] == {"a": 1, "h": 2} and stats["sengketa"] == 2
    assert stats["sengketa_menurut_hasil"] == {"mediasi": 0, "ajudikasi": 1, "dicabut_atau_tidak_diterima": 0,
                                               "berjalan": 1}
    text = repr(stats)
    assert "Pemohon" not in text and "PPID-2026" not in text and "KEB-" not in text and NIK not in text

    svg = chart_svg(2026, "opd")
    root = ElementTree.fromstring(svg)
    labels = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Dinas Pendidikan" in labels and "4" in labels
    assert ElementTree.fromstring(chart_svg(2026, "month")) is not None
    hostile = bar_chart_svg("<b>judul</b>", [("<script>alert(1)</script> & co", 3)])
    assert "<script>" not in hostile and "&lt;script&gt;" in hostile and "&amp; co" in hostile
    ElementTree.fromstring(hostile)
    out = tmp_path / "bulan.svg"
    result = CliRunner().invoke(ppid, ["report", "chart", "--year", "2026", "--by", "month", "--out", str(out)])
    assert result.exit_code == 0 and "Juli" in out.read_text(encoding="utf-8")
