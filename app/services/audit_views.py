"""Read-only views behind the audit pages (/audit/...) and the public statistics page.

- `case_history`: a case's full history as the actor may see it (`cases.get_case` masking),
  whether its hash chain verifies (`audit.verify_instance`) and its final hash;
- `case_at`: the case as it was at one event: the diagram with the path so far, the tasks and
  timers open at that moment and the case data then (all from the events' payloads);
- `history_document`: the history as PDF (`app.documents.history_pdf`) sealed with the final hash;
- `verify_cases`: replay verification (`replay.replay_instance`) and chain check of one case or
  of all cases in bounded batches;
- exports, registers, the annual report and public statistics: the services of
  `exports`, `registers` and `reports`, behind a role check.

Nothing here writes. Personal data stays masked for whoever may not see it: histories come
from `get_case`, and values quoted in replay differences are masked with the same rules.
"""
from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from lxml import etree

from app.domain import roles
from app.domain.errors import Forbidden, NotFound
from app.domain.timeutil import BULAN, parse_iso
from app.persistence.models import Opd, ProcessInstance, ProcessVersion, db

from . import exports, registers, reports
from .audit import canonical, final_hash, verify_instance
from .cases import WITHHELD, CaseView, HistoryEntry, data_view, find_instance, get_case, mask_nik
from .context import Actor
from .replay import replay_instance
from .roles import role_labels
from .versions import definition_for, version_of

#: who reads every case's history, verifies, exports and reads the registers
AUDIT_ROLES = frozenset({roles.AUDITOR, roles.KEPALA_DISKOMINFO, roles.ATASAN_PPID, roles.DISKOMINFO})
#: the case history pages also open to the OPD officers of the case (get_case checks the OPD)
HISTORY_ROLES = AUDIT_ROLES | {roles.OPD}
#: the annual report: the head of Diskominfo and the auditor
REPORT_ROLES = frozenset({roles.AUDITOR, roles.KEPALA_DISKOMINFO})
#: cases replayed per verification request (the page offers to go on with the next batch)
VERIFY_BATCH = 25
#: seconds one verification request may spend before it stops and offers to go on
VERIFY_SECONDS = 20.0
#: longest quoted value in a difference
QUOTE_LIMIT = 300
HIDDEN = "(disembunyikan)"
NOT_DISPATCHED = "Belum diteruskan ke OPD"

EVENT_LABELS = {
    "case_started": "Permohonan dibuat",
    "task_completed": "Tugas diselesaikan",
    "task_claimed": "Tugas diambil",
    "task_unclaimed": "Tugas dilepas",
    "timer_fired": "Batas waktu tercapai",
    "case_migrated": "Dipindah ke versi proses baru",
    "case_redispatched": "Diteruskan ke OPD lain",
    "case_claimed": "Diklaim pemohon ke akunnya",
    "message_received": "Permohonan dicabut",
    "personal_data_erased": "Data pribadi dihapus",
    "incident_opened": "Insiden: langkah gagal dijalankan",
    "incident_resolved": "Insiden diselesaikan",
}

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


def _require(actor: Actor, allowed: frozenset[str]) -> None:
    if not actor.roles & allowed:
        raise Forbidden()


# --------------------------------------------------------------------------- findings

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
    from .replay import DUE_DATE_NOTE

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


def _chain_findings(instance: ProcessInstance) -> list[Finding]:
    return [Finding(p.registration_number, p.seq, "rantai", problem_text(p.message))
            for p in verify_instance(instance)]


def _replay_findings(actor: Actor, instance: ProcessInstance) -> tuple[list[Finding], int, str | None]:
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


# --------------------------------------------------------------------------- the history page

@dataclass(frozen=True)
class CaseHistory:
    case: CaseView
    findings: list[Finding]
    final_hash: str | None
    field_props: dict[str, dict]
    process_name: str

    @property
    def chain_ok(self) -> bool:
        return not self.findings


def _field_props(instance: ProcessInstance) -> dict[str, dict]:
    props: dict[str, dict] = {}
    for name, schema in (definition_for(instance).forms or {}).items():
        if name.endswith(".uischema.json") or not isinstance(schema, dict):
            continue
        for key, prop in (schema.get("properties") or {}).items():
            if isinstance(prop, dict):
                props.setdefault(key, prop)
    return props


