"""Test helpers: walk cases through the services with time under control."""
from __future__ import annotations

from datetime import datetime, timezone

from app.bench import workload
from app.domain.timeutil import WIB
from app.persistence.models import HumanTask, ProcessInstance, TimerJob, User, db
from app.services.people.accounts import actor_for
from app.services.casework.cases import start_case
from app.services.casework.tasks import complete_task
from app.services.casework.timers import fire_due_timers

PROCESS = "permohonan_informasi"

#: the request form and the usual answers are the benchmark's workload (one copy of the data)
REQUEST = workload.REQUEST
REFUSAL = workload.REFUSAL
#: the superior refuses the objection: nothing is ordered to be done (the defaults' order is dropped)
OBJECTION_REFUSED = {"keputusan_keberatan": "ditolak", "tindak_lanjut_keberatan": None,
                     "batas_hari_kerja_tindak_lanjut": None}

#: default form data per user task, completed by the usual actor
STEPS = {
    **workload.STEPS,
    "Activity_LengkapiPermohonan": ("pemohon", {"rincian_informasi": "Daftar penerima beasiswa 2025 per kecamatan",
                                                "tujuan_penggunaan": "Penelitian", "keterangan_pelengkapan": "Sudah"}),
    "Activity_LengkapiJawabanPerpanjangan": ("opd", {"informasi_dikuasai": "ya", "usulan_keputusan": "diterima_seluruhnya",
                                                     "jawaban_opd": "Data lengkap terlampir"}),
    "Activity_TerbitkanPemberitahuanAkhir": ("petugas", {"keputusan": "diterima_seluruhnya", "isi_pemberitahuan": "Diberikan",
                                                      "bentuk_informasi": "Salinan elektronik (PDF)",
                                                      **workload.DELIVERY_PLAN}),
    "Activity_AjukanSengketa": ("pemohon", {"ajukan_sengketa": "ya", "tanggal_pengajuan_sengketa": "2026-05-04",
                                           "nomor_register_ki": "KI-JTM/123/V/2026", "uraian_sengketa": "Keberatan ditolak"}),
    # the Komisi Informasi stage (tests/services/test_komisi_stage.py): each test says what is recorded
    "Activity_CatatProsesKomisi": ("petugas", {}),
    "Activity_CatatPanggilanKomisi": ("petugas", {}),
    "Activity_LaksanakanPutusanKomisi": ("petugas", {"tanggal_pelaksanaan_komisi": "2026-07-14",
                                                     "catatan_pelaksanaan_komisi": "Salinan data diserahkan"}),
}


def pdf_text(pdf: bytes) -> str:
    """A PDF's words on one line, read back with pypdf; "label : value" read as "label value"."""
    import io
    import re

    from pypdf import PdfReader

    words = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s*:\s+", " ", words)


def wib(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WIB).astimezone(timezone.utc)


def now() -> datetime:
    return datetime.now(timezone.utc)


def actor(username: str):
    return actor_for(db.session.scalar(db.select(User).filter_by(username=username)))


