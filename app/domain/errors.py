"""Domain errors. ``message`` is Indonesian and safe to show to users."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class DomainError(Exception):
    """Base of all errors the domain and service layers raise on purpose."""

    default_message = "Terjadi kesalahan."
    http_status = 400

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class NotFound(DomainError):
    """The requested object does not exist (or may not be seen)."""

    default_message = "Data tidak ditemukan."
    http_status = 404


class Forbidden(DomainError):
    """The user may not do this."""

    default_message = "Anda tidak berwenang melakukan tindakan ini."
    http_status = 403


class Conflict(DomainError):
    """The state changed underneath the user (task already done, stale edit)."""

    default_message = (
        "Data telah diubah atau tugas telah diselesaikan oleh pengguna lain. "
        "Muat ulang halaman lalu coba lagi."
    )
    http_status = 409


class ValidationFailed(DomainError):
    """User input is invalid; ``errors`` maps field name -> messages ("" = whole form)."""

    default_message = "Isian belum benar. Periksa kembali isian yang ditandai."
    http_status = 422

    def __init__(
        self,
        errors: Mapping[str, Iterable[str] | str] | None = None,
        message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.errors: dict[str, list[str]] = {
            field: [msgs] if isinstance(msgs, str) else list(msgs)
            for field, msgs in (errors or {}).items()
        }


class InvalidProcess(DomainError):
    """A BPMN model or form breaks the process conventions; ``problems`` lists why."""

    default_message = "Definisi proses tidak valid."
    http_status = 422

    def __init__(self, problems: Iterable[str] = (), message: str | None = None) -> None:
        self.problems: list[str] = list(problems)
        if message is None and self.problems:
            message = f"{self.default_message} " + "; ".join(self.problems)
        super().__init__(message)