def case_history(actor: Actor, registration_number: str) -> CaseHistory:
    """The whole history of a case as the actor may see it, its chain status and final hash."""
    view = get_case(actor, registration_number)
    instance = find_instance(view.registration_number)
    return CaseHistory(case=view, findings=_chain_findings(instance), final_hash=final_hash(instance.id),
                       field_props=_field_props(instance), process_name=definition_for(instance).name)


# --------------------------------------------------------------------------- one event

@dataclass(frozen=True)
class MomentTask:
    spec_id: str
    name: str
    lane: str | None
    due_at: datetime | None


@dataclass(frozen=True)
class CaseAtEvent:
    """The case as it was right after event #seq."""

    case: CaseView
    entry: HistoryEntry
    seq: int
    total: int
    prev_seq: int | None
    next_seq: int | None
    svg: str | None  # the diagram (SVG markup made by lxml) or None when it cannot be drawn
    done: list[str]  # element ids run in events 1..seq, in order
    active: list[MomentTask]
    timers: list[MomentTask]
    case_data: dict
    version_hash: str
    field_props: dict[str, dict]


_names: dict[str, dict[str, str]] = {}


def element_names(version: ProcessVersion) -> dict[str, str]:
    """BPMN element id -> name of one stored version (cached by content hash)."""
    found = _names.get(version.content_hash)
    if found is None:
        from app.engine.diagram_model import element_name, index_elements, parse_bpmn

        try:
            index = index_elements(parse_bpmn(version.bpmn_xml))
            found = {key: element_name(el, index) or key for key, el in index.items()}
        except (ValueError, etree.XMLSyntaxError):
            found = {}
        _names[version.content_hash] = found
    return found


def _version_at(instance: ProcessInstance, history: list[HistoryEntry], seq: int) -> ProcessVersion:
    wanted = None
    for entry in history:
        if entry.seq > seq:
            break
        if entry.event_type == "case_started" and entry.payload.get("version"):
            wanted = entry.payload["version"]
        elif entry.payload.get("to_version"):
            wanted = entry.payload["to_version"]
    if wanted and wanted != definition_for(instance).content_hash:
        found = db.session.scalar(sa.select(ProcessVersion).filter_by(content_hash=wanted))
        if found is not None:
            return found
    return version_of(instance)


def _when(value: Any) -> datetime | None:
    if isinstance(value, str) and value:
        try:
            return parse_iso(value)
        except ValueError:
            return None
    return None


def highlight_at(history: list[HistoryEntry], seq: int) -> tuple[list[str], list[dict], list[dict], dict]:
    """(done ids in order, open task rows, timer rows, case data) right after event #seq.

    Claims and the start event record no open tasks: the last event up to #seq that did counts.
    """
    done: list[str] = []
    tasks: list[dict] = []
    timers: list[dict] = []
    data: dict = {}
    for entry in history:
        if entry.seq > seq:
            break
        for step in entry.payload.get("steps") or ():
            if isinstance(step, dict) and step.get("id") and step["id"] not in done:
                done.append(str(step["id"]))
        if "open_tasks" in entry.payload:
            tasks = [t for t in entry.payload.get("open_tasks") or () if isinstance(t, dict)]
        if "timers" in entry.payload:
            timers = [t for t in entry.payload.get("timers") or () if isinstance(t, dict)]
        if isinstance(entry.payload.get("case_data"), dict):
            data = entry.payload["case_data"]
    return done, tasks, timers, data


def _diagram(version: ProcessVersion, done: list[str], active: list[str], timers: list[str]) -> str | None:
    from app.engine.diagram import render_svg

    highlight = {key: "done" for key in done}
    highlight.update({key: "timer" for key in timers})
    highlight.update({key: "active" for key in active})
    try:
        return render_svg(version.bpmn_xml, highlight, lane_labels=role_labels())
    except (ValueError, IndexError, KeyError, etree.XMLSyntaxError):
        return None