class Driver:
    """Walks cases through the services; `traveller` is a time_machine traveller (tick=False)."""

    def __init__(self, traveller):
        self.traveller = traveller

    def start(self, **changes) -> str:
        return start_case(actor("pemohon"), PROCESS, {**REQUEST, **changes}, now()).registration_number

    def case(self, reg: str) -> ProcessInstance:
        db.session.expire_all()
        return db.session.scalar(db.select(ProcessInstance).filter_by(registration_number=reg))

    def open_tasks(self, reg: str) -> list[str]:
        return sorted(t.spec_id for t in db.session.scalars(
            db.select(HumanTask).join(ProcessInstance).filter(ProcessInstance.registration_number == reg)))

    def task(self, reg: str, spec_id: str) -> HumanTask:
        row = db.session.scalar(db.select(HumanTask).join(ProcessInstance).filter(
            ProcessInstance.registration_number == reg, HumanTask.spec_id == spec_id))
        assert row is not None, f"{spec_id} is not open; open: {self.open_tasks(reg)}"
        return row

    def do(self, reg: str, spec_id: str, username: str | None = None, uploads=None, on_behalf=None, **data):
        default_user, default_data = STEPS[spec_id]
        row = self.task(reg, spec_id)
        return complete_task(actor(username or default_user), row.task_id, {**default_data, **data}, now(),
                             uploads=uploads, on_behalf=on_behalf)

    def dispatch_to_unstaffed(self, reg: str, opd_code: str) -> None:
        """Send a case to an OPD whose only officer then leaves: dispatch offers only staffed OPDs,
        so an officer is there when the case is sent and inactive afterwards (a stranded case)."""
        from app.services.people.accounts import create_user

        username = f"pergi_{opd_code.lower()}"
        officer = db.session.scalar(db.select(User).filter_by(username=username)) or create_user(
            username, f"Petugas {opd_code} (pindah tugas)", "x" * 12, now(), ["opd"], opd_codes=[opd_code])
        officer.active = True
        db.session.commit()
        self.do(reg, "Activity_TeruskanKeOPD", opd=opd_code)
        db.session.scalar(db.select(User).filter_by(username=username)).active = False
        db.session.commit()

    def decline_objection(self, reg: str, username: str | None = None):
        """The applicant lets the objection right go (it opens after every written notice)."""
        return self.do(reg, "Activity_AjukanKeberatan", username, ajukan_keberatan="tidak")

    def timers(self, reg: str) -> dict[str, datetime]:
        """The case's waiting timers: spec id -> due time."""
        return {t.spec_id: t.due_at for t in db.session.scalars(db.select(TimerJob).filter_by(
            instance_id=self.case(reg).id))}

    def walk(self, reg: str, *spec_ids: str) -> None:
        for spec_id in spec_ids:
            self.do(reg, spec_id)

    def move_to(self, when: datetime):
        self.traveller.move_to(when)
        return fire_due_timers(now())


# ----------------------------------------------------------------------------- complaints
COMPLAINT_PROCESS = "pengaduan_layanan"

COMPLAINT = {
    "kategori_pengaduan": "layanan_lambat", "uraian_pengaduan": "Permohonan saya belum dijawab petugas.",
    "anonim": False, "nama_lengkap": "Siti Aminah", "email": "siti@contoh.id", "telepon": "081234567890",
}

#: default form data per user task of the complaint process, completed by the usual actor
COMPLAINT_STEPS = {
    "Activity_TerimaPengaduan": ("petugas", {"sumber_pengaduan": "langsung", "opd": "DISDIK",
                                             "catatan_penerusan": "Mohon ditindaklanjuti"}),
    "Activity_TindakLanjutiPengaduan": ("opd", {"tindak_lanjut": "Petugas layanan ditegur dan permohonan dijawab",
                                                "hasil_tindak_lanjut": "tuntas"}),
    "Activity_TutupPengaduan": ("petugas", {"jawaban_pengaduan": "Permohonan Anda sudah dijawab.",
                                            "status_akhir": "selesai"}),
}


class ComplaintDriver(Driver):
    """Walks complaint cases (process pengaduan_layanan) through the services."""

    def start(self, **changes) -> str:
        return start_case(actor("pemohon"), COMPLAINT_PROCESS, {**COMPLAINT, **changes}, now()).registration_number

    def do(self, reg: str, spec_id: str, username: str | None = None, **data):
        default_user, default_data = COMPLAINT_STEPS[spec_id]
        row = self.task(reg, spec_id)
        return complete_task(actor(username or default_user), row.task_id, {**default_data, **data}, now())


# ----------------------------------------------------------------------------- pages

def sign_in(client, username: str, password: str | None = None):
    """Sign the test client in as `username` (signing out whoever was in first); returns the client."""
    from tests.conftest import PASSWORD

    client.post("/keluar")
    response = client.post("/masuk", data={"username": username, "password": password or PASSWORD})
    assert response.status_code == 302, (username, response.status_code)
    return client


def page(client, url: str, status: int = 200) -> str:
    """GET a page, check its status, return its HTML."""
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)
