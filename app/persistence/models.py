"""SQLAlchemy models. This layer flushes, never commits: services own the transaction."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from app.domain.deadlines import LEGAL_PREFIX, is_legal_limit


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)



class UtcDateTime(sa.types.TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC time")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


user_opd = sa.Table(
    "user_opd", Base.metadata,
    sa.Column("user_id", sa.ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("opd_code", sa.ForeignKey("opd.code", ondelete="CASCADE"), primary_key=True),
    sa.Index("ix_user_opd_opd_code", "opd_code", "user_id"),  # an OPD's officers, without reading everyone's
)


class Opd(Base):
    """A regional agency (Organisasi Perangkat Daerah) that holds information."""

    __tablename__ = "opd"
    code: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)


class Role(Base):
    """A role key: BPMN lanes are named by role keys; users hold roles. Built-in roles are seeded."""

    __tablename__ = "role"
    key: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(200))
    #: the role's tasks are worked only by holders whose OPDs include the case's OPD
    opd_scoped: Mapped[bool] = mapped_column(default=False)


class User(Base):
    """An account: applicant or staff. `roles` is a space-separated list of role keys."""

    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    #: the position printed under the name on the letters this account signs (e.g. the written notice)
    jabatan: Mapped[str | None] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    roles: Mapped[str] = mapped_column(sa.String(200), default="pemohon")
    active: Mapped[bool] = mapped_column(default=True)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    session_epoch: Mapped[int] = mapped_column(default=0)
    #: the password was issued by someone else (an administrator, the first start): the account's
    #: owner must choose their own before doing anything else
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    opds: Mapped[list[Opd]] = relationship(secondary=user_opd, lazy="selectin")
    #: `roles` as rows (kept equal to it by `_roles_as_rows`): the holders of a role are found by an index
    role_links: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", passive_deletes=True)

    #: one e-mail address belongs to one account, whatever its case
    __table_args__ = (sa.Index("uq_app_user_email_lower", sa.func.lower(email), unique=True),)

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(self.roles.split())

    @validates("roles")
    def _roles_as_rows(self, _key: str, value: str) -> str:
        keys = list(dict.fromkeys((value or "").split()))
        kept = [row for row in self.role_links if row.role_key in keys]
        held = {row.role_key for row in kept}
        self.role_links = kept + [UserRole(role_key=key) for key in keys if key not in held]
        return value


class UserRole(Base):
    """One role an account holds (the rows of `User.roles`). Code that writes `app_user` outside the ORM
    writes these rows too (`role_rows`)."""

    __tablename__ = "user_role"
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    role_key: Mapped[str] = mapped_column(sa.String(60), primary_key=True)

    __table_args__ = (sa.Index("ix_user_role_role_key", "role_key", "user_id"),)


def role_rows(user_id: int, roles: str) -> list[dict]:
    """The `user_role` rows of an account inserted without the ORM (bulk fills, tests)."""
    return [{"user_id": user_id, "role_key": key} for key in dict.fromkeys(roles.split())]


class ProcessVersion(Base):
    """One imported BPMN file with its forms, stored whole under its content hash."""

    __tablename__ = "process_version"
    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(sa.String(100), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    content_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    bpmn_xml: Mapped[bytes] = mapped_column(sa.LargeBinary)
    forms: Mapped[dict] = mapped_column(sa.JSON)
    user_tasks: Mapped[dict] = mapped_column(sa.JSON)
    properties: Mapped[dict] = mapped_column(sa.JSON)
    spec_json: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(sa.String(80))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    #: DMN files its business rule tasks call: {filename: XML text} (None before they existed: none)
    decisions: Mapped[dict | None] = mapped_column(sa.JSON, default=dict)
    #: {call activity id: {process_id, name, version_id, content_hash}}: the deployed versions it calls
    called_versions: Mapped[dict | None] = mapped_column(sa.JSON, default=dict)


class ProcessInstance(Base):
    """A case: the serialized workflow state plus the few fields lists need."""

    __tablename__ = "process_instance"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("process_version.id"), index=True)
    process_id: Mapped[str] = mapped_column(sa.String(100), index=True)
    registration_number: Mapped[str] = mapped_column(sa.String(40), unique=True)
    status: Mapped[str] = mapped_column(sa.String(60), default="", index=True)
    applicant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    applicant_name: Mapped[str] = mapped_column(sa.String(200), default="")
    opd_code: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    late: Mapped[bool] = mapped_column(default=False)
    finished: Mapped[bool] = mapped_column(default=False)
    case_data: Mapped[dict] = mapped_column(sa.JSON)
    state: Mapped[str] = mapped_column(sa.Text, deferred=True)
    lock_version: Mapped[int] = mapped_column(default=1)
    #: "<user id>:<one-time form token>": the same form sent twice starts one case
    submission_key: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    #: sha256 of the start form's content (fields and files): the same content sent again soon is this case
    content_fingerprint: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: never loaded by walking from a case (the row is large): app/services/modelling/versions.py reads what is needed
    version: Mapped[ProcessVersion] = relationship(lazy="raise")

    __mapper_args__ = {"version_id_col": lock_version}


class HumanTask(Base):
    """A task waiting for a person. Worklists read this table alone."""

    __tablename__ = "human_task"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(sa.ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    spec_id: Mapped[str] = mapped_column(sa.String(100))
    title: Mapped[str] = mapped_column(sa.String(200))
    lane: Mapped[str | None] = mapped_column(sa.String(60))
    opd_code: Mapped[str | None] = mapped_column(sa.String(32))
    applicant_id: Mapped[int | None] = mapped_column(sa.Integer)
    registration_number: Mapped[str] = mapped_column(sa.String(40))
    applicant_name: Mapped[str] = mapped_column(sa.String(200), default="")
    process_id: Mapped[str] = mapped_column(sa.String(100))
    case_status: Mapped[str] = mapped_column(sa.String(60), default="")
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    deadline_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimed_by_id: Mapped[int | None] = mapped_column(sa.Integer)
    claimed_by_name: Mapped[str | None] = mapped_column(sa.String(200))
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        # the worklist reads each lane (or lane and OPD) in its default order, due date then id
        # (services/casework/tasks.py list_tasks); the filter choices skip through the distinct titles and
        # statuses of a lane, and probe them per OPD (services/views/worklist_views.py worklist_choices)
        sa.Index("ix_human_task_lane_due", "lane", "due_at", "id"),
        sa.Index("ix_human_task_lane_opd_due", "lane", "opd_code", "due_at", "id"),
        sa.Index("ix_human_task_lane_title", "lane", "title", "opd_code"),
        sa.Index("ix_human_task_lane_status", "lane", "case_status", "opd_code"),
        sa.Index("ix_human_task_applicant", "applicant_id", "lane", "due_at", "id"),
        # A finished task's row is deleted; SQLite must never hand its id to a later task
        # (pages address tasks by task_id, but the id stays in logs and foreign keys of tools).
        {"sqlite_autoincrement": True},
    )


class TimerJob(Base):
    """A timer waiting for its due time. The timer worker reads only due rows."""

    __tablename__ = "timer_job"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(sa.ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    spec_id: Mapped[str] = mapped_column(sa.String(100))
    name: Mapped[str] = mapped_column(sa.String(200))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    interrupting: Mapped[bool] = mapped_column(default=True)

    @classmethod
    def is_legal(cls):
        """SQL: a legal limit (`app.domain.deadlines.is_legal_limit`)."""
        return sa.or_(cls.interrupting.is_(True), sa.func.lower(sa.func.trim(cls.name)).like(f"{LEGAL_PREFIX}%"))

    @property
    def legal(self) -> bool:
        return is_legal_limit(self.name, self.interrupting)


class AuditEvent(Base):
    """Append-only history; each row carries the hash of the previous row of its case."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(sa.ForeignKey("process_instance.id"), index=True)
    seq: Mapped[int] = mapped_column()
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    event_type: Mapped[str] = mapped_column(sa.String(40))
    actor_id: Mapped[int | None] = mapped_column(sa.Integer)
    actor_name: Mapped[str] = mapped_column(sa.String(200), default="")
    actor_role: Mapped[str] = mapped_column(sa.String(60), default="")
    lane: Mapped[str | None] = mapped_column(sa.String(60))
    task_spec_id: Mapped[str | None] = mapped_column(sa.String(100))
    task_name: Mapped[str | None] = mapped_column(sa.String(200))
    payload: Mapped[str] = mapped_column(sa.Text)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))

    __table_args__ = (sa.UniqueConstraint("instance_id", "seq", name="uq_audit_instance_seq"),)