def case_at(actor: Actor, registration_number: str, seq: int) -> CaseAtEvent:
    """The case right after its event #seq (NotFound when there is no such event)."""
    view = get_case(actor, registration_number)
    by_seq = {e.seq: e for e in view.history}
    if seq not in by_seq:
        raise NotFound("Langkah riwayat ini tidak ada.")
    instance = find_instance(view.registration_number)
    version = _version_at(instance, view.history, seq)
    names = element_names(version)
    done, task_rows, timer_rows, data = highlight_at(view.history, seq)
    active = [MomentTask(str(t.get("spec_id")), names.get(str(t.get("spec_id")), str(t.get("spec_id"))),
                         t.get("lane"), _when(t.get("due_at"))) for t in task_rows]
    timers = [MomentTask(str(t.get("spec_id")), names.get(str(t.get("spec_id")), str(t.get("spec_id"))),
                         None, _when(t.get("due_at"))) for t in timer_rows]
    seqs = sorted(by_seq)
    at = seqs.index(seq)
    return CaseAtEvent(
        case=view, entry=by_seq[seq], seq=seq, total=len(seqs),
        prev_seq=seqs[at - 1] if at > 0 else None, next_seq=seqs[at + 1] if at + 1 < len(seqs) else None,
        svg=_diagram(version, done, [t.spec_id for t in active], [t.spec_id for t in timers]),
        done=done, active=active, timers=timers, case_data=data, version_hash=version.content_hash,
        field_props=_field_props(instance),
    )


# --------------------------------------------------------------------------- the history PDF

def _summary(entry: HistoryEntry, titles: dict[str, str], labels: dict[str, dict[str, str]]) -> str:
    """What one event submitted and changed, timers set and fired, notifications: one line of text."""

    def shown(key: str, value: Any) -> str:
        if value in (None, ""):
            return "-"
        if isinstance(value, bool):
            return "Ya" if value else "Tidak"
        if isinstance(value, str) and value.startswith("lampiran:"):
            return "berkas terlampir"
        text = labels.get(key, {}).get(str(value)) if not isinstance(value, (dict, list)) else None
        return text or (value if isinstance(value, str) else canonical(value))

    payload = entry.payload
    parts = []
    changes = payload.get("changes") or {}
    if changes:
        parts.append("Perubahan: " + "; ".join(
            f"{titles.get(k, k)}: {shown(k, c.get('before'))} -> {shown(k, c.get('after'))}"
            for k, c in changes.items() if isinstance(c, dict)))
    if payload.get("timers_set"):
        parts.append("Batas waktu dipasang: " + "; ".join(str(t) for t in payload["timers_set"]))
    if payload.get("timers_cleared"):
        parts.append("Batas waktu selesai/dibatalkan: " + "; ".join(str(t) for t in payload["timers_cleared"]))
    if payload.get("notifications"):
        parts.append("Pemberitahuan: " + "; ".join(
            f"{roles.role_label(str(n.get('to')))} ({n.get('template')})"
            + ("" if n.get("address", "") is not None else ": tidak ada penerima")
            for n in payload["notifications"] if isinstance(n, dict)))
    return ". ".join(parts)


def history_document(actor: Actor, registration_number: str) -> bytes:
    """Riwayat penanganan as PDF, sealed with the final hash; personal data masked unless the actor
    may see it (the same view as the case page)."""
    from app.documents import history_pdf

    from .portal_views import document_data, field_titles

    docs = document_data(actor, registration_number)
    view = get_case(actor, registration_number)
    instance = find_instance(view.registration_number)
    titles = field_titles(definition_for(instance))
    history = []
    for item, entry in zip(docs.data.history, view.history):
        extra = _summary(entry, titles, docs.labels)
        history.append({**item, "summary": extra or item.get("summary") or ""})
    data = replace(docs.data, history=history, attachments=[], verification_hash=final_hash(instance.id))
    return history_pdf(data, docs.labels)


# --------------------------------------------------------------------------- verification

@dataclass
class VerificationRun:
    """One verification request: which cases were checked and what was found."""

    total: int  # cases in the database (or 1 for one case)
    checked: int = 0  # cases checked so far, this request and the ones before it
    steps: int = 0  # events replayed in this request
    findings: list[Finding] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # cases with a finding, this request and before
    notes: list[tuple[str, str]] = field(default_factory=list)
    next_after: int | None = None  # the last case id checked, when more remain
    single: str | None = None

    @property
    def done(self) -> bool:
        return self.next_after is None


