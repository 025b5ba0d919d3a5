"""上传 (issue 15, Pages): a file uploaded into 收文 or 发文 is written under a temporary name the
watcher ignores and renamed into the inbox whole; it is audited as the uploader's; a file over
[limits] max_file_mb is refused with nothing left behind; names are made safe and shown as
text; and the page follows the upload until the watcher has registered it (已登记 / 重复 /
已隔离), a 登记号 above the viewer's clearance left untold. TestClient over a real data
directory, SQLite registry and whoosh index, and a real watcher run (tests/web/conftest.py)."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.vocab import SYSTEM_ACTOR
from pipeline import uploads
from pipeline.watch import Watcher, candidates, watch_options
from registry.models import AuditEvent
from tests.web.conftest import SECRET_CLERK, SECRET_TEXT

NOTICE = "关于开展期末考试巡考工作的通知\n各系：\n请于12月20日前报送巡考安排。\n东湖大学教务处\n2026年12月1日\n"


def upload(client, name: str, content: bytes, direction: str | None = "收文", *, partial: bool = True,
           direction_last: bool = False):
    """The page's own request (upload.js sends each file like this), or the no-JS form."""
    files: list = [("file", (name, content, "application/octet-stream"))]
    if direction is not None:
        field = ("direction", (None, direction))
        files = files + [field] if direction_last else [field] + files
    return client.post("/upload", files=files, headers={"HX-Request": "true"} if partial else {})


def placed(folder: Path) -> list[str]:
    return sorted(os.listdir(folder)) if folder.is_dir() else []


def uploaded_events(office) -> list[dict]:
    with Session(office.engine) as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.action == "uploaded").order_by(AuditEvent.seq))
        return [{"actor": row.actor, **json.loads(row.details)} for row in rows]


def poll_path(response) -> str:
    found = re.search(r'hx-get="(/upload/status/[^"]+)"', response.text)
    assert found, response.text
    return found.group(1).replace("&amp;", "&")


def run_watcher(office) -> None:
    """The real watcher, once over the inbox and outbox (as `wenshu watch --once`)."""
    options = watch_options(office.settings, stable_seconds=0, retries=0)  # a broken file: quarantined at once
    Watcher(office.settings, office.engine, SYSTEM_ACTOR, options, workers=1, heartbeat="watcher").run(once=True)


@pytest.fixture
def desk(fresh_office):
    return fresh_office()


def test_an_upload_lands_whole_in_the_inbox_and_is_audited(desk):
    client = desk.client_for("scanner")
    content = NOTICE.encode()
    response = upload(client, "巡考通知.txt", content)
    assert response.status_code == 200, response.text
    assert "巡考通知.txt" in response.text and "处理中" in response.text
    assert 'hx-trigger="every 2s"' in response.text
    inbox = desk.settings.inbox_dir
    assert placed(inbox) == ["巡考通知.txt"]  # no temporary file left beside it
    assert (inbox / "巡考通知.txt").read_bytes() == content
    [event] = uploaded_events(desk)
    assert event["actor"] == "scanner" and event["direction"] == "收文"
    assert event["sha256"] == hashlib.sha256(content).hexdigest()
    assert event["placed_as"] == "inbox/巡考通知.txt" and event["size"] == len(content)


def test_fa_wen_goes_to_the_outbox_whichever_field_comes_first(desk):
    client = desk.client_for("clerk")
    assert upload(client, "发文一.txt", b"first", "发文").status_code == 200
    assert upload(client, "发文二.txt", b"second", "发文", direction_last=True).status_code == 200
    assert placed(desk.settings.outbox_dir) == ["发文一.txt", "发文二.txt"]
    assert placed(desk.settings.inbox_dir) == []
    assert upload(client, "方向.txt", b"x", "外文").status_code == 400
    assert placed(desk.settings.inbox_dir) == [] and placed(desk.settings.outbox_dir) == ["发文一.txt", "发文二.txt"]


def test_a_name_taken_gets_a_free_variant_never_overwrites(desk):
    client = desk.client_for("clerk")
    upload(client, "同名.txt", b"one")
    upload(client, "同名.txt", b"two")
    inbox = desk.settings.inbox_dir
    assert placed(inbox) == ["同名 (2).txt", "同名.txt"]
    assert (inbox / "同名.txt").read_bytes() == b"one" and (inbox / "同名 (2).txt").read_bytes() == b"two"


