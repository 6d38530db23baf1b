"""Case statuses and the legal grounds of UU 14/2008 (UU KIP).

Status values are the Indonesian words shown to users and stored in the case
data key ``status``.
"""

from __future__ import annotations

# -- information request (permohonan informasi) ------------------------------
DIAJUKAN = "Diajukan"
PERLU_DILENGKAPI = "Perlu Dilengkapi"
DIPROSES = "Diproses"
DIPERPANJANG = "Diperpanjang"
DITERIMA_SELURUHNYA = "Diterima Seluruhnya"
DITERIMA_SEBAGIAN = "Diterima Sebagian"
DITOLAK = "Ditolak"
INFORMASI_TIDAK_DIKUASAI = "Informasi Tidak Dikuasai"
SELESAI = "Selesai"
MELEWATI_BATAS_WAKTU = "Melewati Batas Waktu"
DITARIK = "Ditarik"
# an incomplete request the applicant did not complete in time lapses: not withdrawn (issue 13, item 10)
GUGUR = "Gugur"
# a dispute filed with the Komisi Informasi and not yet settled (issue 13, items 8 and 9)
SENGKETA = "Sengketa di Komisi Informasi"

REQUEST_STATUSES: tuple[str, ...] = (
    DIAJUKAN,
    PERLU_DILENGKAPI,
    DIPROSES,
    DIPERPANJANG,
    DITERIMA_SELURUHNYA,
    DITERIMA_SEBAGIAN,
    DITOLAK,
    INFORMASI_TIDAK_DIKUASAI,
    SELESAI,
    MELEWATI_BATAS_WAKTU,
    DITARIK,
    GUGUR,
    SENGKETA,
)

# Statuses meaning the written notice (pemberitahuan tertulis) has been given.
DECIDED_REQUEST_STATUSES: tuple[str, ...] = (
    DITERIMA_SELURUHNYA,
    DITERIMA_SEBAGIAN,
    DITOLAK,
    INFORMASI_TIDAK_DIKUASAI,
)

# A request in one of these no longer runs against the legal clock.
# "Melewati Batas Waktu" is not final: the request still awaits an answer.
FINAL_REQUEST_STATUSES: tuple[str, ...] = DECIDED_REQUEST_STATUSES + (SELESAI, DITARIK, GUGUR)

# -- objection (keberatan) ---------------------------------------------------
KEBERATAN_DIAJUKAN = "Keberatan Diajukan"
KEBERATAN_DIPROSES = "Diproses"
KEBERATAN_DIKABULKAN = "Dikabulkan"
KEBERATAN_DITOLAK = "Ditolak"
# the Atasan PPID did not decide within 30 working days (a decision may still follow)
KEBERATAN_TIDAK_DITANGGAPI = "Tidak Ditanggapi"

OBJECTION_STATUSES: tuple[str, ...] = (
    KEBERATAN_DIAJUKAN,
    KEBERATAN_DIPROSES,
    KEBERATAN_DIKABULKAN,
    KEBERATAN_DITOLAK,
    KEBERATAN_TIDAK_DITANGGAPI,
)

FINAL_OBJECTION_STATUSES: tuple[str, ...] = (KEBERATAN_DIKABULKAN, KEBERATAN_DITOLAK)

FINAL_STATUSES: frozenset[str] = frozenset(FINAL_REQUEST_STATUSES + FINAL_OBJECTION_STATUSES)


def is_final(status: str | None) -> bool:
    """True when ``status`` ends a request or an objection."""
    return status in FINAL_STATUSES


# -- UU 14/2008 Pasal 17: exempted information (informasi yang dikecualikan) --
# Each letter: information that, if opened and given to the applicant, could ...
ART17_GROUNDS: dict[str, str] = {
    "a": "Menghambat proses penegakan hukum",
    "b": (
        "Mengganggu kepentingan perlindungan hak atas kekayaan intelektual dan "
        "perlindungan dari persaingan usaha tidak sehat"
    ),
    "c": "Membahayakan pertahanan dan keamanan negara",
    "d": "Mengungkapkan kekayaan alam Indonesia",
    "e": "Merugikan ketahanan ekonomi nasional",
    "f": "Merugikan kepentingan hubungan luar negeri",
    "g": (
        "Mengungkapkan isi akta otentik yang bersifat pribadi dan kemauan terakhir "
        "ataupun wasiat seseorang"
    ),
    "h": "Mengungkap rahasia pribadi",
    "i": (
        "Memorandum atau surat-surat antar Badan Publik atau intra Badan Publik yang "
        "menurut sifatnya dirahasiakan, kecuali atas putusan Komisi Informasi atau pengadilan"
    ),
    "j": "Informasi yang tidak boleh diungkapkan berdasarkan Undang-Undang",
}

# -- UU 14/2008 Pasal 35 ayat (1): reasons for an objection ------------------
ART35_REASONS: dict[str, str] = {
    "a": "Penolakan atas permintaan informasi berdasarkan alasan pengecualian sebagaimana dimaksud dalam Pasal 17",
    "b": "Tidak disediakannya informasi berkala sebagaimana dimaksud dalam Pasal 9",
    "c": "Tidak ditanggapinya permintaan informasi",
    "d": "Permintaan informasi ditanggapi tidak sebagaimana yang diminta",
    "e": "Tidak dipenuhinya permintaan informasi",
    "f": "Pengenaan biaya yang tidak wajar",
    "g": "Penyampaian informasi yang melebihi waktu yang diatur dalam Undang-Undang ini",
}


def art17_label(letter: str) -> str:
    """``"Pasal 17 huruf a: Menghambat ..."``; KeyError for an unknown letter."""
    key = letter.strip().lower()
    return f"Pasal 17 huruf {key}: {ART17_GROUNDS[key]}"


def art35_label(letter: str) -> str:
    """``"Pasal 35 ayat (1) huruf c: Tidak ..."``; KeyError for an unknown letter."""
    key = letter.strip().lower()
    return f"Pasal 35 ayat (1) huruf {key}: {ART35_REASONS[key]}"
