"""SQLAlchemy models: the registry is the source of truth for every document the office has.

The schema itself is created and changed only by Alembic migrations (``registry/migrations``);
these classes describe it for the ORM.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Counter(Base):
    """The last number handed out per series and year. Updated only under the write lock."""

    __tablename__ = "counters"

    series: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class ChainHead(Base):
    """One row: the newest audit event. Locking it serialises writers (numbers and audit
    sequence alike); it also anchors the chain so that cutting off its tail is detectable."""

    __tablename__ = "chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    # The first event sealed with the audit key (registry/auditkey.py); None: not keyed yet.
    keyed_from: Mapped[int | None] = mapped_column(BigInteger)


class Document(Base):
    """One registered document: a row of the 收文/发文登记簿."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("series", "year", "seq", name="uq_documents_series_year_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reg_no: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    series: Mapped[str] = mapped_column(String(40), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    direction: Mapped[str] = mapped_column(String(4), nullable=False)  # 收文 | 发文
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    actor: Mapped[str] = mapped_column(String(80), nullable=False)

    file_name: Mapped[str] = mapped_column(Text, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    stored_path: Mapped[str] = mapped_column(Text, nullable=False)
    format: Mapped[str | None] = mapped_column(String(20))
    pages: Mapped[int | None] = mapped_column(Integer)
    text_method: Mapped[str | None] = mapped_column(String(40))
    text: Mapped[str | None] = mapped_column(Text)

    doc_type: Mapped[str | None] = mapped_column(String(10))
    doc_number: Mapped[str | None] = mapped_column(String(80))  # indexed: ix_documents_doc_number
    issuer: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    date: Mapped[date | None] = mapped_column(Date)
    secrecy: Mapped[str | None] = mapped_column(String(4))
    urgency: Mapped[str | None] = mapped_column(String(4))
    route: Mapped[str | None] = mapped_column(String(4))
    deadline: Mapped[date | None] = mapped_column(Date)
    department: Mapped[str | None] = mapped_column(String(40))
    archive_code: Mapped[str | None] = mapped_column(String(80), unique=True)
    retention: Mapped[str | None] = mapped_column(String(8))
    # 件号 and the moment the record was filed (归档, ``registry/archive_file.py``); until then
    # the record has a provisional classification and no 档号.
    item_no: Mapped[int | None] = mapped_column(Integer)
    filed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    status: Mapped[str] = mapped_column(String(8), nullable=False)  # 已登记 | 已作废
    void_reason: Mapped[str | None] = mapped_column(Text)
    warnings: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    # What understanding found beyond the 登记簿 columns (why_route, references, checks...).
    details: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)


class AuditEvent(Base):
    """Append-only, hash-chained. UPDATE and DELETE are refused by database triggers."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40), nullable=False)  # ISO 8601 UTC, as hashed
    actor: Mapped[str] = mapped_column(String(80), nullable=False)
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    record: Mapped[str | None] = mapped_column(String(80), index=True)
    details: Mapped[str] = mapped_column(Text, nullable=False)  # canonical JSON, as hashed
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


class User(Base):
    """Someone who acts in wenshu; disabled, never deleted (the audit log names them)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    display_name: Mapped[str | None] = mapped_column(String(80))
    roles: Mapped[str] = mapped_column(String(200), nullable=False)   # comma separated
    clearance: Mapped[str | None] = mapped_column(String(4))
    password_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    disabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class ApiToken(Base):
    """An API token's SHA-256; the token itself is shown once, when it is made."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    """A signed-in browser. The cookie holds the token; this row its SHA-256 (registry/sessions.py)."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"), nullable=False)
    csrf_token: Mapped[str] = mapped_column(String(64), nullable=False)
    address: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginFailure(Base):
    """One failed login, by the name typed and the address it came from (throttling)."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    address: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class Heartbeat(Base):
    """A running watcher says it is alive; the web 工作台 shows it."""

    __tablename__ = "heartbeats"

    process: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    beat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    stopped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class HandlingRow(Base):
    """A record's 办理 (issue 16): made the first time someone acts on it; ``item`` 0 is the
    record itself, 1..n the 督办 items confirmed from a 纪要 (``registry/handling.py``)."""

    __tablename__ = "handlings"
    __table_args__ = (UniqueConstraint("reg_no", "item", name="uq_handlings_reg_no_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reg_no: Mapped[str] = mapped_column(String(80), ForeignKey("documents.reg_no"), nullable=False)
    item: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    route: Mapped[str] = mapped_column(String(4), nullable=False)       # 办件 | 阅件 | 督办
    state: Mapped[str] = mapped_column(String(8), nullable=False, index=True)
    lead: Mapped[list] = mapped_column(JSON, nullable=False, default=list)    # 主办: user names
    assist: Mapped[list] = mapped_column(JSON, nullable=False, default=list)  # 协办: user names
    lead_department: Mapped[str | None] = mapped_column(Text)
    assist_departments: Mapped[str | None] = mapped_column(Text)
    holder: Mapped[str | None] = mapped_column(String(80))
    deadline: Mapped[date | None] = mapped_column(Date)
    ordered: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    subject: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(80))


class HandlingOpinion(Base):
    """One opinion written on a handling (拟办意见, 领导批示 …): appended, never changed."""

    __tablename__ = "handling_opinions"
    __table_args__ = (UniqueConstraint("handling_id", "seq", name="uq_handling_opinions_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handling_id: Mapped[int] = mapped_column(Integer, ForeignKey("handlings.id"), nullable=False, index=True)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    user: Mapped[str] = mapped_column(String(80), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)


class HandlingReader(Base):
    """A reader of a 阅件 in circulation: who, in which place, when read, with what comment."""

    __tablename__ = "handling_readers"
    __table_args__ = (UniqueConstraint("handling_id", "user", name="uq_handling_readers_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handling_id: Mapped[int] = mapped_column(Integer, ForeignKey("handlings.id"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    user: Mapped[str] = mapped_column(String(80), nullable=False)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    comment: Mapped[str | None] = mapped_column(Text)


class HandlingUrge(Base):
    """One 催办: who urged whom, when, and the note. Appended, never changed."""

    __tablename__ = "handling_urges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handling_id: Mapped[int] = mapped_column(Integer, ForeignKey("handlings.id"), nullable=False, index=True)
    by: Mapped[str] = mapped_column(String(80), nullable=False)
    to: Mapped[str] = mapped_column(String(80), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False)
