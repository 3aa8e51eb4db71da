"""Read one file out of a multipart/form-data request without holding it in memory.

Starlette's `request.form()` spools the whole body before the endpoint runs; this parser hands the
file part to the caller chunk by chunk as it arrives, so the blob store can hash, count and refuse an
oversized file while it streams. A page form posted without the X-CSRF-Token header has already been
parsed by the CSRF check; then the spooled UploadFile is read in chunks instead.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.datastructures import UploadFile
from starlette.requests import Request

from ggzy.storage.blobstore import CHUNK
from ggzy.storage.errors import BadUpload, BlobTooLarge

MAX_FIELD_BYTES = 64 * 1024
"""Text fields before the file (csrf_token, a title) are small; anything bigger is refused."""


@dataclass
class Upload:
    """A file arriving in a request: its declared name and type, and its bytes as a stream."""

    filename: str
    content_type: str
    chunks: AsyncIterator[bytes]
    fields: dict[str, str] = field(default_factory=dict)
    """Text fields that came before the file part."""


Event = tuple[str, bytes]


class _Parts:
    """Turns python-multipart's callbacks into a queue of events the async side consumes."""

    def __init__(self, boundary: bytes) -> None:
        self.events: deque[Event] = deque()
        self._hname = b""
        self._hvalue = b""
        self.parser = MultipartParser(
            boundary,
            {
                "on_part_begin": lambda: self.events.append(("begin", b"")),
                "on_part_data": lambda d, s, e: self.events.append(("data", bytes(d[s:e]))),
                "on_part_end": lambda: self.events.append(("end", b"")),
                "on_header_field": self._on_hfield,
                "on_header_value": self._on_hvalue,
                "on_header_end": self._on_hend,
                "on_headers_finished": lambda: self.events.append(("headers_done", b"")),
            },
        )

    def _on_hfield(self, data: bytes, start: int, end: int) -> None:
        self._hname += data[start:end]

    def _on_hvalue(self, data: bytes, start: int, end: int) -> None:
        self._hvalue += data[start:end]

    def _on_hend(self) -> None:
        self.events.append(("header", self._hname.lower() + b"\x00" + self._hvalue))
        self._hname = b""
        self._hvalue = b""


async def _events(request: Request) -> AsyncIterator[Event]:
    ctype = request.headers.get("content-type", "")
    kind, params = parse_options_header(ctype)
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise BadUpload()
    parts = _Parts(boundary)
    async for chunk in request.stream():
        if not chunk:
            continue
        try:
            parts.parser.write(chunk)
        except FormParserError:
            raise BadUpload() from None
        while parts.events:
            yield parts.events.popleft()
    try:
        parts.parser.finalize()
    except FormParserError:
        raise BadUpload() from None
    while parts.events:
        yield parts.events.popleft()


async def _spooled_chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK):
        yield chunk


async def open_upload(request: Request, name: str = "file", max_bytes: int | None = None) -> Upload:
    """Find the file field `name` and return it with a stream of its bytes (read it before responding)."""
    length = request.headers.get("content-length", "")
    if max_bytes is not None and length.isdigit() and int(length) > max_bytes + 64 * 1024:
        # Declared far over the limit (more than the multipart framing could explain): refuse unread.
        raise BlobTooLarge(detail={"max_bytes": max_bytes})
    form = getattr(request, "_form", None)  # parsed already by the CSRF check of a plain page form
    if form is not None:
        item = form.get(name)
        if not isinstance(item, UploadFile) or not item.filename:
            raise BadUpload()
        seen = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        return Upload(item.filename, item.content_type or "", _spooled_chunks(item), seen)

    events = _events(request)
    fields: dict[str, str] = {}
    headers: dict[bytes, bytes] = {}
    buf = b""
    async for kind, data in events:
        if kind == "begin":
            headers, buf = {}, b""
        elif kind == "header":
            key, _, value = data.partition(b"\x00")
            headers[key] = value
        elif kind == "headers_done":
            _, opts = parse_options_header(headers.get(b"content-disposition", b""))
            field_name = opts.get(b"name", b"").decode("utf-8", "replace")
            filename = opts.get(b"filename")
            if field_name == name and filename is not None:
                ctype = headers.get(b"content-type", b"application/octet-stream").decode("latin-1")
                return Upload(filename.decode("utf-8", "replace"), ctype, _file_chunks(events), fields)
        elif kind == "data":
            buf += data
            if len(buf) > MAX_FIELD_BYTES:
                raise BadUpload()
        elif kind == "end":
            _, opts = parse_options_header(headers.get(b"content-disposition", b""))
            if b"filename" not in opts:
                fields[opts.get(b"name", b"").decode("utf-8", "replace")] = buf.decode("utf-8", "replace")
    raise BadUpload()


async def _file_chunks(events: AsyncIterator[Event]) -> AsyncIterator[bytes]:
    async for kind, data in events:
        if kind == "data":
            yield data
        elif kind == "end":
            return
    raise BadUpload()  # the body ended inside the file part: a truncated upload is not a document