def test_names_are_made_safe_and_shown_as_text(desk):
    client = desk.client_for("clerk")
    for given, expected in (("C:\\扫描\\..\\来文.pdf", "来文.pdf"), ("../../etc/passwd", "passwd"),
                            (".隐藏的文件.txt", "隐藏的文件.txt"), ("...", "上传文件"),
                            ("a\x00b\nc.txt", "abc.txt")):
        assert uploads.safe_name(given) == expected
    response = upload(client, "<img src=x onerror=alert(1)>.pdf", b"%PDF-1.4 hostile")
    assert response.status_code == 200
    assert "<img src=x" not in response.text and "&lt;img src=x onerror=alert(1)&gt;.pdf" in response.text
    response = upload(client, "../../../wenshu.db", b"not a database")
    assert response.status_code == 200
    assert placed(desk.settings.inbox_dir) == ["<img src=x onerror=alert(1)>.pdf", "wenshu.db"]
    assert (desk.settings.data_dir / "wenshu.db").read_bytes()[:6] == b"SQLite"
    for ignored in ("扫描.tmp", "~$通知.docx", "Thumbs.db"):
        response = upload(client, ignored, b"x")
        assert response.status_code == 400 and "未能上传" in response.text
    assert upload(client, "空.pdf", b"").status_code == 400
    assert len(placed(desk.settings.inbox_dir)) == 2


def test_the_temporary_name_is_never_seen_by_the_watcher(desk):
    """The receiver writes the whole file under a dot name in the inbox, then links it into
    place: while it arrives the watcher's scan finds nothing, after it finds the whole file."""
    receiver = uploads.Receiver(desk.settings)
    receiver.field("direction", "收文")
    receiver.begin("大文件.pdf")
    inbox = desk.settings.inbox_dir
    chunk = b"%PDF-1.4\n" + b"0" * (256 * 1024)
    for _ in range(8):
        receiver.write(chunk)
        [temporary] = placed(inbox)
        assert temporary.startswith(".wenshu-upload-") and temporary.endswith(".part")
        assert list(candidates(inbox)) == []
    receiver.end()
    assert list(candidates(inbox)) == []
    [done] = receiver.place(desk.engine, "clerk")
    assert placed(inbox) == ["大文件.pdf"]
    assert [path.name for path in candidates(inbox)] == ["大文件.pdf"]
    assert (inbox / "大文件.pdf").stat().st_size == 8 * len(chunk) == done.size
    assert done.sha256 == hashlib.sha256(chunk * 8).hexdigest()


def test_an_upload_over_the_limit_is_refused_and_leaves_nothing(fresh_office):
    office = fresh_office()
    small = office.settings.model_copy(
        update={"limits": office.settings.limits.model_copy(update={"max_file_mb": 1})})
    office.app.state.settings = small
    client = office.client_for("clerk")
    big = b"%PDF-1.4\n" + b"x" * (1024 * 1024)
    response = upload(client, "太大.pdf", big)
    assert response.status_code == 413
    assert "超过 1 MB 的上限" in response.text and "未能上传" in response.text
    api = client.post("/api/upload", files={"file": ("太大.pdf", big)}, data={"direction": "收文"})
    assert api.status_code == 413 and api.json()["error"] == "UploadTooLarge"
    assert "超过 1 MB" in api.json()["message"]
    # one file too large in a request of two: neither is kept
    two = client.post("/upload", files=[("direction", (None, "收文")), ("file", ("小.txt", b"small")),
                                        ("file", ("太大.pdf", big))])
    assert two.status_code == 413
    # a request announcing more than any upload may carry is refused before it is read
    announced = client.post("/api/upload", content=b"--x--", headers={
        "content-type": "multipart/form-data; boundary=x", "content-length": str(uploads.request_limit(small) + 1)})
    assert announced.status_code == 413
    assert placed(office.settings.inbox_dir) == [] and uploaded_events(office) == []
    # at the limit exactly: taken
    assert upload(client, "刚好.pdf", b"y" * (1024 * 1024)).status_code == 200


def test_the_form_without_javascript_posts_all_files_at_once(desk):
    client = desk.client_for("scanner")
    token = client.headers.pop("X-CSRF-Token")  # a plain form: the token is a field
    response = client.post("/upload", data={"direction": "收文", "csrf_token": token},
                           files=[("file", ("甲.txt", b"A")), ("file", ("乙.txt", b"B"))])
    assert response.status_code == 200
    assert "<!doctype html>" in response.text.lower() and "甲.txt" in response.text and "乙.txt" in response.text
    assert placed(desk.settings.inbox_dir) == ["乙.txt", "甲.txt"]
    refused = client.post("/upload", data={"direction": "收文"}, files=[("file", ("丙.txt", b"C"))])
    assert refused.status_code == 403  # no token, no upload
    assert "丙.txt" not in placed(desk.settings.inbox_dir)


