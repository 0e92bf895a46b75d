"""Résumé uploads: the file's type told by its content (never its name), and its text
extracted with maintained libraries (pypdf for PDF, python-docx for DOCX). Pure: bytes in,
text out; storing the file is :mod:`server.uploads`' job.

Every refusal is a :class:`DocumentError` carrying the HTTP status that fits it: 413 too
large, 415 not a PDF, DOCX or text file, 422 a file of the right type that yields no text."""

from __future__ import annotations

import codecs
import io
import logging
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import Literal

DocumentKind = Literal["pdf", "docx", "txt"]
MIME_TYPES: dict[DocumentKind, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "txt": "text/plain; charset=utf-8",
}
MAX_TEXT_CHARS = 20_000
MAX_PDF_PAGES = 30
# A DOCX is a ZIP: its main part may not unpack to more than this (a "zip bomb" guard).
MAX_DOCX_XML_BYTES = 20 * 1024 * 1024
MIN_TEXT_CHARS = 20
PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
DOCX_PART = "word/document.xml"
ACCEPTED = "a PDF, a Word document (.docx) or a plain-text file"


class DocumentError(ValueError):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Document:
    kind: DocumentKind
    text: str
    size_bytes: int


def read_resume(data: bytes, max_bytes: int) -> Document:
    """The résumé in ``data``: its kind, by content, and its text, cleaned and capped at
    ``MAX_TEXT_CHARS``."""
    if len(data) > max_bytes:
        raise DocumentError(413, "too_large",
                            f"the résumé is {len(data):,} bytes; at most {max_bytes:,} are accepted")
    if not data:
        raise DocumentError(422, "invalid", "the résumé file is empty")
    kind = sniff(data)
    if kind == "pdf":
        raw = _pdf_text(data)
    elif kind == "docx":
        raw = _docx_text(data)
    else:
        raw = _plain_text(data)
    text = clean_text(raw)
    if len(text) < MIN_TEXT_CHARS:
        hint = " (a scanned image has no text: export it as a text PDF)" if kind == "pdf" else ""
        raise DocumentError(422, "invalid", f"no readable text was found in the résumé{hint}")
    return Document(kind, text, len(data))


def sniff(data: bytes) -> DocumentKind:
    """The document's kind from its first bytes and structure; 415 for anything else."""
    if PDF_MAGIC in data[:1024]:
        return "pdf"
    if data.startswith(ZIP_MAGIC):
        if _is_docx(data):
            return "docx"
        raise DocumentError(415, "unsupported_media_type",
                            f"this ZIP file is not a Word document; send {ACCEPTED}")
    if _decode_text(data) is not None:
        return "txt"
    raise DocumentError(415, "unsupported_media_type", f"unrecognised file type; send {ACCEPTED}")


def clean_text(text: str) -> str:
    """Control and format characters out (newlines kept), spaces collapsed within each line,
    at most one blank line in a row, cut to ``MAX_TEXT_CHARS``."""
    lines: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        kept = "".join(" " if ch == "\t" else ch for ch in line
                       if ch == "\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co"))
        kept = " ".join(kept.split())
        if kept or (lines and lines[-1]):
            lines.append(kept)
    return "\n".join(lines).strip()[:MAX_TEXT_CHARS]


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            return "[Content_Types].xml" in names and DOCX_PART in names
    except (zipfile.BadZipFile, ValueError, OSError):
        return False


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    # pypdf reports recoverable damage through logging; a readable page is what counts.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(422, "invalid", "the PDF is password-protected")
        pages: list[str] = []
        chars = 0
        for page in reader.pages[:MAX_PDF_PAGES]:
            text = page.extract_text() or ""
            pages.append(text)
            chars += len(text)
            if chars >= MAX_TEXT_CHARS:
                break
        return "\n".join(pages)
    except DocumentError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, zipfile.BadZipFile, OSError, NotImplementedError):
        raise DocumentError(422, "invalid", "the PDF could not be read (it may be damaged)") from None


def _docx_text(data: bytes) -> str:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if archive.getinfo(DOCX_PART).file_size > MAX_DOCX_XML_BYTES:
            raise DocumentError(413, "too_large", "the Word document's text part is too large")
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile, OSError):
        raise DocumentError(422, "invalid", "the Word document could not be read") from None
    except Exception as error:  # lxml reports malformed XML with its own exception types
        if type(error).__module__.startswith("lxml"):
            raise DocumentError(422, "invalid", "the Word document could not be read") from None
        raise
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def _plain_text(data: bytes) -> str:
    text = _decode_text(data)
    assert text is not None
    return text


def _decode_text(data: bytes) -> str | None:
    """Text in UTF-8 (with or without a BOM) or UTF-16 with a BOM, mostly printable; None
    for anything else (binary files, other encodings)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    else:
        if b"\x00" in data:
            return None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    return text if controls <= len(text) // 100 else None
