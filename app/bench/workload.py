"""The cases every row runs: our own process, the granted path and the refused -> objection path.

The form data here is also what the tests walk (tests/support.py imports it): one copy.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROCESS_ID = "permohonan_informasi"
BPMN_FILE = "permohonan_informasi.bpmn"

REQUEST = {
    "jenis_pemohon": "perorangan", "nama_lengkap": "Siti Aminah", "nik": "3514012301900001",
    "alamat": "Jl. Raya Bangil 12, Pasuruan", "pekerjaan": "Wiraswasta", "telepon": "081234567890",
    "email": "siti@contoh.id", "rincian_informasi": "Daftar penerima beasiswa daerah tahun 2025",
    "tujuan_penggunaan": "Penelitian skripsi", "cara_memperoleh": "salinan_softcopy",
    "cara_mendapatkan_salinan": "email", "lampiran_identitas": "lampiran:ktp-uji",
}

#: when and how a granted notice says the information will be delivered
DELIVERY_PLAN = {"rencana_tanggal_penyampaian": "2026-03-20", "rencana_cara_penyampaian": "email"}

#: form data per user task, and the demo account that completes it
STEPS = {
    "Activity_PeriksaKelengkapan": ("petugas", {"kelengkapan": "lengkap"}),
    "Activity_TeruskanKeOPD": ("petugas", {"opd": "DISDIK", "catatan_disposisi": "Mohon dijawab"}),
    "Activity_JawabPermohonan": ("opd", {"informasi_dikuasai": "ya", "usulan_keputusan": "diterima_seluruhnya",
                                         "jawaban_opd": "Data terlampir"}),
    "Activity_TerbitkanPemberitahuan": ("petugas", {"keputusan": "diterima_seluruhnya", "isi_pemberitahuan": "Diberikan",
                                                 "bentuk_informasi": "Salinan elektronik (PDF)", **DELIVERY_PLAN}),
    "Activity_SerahkanInformasi": ("petugas", {"tanggal_penyerahan": "2026-03-20", "cara_penyerahan": "email"}),
    "Activity_AjukanKeberatan": ("pemohon", {"ajukan_keberatan": "ya", "alasan_keberatan": ["a"],
                                            "uraian_keberatan": "Informasi ini bukan rahasia"}),
    "Activity_PutuskanKeberatan": ("atasan", {"keputusan_keberatan": "dikabulkan", "pertimbangan_keberatan": "Terbuka",
                                              "tindak_lanjut_keberatan": "Berikan salinan dokumen yang diminta",
                                              "batas_hari_kerja_tindak_lanjut": 10,
                                              "nama_atasan": "Drs. Hadi Wibowo", "jabatan_atasan": "Sekretaris Daerah"}),
    "Activity_LaksanakanPutusan": ("petugas", {"tanggal_pelaksanaan": "2026-04-01", "catatan_pelaksanaan": "Diserahkan"}),
}

REFUSAL = {"keputusan": "ditolak", "dasar_penolakan": ["h"], "uji_konsekuensi": "Membuka rahasia pribadi",
           "jangka_waktu_pengecualian": "5 tahun", "isi_pemberitahuan": "Ditolak"}

TO_NOTICE = ("Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan",
             "Activity_TerbitkanPemberitahuan")
#: a grant opens the objection right beside the delivery; the applicant lets it go
GRANTED = TO_NOTICE + ("Activity_SerahkanInformasi", "Activity_AjukanKeberatan")
NO_OBJECTION = {"ajukan_keberatan": "tidak"}
REFUSED = TO_NOTICE + ("Activity_AjukanKeberatan", "Activity_PutuskanKeberatan", "Activity_LaksanakanPutusan")

#: the smallest file the upload check accepts as a PDF (the KTP scan of the HTTP row)
KTP_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
           b"trailer<</Root 1 0 R>>\n%%EOF\n")


@dataclass(frozen=True)
class Step:
    spec_id: str
    username: str
    data: dict


@dataclass(frozen=True)
class CasePlan:
    """One case: who asks, then every task in order with its form data."""

    refused: bool
    steps: tuple[Step, ...]


def plan(index: int) -> CasePlan:
    """Case number `index` of a run: even numbers take the granted path, odd ones the refusal and objection."""
    refused = index % 2 == 1
    steps = []
    for spec_id in (REFUSED if refused else GRANTED):
        username, data = STEPS[spec_id]
        data = dict(data)
        if refused and spec_id == "Activity_TerbitkanPemberitahuan":
            data.update(REFUSAL)
        if not refused and spec_id == "Activity_AjukanKeberatan":
            data = dict(NO_OBJECTION)
        steps.append(Step(spec_id, username, data))
    return CasePlan(refused, tuple(steps))


def project_root() -> Path:
    return Path(__file__).resolve().parent.parent.parent


def bpmn_path() -> Path:
    return project_root() / "processes" / BPMN_FILE


def forms_dir() -> Path:
    return project_root() / "forms"
