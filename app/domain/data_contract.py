"""The data contract between the BPMN models and the code: every case-data key the code reads.

A process owner may rename any form field or script variable in a BPMN editor; the code, however,
reads some keys by name to fill the registers, the annual report, the letters, the mails and some
pages. Each such key is named here once, as a constant (`NOMOR_KEBERATAN = "nomor_keberatan"`) with
its meaning, type and readers, so:

- the code reads case data through these constants (`data.get(contract.NOMOR_KEBERATAN)`), and
  tests/domain/test_data_contract.py fails when the code reads a key by a literal this registry does not
  name (or the registry names a key no code reads, or a mail template reads a key not listed for it);
- the import's lint (app/engine/contract_check.py) checks a process against it: a key that one of our
  processes must provide (`processes`) and that no form field or script of the process provides is a
  warning naming the documents that would be blank, or a refusal when the law needs it (`law`); a key a
  mail template reads is checked in every process that sends that template;
- docs/PROCESS_CONVENTIONS.md carries the table `markdown_table()` writes (`python -m
  app.domain.data_contract` rewrites it; a test fails when it differs).
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

# -- our processes (the BPMN files of processes/) ----------------------------------------------
PERMOHONAN = "permohonan_informasi"
BERKALA = "keberatan_informasi_berkala"
PENGADUAN = "pengaduan_layanan"
PROCESSES = (PERMOHONAN, BERKALA, PENGADUAN)
_R, _RK, _RKP, _RP, _P = (PERMOHONAN,), (PERMOHONAN, BERKALA), PROCESSES, (PERMOHONAN, PENGADUAN), (PENGADUAN,)

# -- who reads a key (named in the import's messages, so in Indonesian) -------------------------
REGISTER_PERMOHONAN = "register permohonan"
REGISTER_KEBERATAN = "register keberatan"
LAPORAN_TAHUNAN = "laporan tahunan"
PEMBERITAHUAN = "surat pemberitahuan tertulis"
PERPANJANGAN = "surat perpanjangan waktu"
TANDA_TERIMA = "tanda bukti penerimaan permohonan"
TANDA_TERIMA_KEBERATAN = "tanda bukti pengajuan keberatan"
TANGGAPAN_KEBERATAN = "tanggapan Atasan PPID atas keberatan"
BERKAS_SENGKETA = "berkas sengketa informasi"
EKSPOR_LAPOR = "ekspor SP4N-LAPOR!"
HALAMAN_PERMOHONAN = "halaman permohonan"
CEK_STATUS = "halaman cek status"
DAFTAR_KASUS = "daftar kasus dan tugas"
PENCABUTAN = "pencabutan permohonan"
DATA_PRIBADI = "perlindungan data pribadi"
PENUGASAN_OPD = "pembagian tugas OPD"
SUREL = "surel"
READERS = (REGISTER_PERMOHONAN, REGISTER_KEBERATAN, LAPORAN_TAHUNAN, PEMBERITAHUAN, PERPANJANGAN, TANDA_TERIMA,
           TANDA_TERIMA_KEBERATAN, TANGGAPAN_KEBERATAN, BERKAS_SENGKETA, EKSPOR_LAPOR, HALAMAN_PERMOHONAN, CEK_STATUS,
           DAFTAR_KASUS, PENCABUTAN, DATA_PRIBADI, PENUGASAN_OPD, SUREL)

# -- types --------------------------------------------------------------------------------------
TEXT, DATE, CODE, CODES = "text", "date", "code", "codes"
YES_NO, FLAG, NUMBER, FILE, RECORDS, OPD_CODE = "ya/tidak", "boolean", "integer", "attachment", "list", "OPD code"

# -- who sets it --------------------------------------------------------------------------------
FORM, SCRIPT, SERVER, MODEL = "form", "script", "server", "model"


@dataclass(frozen=True)
class DataKey:
    """One case-data key the code reads."""

    name: str
    meaning: str  # in English, for the process owner and the developer
    type: str
    readers: tuple[str, ...]  # documents, registers, pages that read it (SUREL: see `mails`)
    processes: tuple[str, ...] = ()  # our processes that must provide it (the lint checks these)
    mails: tuple[str, ...] = ()  # mail templates (app/templates/mail/<name>.txt) that read it
    law: str = ""  # the law that needs it: a process of `processes` without it is refused
    source: str = FORM  # who sets it in our processes: a form, a script, the server, the model itself


REGISTRY: dict[str, DataKey] = {}


def _key(name: str, meaning: str, type_: str, readers: tuple[str, ...] = (), processes: tuple[str, ...] = (), *,
         mails: tuple[str, ...] = (), law: str = "", source: str = FORM) -> str:
    assert name not in REGISTRY, name
    REGISTRY[name] = DataKey(name, meaning, type_, readers + ((SUREL,) if mails else ()), processes, mails, law,
                             source)
    return name


_ART22_2 = "UU 14/2008 Pasal 22 ayat (2) (register permohonan)"
_ART22_7 = "UU 14/2008 Pasal 22 ayat (7) (pemberitahuan tertulis)"
_ART35_36 = "UU 14/2008 Pasal 35 dan 36 (register keberatan)"
_APPLICANT_MAILS = ("batas_waktu_terlewati", "diperpanjang", "hasil_sengketa", "jadwal_sengketa", "keberatan_diterima",
                    "keberatan_ditolak", "keberatan_tidak_ditanggapi", "pemberitahuan_tertulis", "pengaduan_dijawab",
                    "pengaduan_diterima", "perlu_dilengkapi", "permohonan_dicabut", "putusan_belum_dilaksanakan",
                    "putusan_komisi_dilaksanakan", "tanda_terima", "_umum")
_OBJECTION_MAILS = ("keberatan_dikabulkan", "keberatan_diterima", "keberatan_ditolak", "keberatan_tidak_ditanggapi",
                    "keberatan_tidak_ditanggapi_staf", "putusan_belum_dilaksanakan", "putusan_belum_dilaksanakan_staf")
_KOMISI_MAILS = ("hasil_sengketa", "putusan_komisi_belum_dilaksanakan_staf", "putusan_komisi_dilaksanakan")

# -- the case itself ----------------------------------------------------------------------------
STATUS = _key("status", "the case status shown in lists and on the public status page (DOMAIN.md words: Diajukan, "
              "Perlu Dilengkapi, ...)", TEXT,
              (DAFTAR_KASUS, REGISTER_PERMOHONAN, LAPORAN_TAHUNAN, CEK_STATUS), _RKP, source=SCRIPT)
OPD = _key("opd", "code of the OPD the case is dispatched to (its officers work the `opd` lane)", OPD_CODE,
           (DAFTAR_KASUS, PENUGASAN_OPD, REGISTER_PERMOHONAN, LAPORAN_TAHUNAN, EKSPOR_LAPOR), _RP)
OPD_PENJAWAB = _key("opd_penjawab", "the OPD of one instance of a task given to several OPDs (inputDataItem)", OPD_CODE,
                    (PENUGASAN_OPD,), source=MODEL)
TERLAMBAT = _key("terlambat", "True once the service target has been missed", FLAG, (DAFTAR_KASUS, EKSPOR_LAPOR),
                 _RP, source=SCRIPT)
NOMOR_PENDAFTARAN = _key("nomor_pendaftaran", "the registration number, added to the start form's data", TEXT,
                         (REGISTER_PERMOHONAN, REGISTER_KEBERATAN), source=SERVER)
KANAL_PERMOHONAN = _key("kanal_permohonan", "how the request came: daring, loket, telepon, surat (set by the "
                        "server into the start form's field of that name)", CODE, (REGISTER_PERMOHONAN,), _R)
TANGGAL_DITERIMA = _key("tanggal_diterima", "when the request was received; the legal clocks run from it (else "
                        "the case's creation time)", DATE, (REGISTER_PERMOHONAN, LAPORAN_TAHUNAN), _R, source=SCRIPT)
ANONIM = _key("anonim", "True: the applicant's x-identitas fields are withheld from staff", FLAG,
              (DATA_PRIBADI, EKSPOR_LAPOR), _P, mails=("pengaduan_diterima",))

# -- the applicant (start form) -------------------------------------------------------------------
NAMA_LENGKAP = _key("nama_lengkap", "the applicant's full name as on the KTP", TEXT,
                    (REGISTER_PERMOHONAN, REGISTER_KEBERATAN, TANDA_TERIMA, PEMBERITAHUAN, TANDA_TERIMA_KEBERATAN,
                     TANGGAPAN_KEBERATAN, BERKAS_SENGKETA, DATA_PRIBADI), _RK, mails=_APPLICANT_MAILS,
                    law=_ART22_2)
JENIS_PEMOHON = _key("jenis_pemohon", "perorangan, kelompok or badan_hukum", CODE, (TANDA_TERIMA,), _R)
NIK = _key("nik", "the applicant's NIK (personal data, masked on the receipt)", TEXT,
           (TANDA_TERIMA, DATA_PRIBADI), _RK)
NOMOR_AKTA = _key("nomor_akta", "a legal entity's deed or decree number (personal data)", TEXT,
                  (TANDA_TERIMA, DATA_PRIBADI), _R)
ALAMAT = _key("alamat", "the applicant's address", TEXT, (REGISTER_PERMOHONAN, TANDA_TERIMA, PEMBERITAHUAN,
                                                          DATA_PRIBADI), _RK, law=_ART22_2)
PEKERJAAN = _key("pekerjaan", "the applicant's occupation", TEXT, (TANDA_TERIMA,), _R)
TELEPON = _key("telepon", "the applicant's phone", TEXT, (REGISTER_PERMOHONAN, TANDA_TERIMA, DATA_PRIBADI), _RKP)
EMAIL = _key("email", "the applicant's e-mail (mail goes there when the case has no account)", TEXT,
             (REGISTER_PERMOHONAN, TANDA_TERIMA, SUREL, DATA_PRIBADI), _RKP)
LAMPIRAN_IDENTITAS = _key("lampiran_identitas", "the KTP scan (personal data)", FILE, (TANDA_TERIMA, DATA_PRIBADI),
                          _RK)
LAMPIRAN_KUASA = _key("lampiran_kuasa", "the power of attorney or deed", FILE, (TANDA_TERIMA,), _RK)

# -- the request ----------------------------------------------------------------------------------
RINCIAN_INFORMASI = _key("rincian_informasi", "the information requested; a case with it is a request (register, "
                         "report, withdrawal)", TEXT, (REGISTER_PERMOHONAN, LAPORAN_TAHUNAN, TANDA_TERIMA,
                                                       PEMBERITAHUAN, PENCABUTAN), _R, mails=("tanda_terima",),
                         law=_ART22_2)
TUJUAN_PENGGUNAAN = _key("tujuan_penggunaan", "the purpose the information is for", TEXT,
                         (REGISTER_PERMOHONAN, TANDA_TERIMA), _R, law=_ART22_2)
CARA_MEMPEROLEH = _key("cara_memperoleh", "how the applicant wants the information (see, read, copy...)", CODE,
                       (REGISTER_PERMOHONAN, TANDA_TERIMA, PEMBERITAHUAN), _R, law=_ART22_2)
CARA_MENDAPATKAN_SALINAN = _key("cara_mendapatkan_salinan", "how a copy is to be received", CODE,
                                (TANDA_TERIMA, PEMBERITAHUAN), _R)
BATAS_PEMBERITAHUAN = _key("batas_pemberitahuan", "the legal limit for the written notice (10 working days)", DATE,
                           (TANDA_TERIMA,), _R, mails=("batas_waktu_terlewati_staf", "dikembalikan_opd",
                                                       "pemeriksaan_terlambat"), source=SCRIPT)
TARGET_LAYANAN = _key("target_layanan", "the service card's promise (4 working days)", DATE, (TANDA_TERIMA,), _R,
                      source=SCRIPT)
CATATAN_KELENGKAPAN = _key("catatan_kelengkapan", "what the applicant must complete", TEXT,
                           mails=("perlu_dilengkapi",))
JAWABAN_OPD = _key("jawaban_opd", "the main OPD's answer (its reason when it hands the case back)", TEXT,
                   mails=("dikembalikan_opd",))
OPD_SEBELUMNYA = _key("opd_sebelumnya", "the OPD that handed the case back", OPD_CODE, mails=("dikembalikan_opd",),
                      source=SCRIPT)
INFORMASI_DIKUASAI = _key("informasi_dikuasai", "ya/tidak: the OPD holds the information", YES_NO,
                          (REGISTER_PERMOHONAN, PEMBERITAHUAN), _R)

# -- the written notice and the extension -----------------------------------------------------------
KEPUTUSAN = _key("keputusan", "the decision: diterima_seluruhnya, diterima_sebagian, ditolak, tidak_dikuasai, "
                 "perpanjang; its time of setting is the notice date", CODE,
                 (REGISTER_PERMOHONAN, LAPORAN_TAHUNAN, PEMBERITAHUAN, PERPANJANGAN, HALAMAN_PERMOHONAN,
                  BERKAS_SENGKETA), _R, law=_ART22_7)
DASAR_PENOLAKAN = _key("dasar_penolakan", "the Pasal 17 letters of a refusal", CODES,
                       (REGISTER_PERMOHONAN, LAPORAN_TAHUNAN, PEMBERITAHUAN), _R, law=_ART22_7)
UJI_KONSEKUENSI = _key("uji_konsekuensi", "the consequence test of a refusal", TEXT, (PEMBERITAHUAN,), _R)
JANGKA_WAKTU_PENGECUALIAN = _key("jangka_waktu_pengecualian", "how long the exemption lasts", TEXT,
                                 (PEMBERITAHUAN,), _R)
BAGIAN_DIHITAMKAN = _key("bagian_dihitamkan", "the redacted parts and why", TEXT, (PEMBERITAHUAN,), _R)
BADAN_PUBLIK_LAIN = _key("badan_publik_lain", "the body that holds information not held here", TEXT,
                         (PEMBERITAHUAN,), _R)
BENTUK_INFORMASI = _key("bentuk_informasi", "the form and format of what is given", TEXT, (PEMBERITAHUAN,), _R)
RENCANA_TANGGAL_PENYAMPAIAN = _key("rencana_tanggal_penyampaian", "when the information will be given", DATE,
                                   (PEMBERITAHUAN,), _R)
RENCANA_CARA_PENYAMPAIAN = _key("rencana_cara_penyampaian", "how the information will be given", CODE,
                                (PEMBERITAHUAN,), _R)
ISI_PEMBERITAHUAN = _key("isi_pemberitahuan", "the notice's own text", TEXT, (PEMBERITAHUAN, PERPANJANGAN), _R)
NOMOR_SURAT_PEMBERITAHUAN = _key("nomor_surat_pemberitahuan", "the notice's letter number (nomor_baru(\"PT\"))",
                                 TEXT, (PEMBERITAHUAN,), _R, source=SCRIPT)
TANGGAL_PEMBERITAHUAN = _key("tanggal_pemberitahuan", "the notice's date of issue", DATE, (PEMBERITAHUAN,), _R,
                             source=SCRIPT)
NAMA_PPID = _key("nama_ppid", "who signed the notice (the server records it: the form's x-penandatangan)", TEXT,
                 (PEMBERITAHUAN,), _R)
JABATAN_PPID = _key("jabatan_ppid", "the signer's position (the form's x-penandatangan)", TEXT, (PEMBERITAHUAN,), _R)
ALASAN_PERPANJANGAN = _key("alasan_perpanjangan", "why the notice was extended (an extension happened)", TEXT,
                           (PERPANJANGAN, PEMBERITAHUAN, LAPORAN_TAHUNAN, BERKAS_SENGKETA), _R,
                           mails=("diperpanjang",))
BATAS_PERPANJANGAN = _key("batas_perpanjangan", "the limit after the extension (17 working days)", DATE,
                          (PERPANJANGAN, LAPORAN_TAHUNAN), _R, mails=("batas_waktu_terlewati_staf",),
                          source=SCRIPT)
NOMOR_SURAT_PERPANJANGAN = _key("nomor_surat_perpanjangan", "the extension letter's number (nomor_baru(\"PP\"))",
                                TEXT, (PERPANJANGAN,), _R, source=SCRIPT)
TANGGAL_PERPANJANGAN = _key("tanggal_perpanjangan", "the extension letter's date", DATE, (PERPANJANGAN,), _R,
                            source=SCRIPT)
NAMA_PENANDATANGAN_PERPANJANGAN = _key("nama_penandatangan_perpanjangan", "who signed the extension letter", TEXT,
                                       (PERPANJANGAN,), _R, source=SCRIPT)
JABATAN_PENANDATANGAN_PERPANJANGAN = _key("jabatan_penandatangan_perpanjangan", "the position of who signed the "
                                          "extension letter", TEXT, (PERPANJANGAN,), _R, source=SCRIPT)
MELEWATI_BATAS_WAKTU = _key("melewati_batas_waktu", "True once the legal limit for the notice (10, or 17 after "
                            "an extension) has passed: overdue in the annual report",
                            FLAG, (LAPORAN_TAHUNAN,), _R, source=SCRIPT)
HASIL = _key("hasil", "how the request ended; \"terlambat\" in versions whose limit ended the service", CODE,
             (LAPORAN_TAHUNAN,), _R, source=SCRIPT)
PEMBERITAHUAN_TERBIT = _key("pemberitahuan_terbit", "True once the notice is issued (no withdrawal after it)", FLAG,
                            (PENCABUTAN,), _R, source=SCRIPT)
CARA_PENYERAHAN = _key("cara_penyerahan", "how the information was delivered", CODE, (REGISTER_PERMOHONAN,), _R)
TANGGAL_PENYERAHAN = _key("tanggal_penyerahan", "when the information was delivered", DATE,
                          (REGISTER_PERMOHONAN,), _R)
TANGGAL_PENCABUTAN = _key("tanggal_pencabutan", "when the applicant withdrew the request before the notice "
                          "(status Ditarik)", DATE,
                          mails=("permohonan_dicabut", "permohonan_dicabut_staf"), source=SCRIPT)
ALASAN_PENCABUTAN = _key("alasan_pencabutan", "why (the withdrawal message's text)", TEXT,
                         mails=("permohonan_dicabut", "permohonan_dicabut_staf"), source=SERVER)

# -- the objection --------------------------------------------------------------------------------------
AJUKAN_KEBERATAN = _key("ajukan_keberatan", "ya: the applicant files an objection (the page links its receipt)",
                        YES_NO, (HALAMAN_PERMOHONAN,), _R)
NOMOR_KEBERATAN = _key("nomor_keberatan", "the objection's number (nomor_baru(\"KEB\")); a case with it is in the "
                       "objection register", TEXT, (REGISTER_KEBERATAN, LAPORAN_TAHUNAN, TANDA_TERIMA_KEBERATAN,
                                                    TANGGAPAN_KEBERATAN, BERKAS_SENGKETA, HALAMAN_PERMOHONAN), _RK,
                        mails=_OBJECTION_MAILS, law=_ART35_36, source=SCRIPT)
TANGGAL_KEBERATAN = _key("tanggal_keberatan", "when the objection was received (else when its number was set)",
                         DATE, (REGISTER_KEBERATAN, LAPORAN_TAHUNAN, TANDA_TERIMA_KEBERATAN, BERKAS_SENGKETA), _RK,
                         source=SCRIPT)
ALASAN_KEBERATAN = _key("alasan_keberatan", "the Pasal 35 ayat (1) letters of the objection", CODES,
                        (REGISTER_KEBERATAN, TANDA_TERIMA_KEBERATAN, TANGGAPAN_KEBERATAN, BERKAS_SENGKETA), _RK,
                        law=_ART35_36)
URAIAN_KEBERATAN = _key("uraian_keberatan", "the objection's short statement", TEXT,
                        (TANDA_TERIMA_KEBERATAN, TANGGAPAN_KEBERATAN), _RK)
NAMA_KUASA = _key("nama_kuasa", "the proxy who filed the objection, if any", TEXT,
                  (REGISTER_KEBERATAN, TANDA_TERIMA_KEBERATAN, TANGGAPAN_KEBERATAN), _RK)
STATUS_KEBERATAN = _key("status_keberatan", "the objection's status", TEXT,
                        (REGISTER_KEBERATAN, TANDA_TERIMA_KEBERATAN, HALAMAN_PERMOHONAN, CEK_STATUS), _RK,
                        source=SCRIPT)
BATAS_PUTUSAN_KEBERATAN = _key("batas_putusan_keberatan", "the Atasan's limit (30 working days); no process of ours "
                               "sets it yet: the receipt then names the 30 working days only", DATE,
                               (TANDA_TERIMA_KEBERATAN,), source=SCRIPT)
KEPUTUSAN_KEBERATAN = _key("keputusan_keberatan", "the Atasan's decision: dikabulkan, ditolak; its time of setting "
                           "is the decision date", CODE, (REGISTER_KEBERATAN, LAPORAN_TAHUNAN, TANGGAPAN_KEBERATAN,
                                                          BERKAS_SENGKETA, HALAMAN_PERMOHONAN), _RK, law=_ART35_36)
KEBERATAN_TIDAK_DITANGGAPI = _key("keberatan_tidak_ditanggapi", "True: the Atasan let the 30 working days pass",
                                  FLAG, (REGISTER_KEBERATAN, LAPORAN_TAHUNAN, TANGGAPAN_KEBERATAN, BERKAS_SENGKETA,
                                         HALAMAN_PERMOHONAN), _RK, source=SCRIPT)
NOMOR_PUTUSAN_KEBERATAN = _key("nomor_putusan_keberatan", "the decision's number (nomor_baru(\"PK\"))", TEXT,
                               (TANGGAPAN_KEBERATAN,), _RK, source=SCRIPT)
TANGGAL_PUTUSAN_KEBERATAN = _key("tanggal_putusan_keberatan", "the decision's date", DATE,
                                 (TANGGAPAN_KEBERATAN, BERKAS_SENGKETA), _RK, source=SCRIPT)
PERTIMBANGAN_KEBERATAN = _key("pertimbangan_keberatan", "the Atasan's reasons", TEXT, (TANGGAPAN_KEBERATAN,), _RK,
                              mails=("keberatan_dikabulkan", "keberatan_ditolak"))
TINDAK_LANJUT_KEBERATAN = _key("tindak_lanjut_keberatan", "what a granted objection obliges the PPID to give or do",
                               TEXT, (REGISTER_KEBERATAN, TANGGAPAN_KEBERATAN), _RK)
BATAS_HARI_KERJA_TINDAK_LANJUT = _key("batas_hari_kerja_tindak_lanjut", "working days to carry a granted objection "
                                      "out", NUMBER, (TANGGAPAN_KEBERATAN,), _RK)
BATAS_TINDAK_LANJUT_KEBERATAN = _key("batas_tindak_lanjut_keberatan", "the date a granted objection must be carried "
                                     "out by", DATE, (REGISTER_KEBERATAN, TANGGAPAN_KEBERATAN), _RK,
                                     mails=("putusan_belum_dilaksanakan", "putusan_belum_dilaksanakan_staf"),
                                     source=SCRIPT)
NAMA_ATASAN = _key("nama_atasan", "the Atasan PPID who decided", TEXT, (REGISTER_KEBERATAN, TANGGAPAN_KEBERATAN),
                   _RK, law=_ART35_36)
JABATAN_ATASAN = _key("jabatan_atasan", "the Atasan PPID's position", TEXT,
                      (REGISTER_KEBERATAN, TANGGAPAN_KEBERATAN), _RK, law=_ART35_36)

# -- the dispute at the Komisi Informasi ------------------------------------------------------------------
AJUKAN_SENGKETA = _key("ajukan_sengketa", "ya: the applicant takes a dispute (the page links the dispute file)",
                       YES_NO, (HALAMAN_PERMOHONAN,), _RK)
STATUS_SENGKETA = _key("status_sengketa", "\"Sengketa Diajukan\" while the dispute runs, then its outcome; a case "
                       "with it has a dispute", TEXT, (REGISTER_PERMOHONAN, LAPORAN_TAHUNAN, BERKAS_SENGKETA,
                                                       HALAMAN_PERMOHONAN, CEK_STATUS), _RK,
                       mails=("hasil_sengketa", "sengketa_selesai"), source=SCRIPT)
NOMOR_REGISTER_KI = _key("nomor_register_ki", "the Komisi's register number of the dispute", TEXT,
                         (BERKAS_SENGKETA,), _RK, mails=("jadwal_sengketa", "panggilan_komisi",
                                                         "pengingat_sidang_komisi", "sengketa_diajukan"))
TANGGAL_PENGAJUAN_SENGKETA = _key("tanggal_pengajuan_sengketa", "when the dispute was filed", DATE,
                                  (BERKAS_SENGKETA, LAPORAN_TAHUNAN), _RK, mails=("sengketa_diajukan",))
URAIAN_SENGKETA = _key("uraian_sengketa", "the dispute's statement", TEXT, (BERKAS_SENGKETA,), _RK)
TANGGAL_PANGGILAN_KOMISI = _key("tanggal_panggilan_komisi", "the date of the Komisi's summons", DATE,
                                mails=("panggilan_komisi",))
JADWAL_KOMISI = _key("jadwal_komisi", "the hearings and mediations recorded ({jenis_jadwal, tanggal_jadwal, "
                     "tempat_jadwal})", RECORDS, mails=("jadwal_sengketa",), source=SCRIPT)
PENGINGAT_JENIS_JADWAL = _key("pengingat_jenis_jadwal", "the kind of hearing a reminder is for", CODE,
                              mails=("pengingat_sidang_komisi",), source=SCRIPT)
PENGINGAT_TANGGAL_JADWAL = _key("pengingat_tanggal_jadwal", "the date of the hearing a reminder is for", DATE,
                                mails=("pengingat_sidang_komisi",), source=SCRIPT)
PENGINGAT_TEMPAT_JADWAL = _key("pengingat_tempat_jadwal", "the place of the hearing a reminder is for", TEXT,
                               mails=("pengingat_sidang_komisi",), source=SCRIPT)
HASIL_SENGKETA = _key("hasil_sengketa", "the dispute's outcome: mediasi, ajudikasi, dicabut, tidak_diterima", CODE,
                      (LAPORAN_TAHUNAN,), _R, mails=_KOMISI_MAILS, source=SCRIPT)
NOMOR_PUTUSAN_KOMISI = _key("nomor_putusan_komisi", "the mediation agreement's or decision's number", TEXT,
                            mails=_KOMISI_MAILS)
TANGGAL_PUTUSAN_KOMISI = _key("tanggal_putusan_komisi", "the agreement's or decision's date", DATE,
                              mails=("hasil_sengketa",))
PERINTAH_KOMISI = _key("perintah_komisi", "True: the Komisi ordered the information given", FLAG,
                       (LAPORAN_TAHUNAN,), _R, mails=("hasil_sengketa", "sengketa_selesai"), source=SCRIPT)
BATAS_PUTUSAN_KOMISI = _key("batas_putusan_komisi", "the date the order must be carried out by", DATE,
                            mails=("hasil_sengketa", "putusan_komisi_belum_dilaksanakan_staf", "sengketa_selesai"),
                            source=SCRIPT)
PUTUSAN_KOMISI_DILAKSANAKAN = _key("putusan_komisi_dilaksanakan", "True: the order was carried out", FLAG,
                                   (LAPORAN_TAHUNAN,), _R, source=SCRIPT)
PUTUSAN_KOMISI_TERLAMBAT = _key("putusan_komisi_terlambat", "True: carried out after its limit", FLAG,
                                (LAPORAN_TAHUNAN,), _R, mails=("sengketa_selesai",), source=SCRIPT)
TANGGAL_PELAKSANAAN_KOMISI = _key("tanggal_pelaksanaan_komisi", "when the order was carried out", DATE,
                                  mails=("putusan_komisi_dilaksanakan", "sengketa_selesai"))
CATATAN_PELAKSANAAN_KOMISI = _key("catatan_pelaksanaan_komisi", "how the order was carried out", TEXT,
                                  mails=("putusan_komisi_dilaksanakan",))

# -- complaints (Pengaduan Layanan, SP4N-LAPOR!) ------------------------------------------------------------
TANGGAL_PENGADUAN = _key("tanggal_pengaduan", "when the complaint was received; a case with it is a complaint in "
                         "the report", DATE, (EKSPOR_LAPOR, LAPORAN_TAHUNAN), _P, source=SCRIPT)
KATEGORI_PENGADUAN = _key("kategori_pengaduan", "the complaint's category", CODE, (EKSPOR_LAPOR,), _P)
URAIAN_PENGADUAN = _key("uraian_pengaduan", "the complaint's text", TEXT, (EKSPOR_LAPOR,), _P,
                        mails=("pengaduan_diterima",))
NOMOR_LAPOR = _key("nomor_lapor", "the SP4N-LAPOR! tracking ID", TEXT, (EKSPOR_LAPOR,), _P,
                   mails=("pengaduan_dijawab", "pengaduan_diteruskan"))
BATAS_PENERUSAN = _key("batas_penerusan", "the limit to forward the complaint (3 working days)", DATE,
                       (EKSPOR_LAPOR,), _P, source=SCRIPT)
BATAS_TINDAK_LANJUT = _key("batas_tindak_lanjut", "the limit to follow it up (5 working days)", DATE,
                           (EKSPOR_LAPOR,), _P, source=SCRIPT)
NOMOR_PENDAFTARAN_TERKAIT = _key("nomor_pendaftaran_terkait", "the request a complaint is about", TEXT,
                                 mails=("pengaduan_diterima",))
STATUS_AKHIR = _key("status_akhir", "how the complaint was closed", CODE, mails=("pengaduan_dijawab",))
JAWABAN_PENGADUAN = _key("jawaban_pengaduan", "the answer to the complainant", TEXT, mails=("pengaduan_dijawab",))

#: marks of a case kind: a case with the key is a request, is in the objection register, is a complaint
REQUEST_MARKER, OBJECTION_MARKER, COMPLAINT_MARKER = RINCIAN_INFORMASI, NOMOR_KEBERATAN, TANGGAL_PENGADUAN

def needed_by(process_id: str, sends: frozenset[str] | set[str] = frozenset()) -> list[DataKey]:
    """The keys a process must provide: those of our process of that id, and those of the mails it sends."""
    return [k for k in REGISTRY.values() if process_id in k.processes or set(k.mails) & set(sends)]


# -- the table in docs/PROCESS_CONVENTIONS.md --------------------------------------------------------------
DOC_BEGIN = "<!-- data-contract:begin (python -m app.domain.data_contract writes this table) -->"
DOC_END = "<!-- data-contract:end -->"
_SHORT = {PERMOHONAN: "permohonan", BERKALA: "berkala", PENGADUAN: "pengaduan"}


def markdown_table() -> str:
    """The registry as the Markdown table of docs/PROCESS_CONVENTIONS.md."""
    lines = ["| key | meaning | type | set by | read by | needed in | law (missing: import refused) |",
             "|---|---|---|---|---|---|---|"]
    for key in REGISTRY.values():
        readers = ", ".join(r for r in key.readers if r != SUREL)
        if key.mails:
            readers = ", ".join(filter(None, (readers, "surel " + ", ".join(key.mails))))
        needed = ", ".join(_SHORT[p] for p in key.processes) or "-"
        lines.append(f"| `{key.name}` | {key.meaning.replace('|', '/')} | {key.type} | {key.source} | {readers} | "
                     f"{needed} | {key.law or '-'} |")
    return "\n".join(lines)


def with_table(document: str) -> str:
    """`document` with the text between DOC_BEGIN and DOC_END replaced by the current table."""
    pattern = re.compile(re.escape(DOC_BEGIN) + r".*?" + re.escape(DOC_END), re.S)
    if not pattern.search(document):
        raise ValueError("the markers of the data contract table are missing")
    return pattern.sub(lambda _m: f"{DOC_BEGIN}\n{markdown_table()}\n{DOC_END}", document)


if __name__ == "__main__":  # pragma: no cover - the maintainer's tool
    doc = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/PROCESS_CONVENTIONS.md")
    doc.write_text(with_table(doc.read_text(encoding="utf-8")), encoding="utf-8")