def _check(actor: Actor, instance: ProcessInstance, run: VerificationRun) -> None:
    chain = _chain_findings(instance)
    replayed, steps, note = _replay_findings(actor, instance)
    run.checked += 1
    run.steps += steps
    if chain or replayed:
        run.findings += chain + replayed
        run.failed.append(instance.registration_number)
    if note:
        run.notes.append((instance.registration_number, note))


def verify_cases(actor: Actor, registration_number: str | None = None, after: int = 0, checked_before: int = 0,
                 failed_before: list[str] | None = None, batch: int | None = None,
                 seconds: float | None = None) -> VerificationRun:
    """Replay and chain-check one case, or the next batch of all cases after case id `after`.

    A batch stops after `batch` cases or `seconds`, whichever comes first; `next_after` then
    says where the next request goes on. Counts and failed cases carry over from earlier batches.
    """
    _require(actor, AUDIT_ROLES)
    batch = batch or VERIFY_BATCH
    seconds = VERIFY_SECONDS if seconds is None else seconds
    if registration_number:
        instance = find_instance(registration_number)
        run = VerificationRun(total=1, single=instance.registration_number)
        _check(actor, instance, run)
        return run
    total = db.session.scalar(sa.select(sa.func.count()).select_from(ProcessInstance)) or 0
    run = VerificationRun(total=total, checked=checked_before, failed=list(failed_before or []))
    ids = list(db.session.scalars(sa.select(ProcessInstance.id).where(ProcessInstance.id > after)
                                  .order_by(ProcessInstance.id).limit(batch + 1)))
    started = time.monotonic()
    last = after
    for index, instance_id in enumerate(ids[:batch]):
        if index and time.monotonic() - started > seconds:
            break
        instance = db.session.get(ProcessInstance, instance_id)
        _check(actor, instance, run)
        db.session.expire(instance)
        last = instance_id
    more = db.session.scalar(sa.select(sa.func.count()).select_from(ProcessInstance)
                             .where(ProcessInstance.id > last)) or 0
    run.next_after = last if more else None
    return run


# --------------------------------------------------------------------------- exports and registers

@dataclass(frozen=True)
class Period:
    first: date | None = None
    last: date | None = None
    opd: str | None = None


def export_log(actor: Actor, kind: str, period: Period) -> bytes:
    """The event log as XES (`kind="xes"`) or CSV (UTF-8), with no personal data."""
    _require(actor, AUDIT_ROLES)
    if kind == "xes":
        return exports.xes_bytes(period.first, period.last, period.opd)
    return exports.csv_text(period.first, period.last, period.opd).encode("utf-8")


REGISTERS = {"permohonan": registers.request_register, "keberatan": registers.objection_register}


def register_rows(actor: Actor, kind: str, period: Period) -> list:
    """The request (`permohonan`) or objection (`keberatan`) register: no NIK is ever read into it."""
    _require(actor, AUDIT_ROLES)
    if kind not in REGISTERS:
        raise NotFound()
    return REGISTERS[kind](period.first, period.last, period.opd)


def register_columns(kind: str) -> list[tuple[str, str]]:
    from dataclasses import fields

    row_type = registers.ObjectionRow if kind == "keberatan" else registers.RequestRow
    return [(f.name, registers.HEADINGS[f.name]) for f in fields(row_type)]


def register_file(actor: Actor, kind: str, fmt: str, period: Period) -> bytes:
    rows = register_rows(actor, kind, period)
    if fmt == "xlsx":
        return registers.to_xlsx(rows, kind)
    return registers.to_csv(rows, kind).encode("utf-8")


# --------------------------------------------------------------------------- the annual report

@dataclass(frozen=True)
class ReportPage:
    year: int
    semester: int | None
    opd: str | None
    selected: reports.ReportRow
    rows: list[reports.ReportRow]
    per_opd: list[tuple[str, int]]
    per_month: list[tuple[str, int]]
    decisions: list[tuple[str, int]]
    grounds: list[tuple[str, int]]


