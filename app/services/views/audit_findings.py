"""What is wrong with a case, in Indonesian: the hash chain's problems (`audit.verify_instance`) and the
replay's differences (`replay.replay_instance`), with personal values quoted in a difference masked by
the same rules as the actor's case view."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from app.persistence.models import ProcessInstance

from app.services.records.audit import canonical, verify_instance
from app.services.casework.cases import WITHHELD, data_view, mask_nik
from app.services.infrastructure.context import Actor
from app.services.records.replay import replay_instance

#: longest quoted value in a difference
QUOTE_LIMIT = 300
HIDDEN = "(disembunyikan)"


#: the chain check's findings, in Indonesian
PROBLEM_TEXTS = (
    ("missing (removed from the history)", "langkah hilang (dihapus dari riwayat)"),
    ("previous-hash link broken", "tautan ke hash langkah sebelumnya putus (ada langkah yang dihapus atau diubah)"),
    ("content does not match its hash", "isi langkah tidak cocok dengan hash-nya (langkah ini diubah)"),
    ("stored workflow state differs", "keadaan alur kerja yang tersimpan berbeda dari akhir riwayat"),
    ("stored case data differs", "data kasus yang tersimpan berbeda dari riwayat"),
    ("stored case fields", "status, OPD atau pemohon yang tersimpan berbeda dari riwayat"),
    ("worklist rows differ", "daftar tugas berbeda dari tugas terbuka pada akhir riwayat"),
    ("timer rows differ", "batas waktu yang tersimpan berbeda dari akhir riwayat"),
    ("no audit events", "tidak ada catatan riwayat"),
)


@dataclass(frozen=True)
class Finding:
    """One thing wrong with a case: from the chain check or from the replay."""

    registration_number: str
    seq: int | None  # None: the case as a whole
    source: str  # "rantai" (hash chain) or "ulang" (replay)
    text: str
    recorded: str | None = None
    replayed: str | None = None


#: the replay's names of what differs, in Indonesian (longest first; the rest of the text is kept)
MISMATCH_TEXTS = (
    ("stored case fields (status, OPD, finished, late)", "status, OPD, selesai dan terlambat yang tersimpan"),
    ("case fields (status, OPD, applicant)", "status, OPD dan pemohon"),
    ("stored workflow state", "keadaan alur kerja yang tersimpan"),
    ("stored worklist rows", "daftar tugas yang tersimpan"),
    ("stored worklist row", "baris daftar tugas yang tersimpan"),
    ("stored timer rows", "batas waktu yang tersimpan"),
    ("stored timer row", "baris batas waktu yang tersimpan"),
    ("stored case data", "data kasus yang tersimpan"),
    ("completed task was open", "tugas yang diselesaikan sedang terbuka"),
    ("timers waiting to fire", "batas waktu yang menunggu"),
    ("registration number", "Nomor Pendaftaran"),
    ("process version", "versi proses"),
    ("waiting timers", "batas waktu berjalan"),
    ("notifications", "pemberitahuan"),
    ("timer fired", "batas waktu terpicu"),
    ("open tasks", "tugas terbuka"),
    ("steps run", "langkah yang dijalankan"),
    ("case data", "data kasus"),
    ("finished", "selesai"),
    ("history", "riwayat"),
)
DUE_DATE_TEXT = "tanggal batas berbeda (kalender hari kerja yang berlaku sekarang berbeda dari yang dipakai saat itu?)"


def mismatch_text(what: str) -> str:
    """The replay's description of a difference, in Indonesian where it has a known name."""
    from app.services.records.replay import DUE_DATE_NOTE

    text = what.replace(DUE_DATE_NOTE, DUE_DATE_TEXT)
    for english, indonesian in MISMATCH_TEXTS:
        if text.startswith(english):
            return indonesian + text[len(english):]
    return text


def problem_text(message: str) -> str:
    for english, indonesian in PROBLEM_TEXTS:
        if english in message:
            return indonesian
    return message


class _Masker:
    """Masks personal values quoted in replay differences, as the actor's case view would."""

    def __init__(self, actor: Actor, instance: ProcessInstance):
        view = data_view(actor, instance)
        data = instance.case_data or {}
        self.hidden = view.hidden
        self.replacements: list[tuple[str, str]] = []
        for key in sorted(view.personal):
            value = data.get(key)
            if isinstance(value, str) and len(value) >= 4:
                self.replacements.append((value, HIDDEN if value.startswith("lampiran:") else mask_nik(value)))
        self.replacements += [(secret, WITHHELD) for secret in view.secrets]
        self.replacements.sort(key=lambda pair: len(pair[0]), reverse=True)

    def names_hidden_key(self, what: str) -> bool:
        return any(re.search(rf"'{re.escape(key)}'", what) for key in self.hidden)

    def text(self, value: Any) -> str:
        text = value if isinstance(value, str) else canonical(value)
        for secret, shown in self.replacements:
            text = re.sub(re.escape(secret), shown, text, flags=re.IGNORECASE)
        return text if len(text) <= QUOTE_LIMIT else text[:QUOTE_LIMIT - 3] + "..."


def chain_findings(instance: ProcessInstance) -> list[Finding]:
    return [Finding(p.registration_number, p.seq, "rantai", problem_text(p.message))
            for p in verify_instance(instance)]


def replay_findings(actor: Actor, instance: ProcessInstance) -> tuple[list[Finding], int, str | None]:
    report = replay_instance(instance)
    masker = _Masker(actor, instance)
    found = []
    for m in report.mismatches:
        if masker.names_hidden_key(m.what):
            recorded = replayed = HIDDEN
        else:
            recorded, replayed = masker.text(m.expected), masker.text(m.actual)
        found.append(Finding(report.registration_number, m.seq, "ulang", masker.text(mismatch_text(m.what)),
                             recorded, replayed))
    return found, report.steps_checked, report.note