class Incident(Base):
    """A step that failed at run time (a script error, a timer that cannot fire, a service task nothing runs):
    the case stayed as it was; process owners see it, fix the process and retry the step."""

    __tablename__ = "incident"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: None for a failed start (no case was created)
    instance_id: Mapped[int | None] = mapped_column(sa.ForeignKey("process_instance.id"), index=True)
    registration_number: Mapped[str | None] = mapped_column(sa.String(40))
    process_id: Mapped[str] = mapped_column(sa.String(100))
    version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("process_version.id"))
    #: start, task, timer, message, migration
    kind: Mapped[str] = mapped_column(sa.String(20))
    element_id: Mapped[str | None] = mapped_column(sa.String(100))
    element_name: Mapped[str | None] = mapped_column(sa.String(200))
    error: Mapped[str] = mapped_column(sa.Text)
    #: the exception chain and traceback, for administrators
    detail: Mapped[str] = mapped_column(sa.Text, default="")
    actor_id: Mapped[int | None] = mapped_column(sa.Integer)
    actor_name: Mapped[str] = mapped_column(sa.String(200), default="")
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    last_occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    occurrences: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(sa.String(10), default="open", index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_by: Mapped[str | None] = mapped_column(sa.String(200))
    resolution: Mapped[str | None] = mapped_column(sa.Text)
    retry_count: Mapped[int] = mapped_column(default=0)
    last_retry_error: Mapped[str | None] = mapped_column(sa.Text)
    #: what a retry needs (e.g. the task and the data submitted); dropped when resolved (it may hold personal data)
    retry_data: Mapped[dict | None] = mapped_column(sa.JSON)


class Outbox(Base):
    """A notification written in the step's transaction and delivered after it."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(sa.ForeignKey("process_instance.id"), index=True)
    template: Mapped[str] = mapped_column(sa.String(100))
    recipient: Mapped[str] = mapped_column(sa.String(200))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: set when delivery gave up (after notifications.MAX_ATTEMPTS); an admin may still send it again
    failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Holiday(Base):
    """An admin edit of the calendar: an extra day off, or an official holiday worked."""

    __tablename__ = "holiday"
    day: Mapped[datetime] = mapped_column(sa.Date, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    day_off: Mapped[bool] = mapped_column(default=True)


class Setting(Base):
    """A runtime setting changed by an admin (e.g. whether cuti bersama is a working day)."""

    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(500))


class NumberSequence(Base):
    """Counters for registration numbers, one per kind and year."""

    __tablename__ = "number_sequence"
    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class Attachment(Base):
    """An uploaded file, kept outside the web root under a random name."""

    __tablename__ = "attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    instance_id: Mapped[int | None] = mapped_column(sa.ForeignKey("process_instance.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    field: Mapped[str] = mapped_column(sa.String(100))
    original_name: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_name: Mapped[str] = mapped_column(sa.String(100))
    personal: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LoginAttempt(Base):
    """Sign-in attempts, for rate limiting across every web worker."""

    __tablename__ = "login_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    success: Mapped[bool] = mapped_column(default=False)


class UserSession(Base):
    """One sign-in on one browser: the Flask session holds a random token whose SHA-256 is `id`.
    Checked on every request; ended by sign-out, a password change, deactivation, or the idle and
    absolute time limits (app.services.people.sessions)."""

    __tablename__ = "user_session"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: keluar, sandi_diganti, sandi_diatur_ulang, dinonaktifkan, masuk_lagi
    ended_reason: Mapped[str | None] = mapped_column(sa.String(40))


class FormStash(Base):
    """What a person typed into a form that could not be accepted because the session had ended
    (or its CSRF token was no longer valid): kept briefly, outside the cookie, for that browser to
    get back once after signing in. Files and passwords are never kept."""

    __tablename__ = "form_stash"
    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    path: Mapped[str] = mapped_column(sa.String(500))
    pairs: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class ApiToken(Base):
    """A bearer token of the JSON API (only its hash is stored)."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PersonalDataAccess(Base):
    """One view of personal data in full (a page, an API answer, a download, an export) by anyone but
    the applicant: who, when, which case, which fields or file (UU 27/2022 accountability). Append-only;
    no foreign key to the account, so the row (and its username) outlives it."""

    __tablename__ = "personal_data_access"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    user_id: Mapped[int | None] = mapped_column(sa.Integer)
    username: Mapped[str] = mapped_column(sa.String(80))
    role: Mapped[str] = mapped_column(sa.String(60), default="")
    instance_id: Mapped[int | None] = mapped_column(sa.Integer)
    registration_number: Mapped[str | None] = mapped_column(sa.String(40))
    #: halaman, api, unduhan, ekspor (app.services.records.access_log.KINDS)
    kind: Mapped[str] = mapped_column(sa.String(12))
    #: the personal fields shown (comma-separated names) or the file's name
    what: Mapped[str] = mapped_column(sa.String(500))
    path: Mapped[str] = mapped_column(sa.String(500), default="")

    __table_args__ = (
        sa.Index("ix_personal_data_access_case", "instance_id", "at"),
        sa.Index("ix_personal_data_access_user", "username", "at"),
        sa.Index("ix_personal_data_access_at", "at"),
    )


class ProcessDraft(Base):
    """A process owner's unfinished change to a process, made in the modeler (/proses/<process_id>/ubah):
    the BPMN text and the forms changed or added with it (file name -> JSON text, kept as typed). Only its
    owner sees it; it is deployed through the import (app/services/modelling/drafts.py), never run as it is."""

    __tablename__ = "process_draft"
    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(sa.String(100))
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(sa.String(200))
    #: the version it was started from (a later version may have been deployed since)
    base_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("process_version.id", ondelete="SET NULL"))
    bpmn_xml: Mapped[bytes] = mapped_column(sa.LargeBinary)
    forms: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: what the last "Periksa" found, for the content it checked (app/services/modelling/drafts.py CheckReport)
    checked: Mapped[dict | None] = mapped_column(sa.JSON)
    #: set when deployed: the version it became (the draft is then no longer listed)
    deployed_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("process_version.id", ondelete="SET NULL"))

    __table_args__ = (sa.Index("ix_process_draft_owner", "owner_id", "process_id"),)
