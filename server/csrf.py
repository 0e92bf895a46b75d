"""CSRF protection for HTML form posts (synchronizer token kept in the signed session).

The JSON API needs no token: it accepts only JSON or MessagePack bodies, which a
cross-site form cannot send, and the session cookie is SameSite=Lax.
"""

from __future__ import annotations

import hmac
import secrets

from quart import abort, session

_KEY = "csrf"


def csrf_token() -> str:
    token = session.get(_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[_KEY] = token
    return token


def check_csrf(submitted: str | None) -> None:
    expected = session.get(_KEY)
    if not isinstance(expected, str) or not submitted or not hmac.compare_digest(expected, submitted):
        abort(400, "The form has expired or did not come from this site. Reload and try again.")
