"""Response headers that tell the browser what the pages may do.

The Content-Security-Policy allows nothing inline: every script is a file under ``/static``
or ``/vendor``, page data travels in ``data-`` attributes, styles come from stylesheets
(scripts may still set ``element.style``). ``'wasm-unsafe-eval'`` lets the face tracker
compile its WebAssembly backend; it does not allow ``eval`` of JavaScript.
"""

from __future__ import annotations

from quart import Quart, Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        # Bootstrap draws some icons with data: SVGs; the face tracker reads camera frames.
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "font-src 'self'",
        # 'self' covers the page's own ws:// or wss:// origin.
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PERMISSIONS_POLICY = ", ".join(
    (
        "camera=(self)",
        "microphone=(self)",
        "display-capture=()",
        "geolocation=()",
        "payment=()",
        "usb=()",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Permissions-Policy": PERMISSIONS_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Only over HTTPS (production): browsers then refuse plain HTTP to this site for a year.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


def install_security_headers(app: Quart, *, https: bool) -> None:
    @app.after_request
    async def security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if https:
            response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
        return response
