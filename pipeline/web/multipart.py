"""Reading an upload as it arrives: the request's multipart body is parsed chunk by chunk
(python-multipart) straight into a ``pipeline.uploads.Receiver``, which writes each file into the
inbox under a temporary name and refuses it as soon as it passes the size limit. Nothing is
spooled anywhere else first.

One case arrives already parsed: a plain HTML form posted without JavaScript carries its CSRF
token as a form field, so ``auth.check_csrf`` had Starlette read the form (into its spooled
temporary files) to find it. That form is copied into the receiver in the same way.
"""

from __future__ import annotations

import codecs

from fastapi import Request
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from core.errors import InvalidValue
from pipeline.uploads import Receiver

FILE_FIELD = "file"
MAX_FIELD = 4096  # bytes of a text field (direction, csrf_token)
COPY_CHUNK = 1 << 20


def _invalid(detail: str = "") -> InvalidValue:
    return InvalidValue(f"上传的数据不完整或格式不对{detail}，请重新上传", fix="POST multipart/form-data with `file` "
                        "and `direction` fields.")


class _Feed:
    """python-multipart's callbacks, handing each part to the receiver."""

    def __init__(self, receiver: Receiver, charset: str):
        self.receiver, self.charset = receiver, charset
        self._header_name = self._header_value = b""
        self._disposition = b""
        self._field: str | None = None
        self._text: bytearray | None = None   # a text field's value while it arrives
        self._file = False

    def callbacks(self) -> dict:
        return {"on_part_begin": self.part_begin, "on_part_data": self.part_data, "on_part_end": self.part_end,
                "on_header_field": self.header_field, "on_header_value": self.header_value,
                "on_header_end": self.header_end, "on_headers_finished": self.headers_finished}

    def part_begin(self) -> None:
        self._disposition, self._field, self._text, self._file = b"", None, None, False

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = self._header_value = b""

    def headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        self._field = self._decode(options.get(b"name", b""))
        if b"filename" in options:
            if self._field != FILE_FIELD:
                raise _invalid(f"（文件应放在 {FILE_FIELD} 字段）")
            self._file = True
            self.receiver.begin(self._decode(options[b"filename"]))
        else:
            self._text = bytearray()

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self._file:
            self.receiver.write(data[start:end])
        elif self._text is not None:
            self._text.extend(data[start:end])
            if len(self._text) > MAX_FIELD:
                raise _invalid("（字段过长）")

    def part_end(self) -> None:
        if self._file:
            self.receiver.end()
        elif self._field and self._text is not None:
            self.receiver.field(self._field, self._decode(bytes(self._text)))
        self._file, self._text = False, None

    def _decode(self, value: bytes) -> str:
        try:
            return value.decode(self.charset)
        except UnicodeDecodeError:
            return value.decode("latin-1")


async def receive(request: Request, receiver: Receiver) -> None:
    """Feed the request's files and fields to ``receiver`` (blocking work in the thread pool)."""
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or b"boundary" not in params:
        raise _invalid("（应为 multipart/form-data）")
    charset = params.get(b"charset", b"utf-8").decode("latin-1")
    try:
        charset = codecs.lookup(charset).name
    except LookupError:
        charset = "utf-8"
    parser = MultipartParser(params[b"boundary"], _Feed(receiver, charset).callbacks())
    stream = request.stream()
    try:
        first = await anext(stream, b"")
    except RuntimeError:  # "Stream consumed": the CSRF check read the form already
        await _copy_form(request, receiver)
        return
    try:
        chunk = first
        while True:
            if chunk:
                await run_in_threadpool(parser.write, chunk)
            chunk = await anext(stream, None)
            if chunk is None:
                break
        await run_in_threadpool(parser.finalize)
    except FormParserError:
        raise _invalid() from None


async def _copy_form(request: Request, receiver: Receiver) -> None:
    form = await request.form()
    for name, value in form.multi_items():
        if not isinstance(value, UploadFile):
            receiver.field(name, value)
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            if name != FILE_FIELD:
                raise _invalid(f"（文件应放在 {FILE_FIELD} 字段）")
            await run_in_threadpool(_copy_file, value, receiver)


def _copy_file(upload: UploadFile, receiver: Receiver) -> None:
    receiver.begin(upload.filename)
    upload.file.seek(0)
    while chunk := upload.file.read(COPY_CHUNK):
        receiver.write(chunk)
    receiver.end()