def test_the_page_stops_asking_after_a_while(desk):
    """Asking every 2 s for a file no watcher takes would keep the session from going idle for
    ever: after MAX_POLLS the status line stops asking and offers a link instead."""
    from pipeline.web.routes.upload import MAX_POLLS

    client = desk.client_for("scanner")
    path = poll_path(upload(client, "无人处理.txt", b"waiting"))
    assert "n=1" in path
    asking = client.get(path, headers={"HX-Request": "true"}).text
    assert 'hx-trigger="every 2s"' in asking and "n=2" in asking
    last = client.get(path.replace("n=1", f"n={MAX_POLLS}"), headers={"HX-Request": "true"}).text
    assert "处理中" in last and "hx-trigger" not in last
    assert re.search(r'<a href="/upload/status/[^"]+">刷新</a>', last)


def test_the_api_answers_json_with_a_status_address(desk):
    client = desk.client_for("clerk")
    response = client.post("/api/upload", files={"file": ("接口.txt", b"api upload")}, data={"direction": "收文"})
    assert response.status_code == 201
    [item] = response.json()["uploads"]
    assert item["file_name"] == "接口.txt" and item["placed_as"] == "inbox/接口.txt"
    status = client.get(item["status"])
    assert status.status_code == 200 and status.json()["state"] == "processing" and not status.json()["final"]
    assert client.get("/api/upload/" + "0" * 63 + "g").status_code == 404
    assert client.post("/api/upload", data={"direction": "收文"}).status_code == 400  # no file


def test_who_may_upload(desk):
    for role in ("leader", "handler", "auditor", "admin"):
        client = desk.client_for(role)
        assert client.get("/upload").status_code == 403
        assert upload(client, "无权.txt", b"x").status_code == 403
    assert placed(desk.settings.inbox_dir) == []
    assert desk.anonymous().post("/api/upload", files={"file": ("匿名.txt", b"x")}).status_code == 401
    page = desk.client_for("scanner").get("/upload")
    assert page.status_code == 200
    assert 'id="dropzone"' in page.text and 'type="file" name="file" multiple' in page.text
    assert '<script src="/static/upload.js" defer></script>' in page.text
    assert "<script>" not in page.text and "style=" not in page.text


def test_the_page_follows_each_upload_until_the_watcher_settles_it(fresh_office):
    office = fresh_office(samples=True)
    scanner, clerk = office.client_for("scanner"), office.client_for("clerk")
    new = upload(scanner, "巡考通知.txt", NOTICE.encode())
    again = upload(scanner, "再次上传的通知.txt", NOTICE.encode())  # the same bytes
    broken = upload(scanner, "损坏.pdf", b"%PDF-1.4\nbroken beyond repair")
    secret = upload(scanner, "保密报告.txt", SECRET_TEXT.encode())  # the 秘密 报告 already registered
    polls = {name: poll_path(response) for name, response in
             (("new", new), ("again", again), ("broken", broken), ("secret", secret))}
    waiting = scanner.get(polls["new"], headers={"HX-Request": "true"})
    assert "处理中" in waiting.text and "等待收文监视接收" in waiting.text and "every 2s" in waiting.text
    run_watcher(office)
    answers = {name: scanner.get(path, headers={"HX-Request": "true"}).text for name, path in polls.items()}
    for text in answers.values():
        assert "hx-trigger" not in text  # final: the polling stops
    # the same bytes twice: whichever the watcher took first is registered, the other a duplicate
    first, second = sorted(("new", "again"), key=lambda name: "已登记" not in answers[name])
    registered = re.search(r"已登记</strong>\s*：\s*(收〔\d{4}〕\d+号)", answers[first])
    assert registered, answers
    reg_no = registered.group(1)
    assert "<a " not in answers[first]  # a scanner may not open documents: the number only
    assert "重复" in answers[second] and reg_no in answers[second]
    assert "已隔离" in answers["broken"]
    # the 秘密 报告: the scanner is not told its number; the cleared clerk is
    assert "重复" in answers["secret"] and office.records["secret"] not in answers["secret"]
    cleared = office.client_for(SECRET_CLERK).get(polls["secret"], headers={"HX-Request": "true"}).text
    assert office.records["secret"] in cleared
    # a clerk gets a link to the record
    assert f'<a href="/documents/' in clerk.get(polls[first], headers={"HX-Request": "true"}).text
    # the whole page, without htmx
    page = scanner.get(polls["broken"])
    assert page.status_code == 200 and "损坏.pdf" in page.text and "已隔离" in page.text
    # the registration is the watcher's (系统), the upload the scanner's
    with Session(office.engine) as session:
        actor = session.scalar(select(AuditEvent.actor).where(AuditEvent.action == "registered",
                                                              AuditEvent.record == reg_no))
    assert actor == SYSTEM_ACTOR
    assert {event["actor"] for event in uploaded_events(office)} == {"scanner"}