DECISION_LABELS = (("granted_full", "Diterima seluruhnya"), ("granted_part", "Diterima sebagian"),
                   ("refused", "Ditolak"), ("not_held", "Informasi tidak dikuasai"), ("withdrawn", "Gugur atau ditarik"),
                   ("overdue", "Melewati batas waktu"))


def _in(day: date | None, year: int, semester: int | None) -> bool:
    return day is not None and day.year == year and (semester is None or reports.semester_of(day) == semester)


def annual_report_page(actor: Actor, year: int, semester: int | None = None, opd: str | None = None) -> ReportPage:
    """The figures of a year (or one semester, or one OPD) with the series the charts draw."""
    _require(actor, REPORT_ROLES)
    every = reports.case_facts()  # one reading of the cases serves every figure of the page
    facts = [f for f in every if f.opd == opd] if opd else every
    chosen = reports.annual_report(year, facts)
    whole = reports.annual_report(year, every) if opd else chosen
    rows = [r for r in whole.rows if (semester is None or r.semester in (semester,))
            and (opd is None or r.opd in (opd,))]
    selected = chosen.row(semester, reports.ALL)
    names = {**dict(db.session.execute(sa.select(Opd.code, Opd.name)).all()), reports.NO_OPD: NOT_DISPATCHED}
    received = [f for f in facts if _in(f.received, year, semester)]
    per_opd = Counter(names.get(f.opd, f.opd) for f in received)
    months = Counter(f.received.month for f in received)
    month_range = range(1, 13) if semester is None else (range(1, 7) if semester == 1 else range(7, 13))
    return ReportPage(
        year=year, semester=semester, opd=opd, selected=selected, rows=rows,
        per_opd=sorted(per_opd.items(), key=lambda kv: (-kv[1], kv[0])),
        per_month=[(BULAN[m - 1], months.get(m, 0)) for m in month_range],
        decisions=[(label, getattr(selected, key)) for key, label in DECISION_LABELS],
        grounds=[(f"Pasal 17 huruf {k}", v) for k, v in selected.refused_by_ground.items()],
    )


def report_csv(actor: Actor, year: int) -> bytes:
    _require(actor, REPORT_ROLES)
    return reports.report_csv(reports.annual_report(year)).encode("utf-8")


@dataclass(frozen=True)
class Chart:
    """A bar chart for a page: each row's name, count, and bar length in percent of the largest.

    Pages draw it in HTML (text at body size on any screen, the count beside its bar, never
    clipped); `ppid report chart` draws the same counts as SVG (reports.bar_chart_svg)."""
    title: str
    rows: list[tuple[str, int, float]]


def chart(title: str, items: list[tuple[str, int]]) -> Chart:
    biggest = max((v for _, v in items), default=0) or 1
    return Chart(title, [(str(name), int(value), round(100 * value / biggest, 1)) for name, value in items])


@dataclass(frozen=True)
class PublicStats:
    year: int
    figures: dict
    charts: list[Chart]


def public_stats(year: int) -> PublicStats:
    """Counts and times of a year for anyone: no names, no NIK, no registration numbers."""
    figures = reports.public_statistics(year)
    decisions = [("Diterima seluruhnya", figures["diterima_seluruhnya"]),
                 ("Diterima sebagian", figures["diterima_sebagian"]), ("Ditolak", figures["ditolak"]),
                 ("Informasi tidak dikuasai", figures["tidak_dikuasai"]), ("Gugur atau ditarik", figures["ditarik"])]
    charts = [chart(f"Permohonan informasi per bulan, {year}", list(figures["per_bulan"].items())),
              chart(f"Keputusan atas permohonan, {year}", decisions)]
    if figures["per_opd"]:
        per_opd = [(NOT_DISPATCHED if name == reports.NO_OPD else name, n) for name, n in figures["per_opd"].items()]
        charts.insert(1, chart(f"Permohonan informasi per OPD, {year}", per_opd))
    return PublicStats(year, figures, charts)


def years_with_cases(now: datetime) -> list[int]:
    """Years from the first case to this year (newest first), for year pickers."""
    from app.domain.timeutil import wib_date

    first = db.session.scalar(sa.select(sa.func.min(ProcessInstance.created_at)))
    this_year = wib_date(now).year
    start = wib_date(first).year if first else this_year
    return list(range(this_year, min(start, this_year) - 1, -1))
