"""A browser-like test client for the server-rendered pages: signs in, carries the session cookie and
sends each form with the CSRF token of the page it came from (no shortcuts around the protections)."""

from __future__ import annotations

import re
from typing import Any

import httpx
from starlette.testclient import TestClient

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match is not None, "the page has no form with a CSRF token"
    return match.group(1)


class WebClient:
    """``https://testserver`` so that the ``Secure`` session cookie travels, as it does in a browser."""

    def __init__(self, app: Any, prefix: str) -> None:
        self.http = TestClient(app, base_url="https://testserver")
        self.prefix = prefix

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(self.prefix + path, **kwargs)

    def submit(
        self,
        page: str,
        action: str | None = None,
        data: dict[str, Any] | list[tuple[str, str]] | None = None,
        files: dict[str, Any] | None = None,
        *,
        follow_redirects: bool = True,
    ) -> httpx.Response:
        """GET ``page``, then POST ``data`` (+ its CSRF token) to ``action`` (default: the page itself)."""
        token = csrf_of(self.get(page).text)
        fields: list[tuple[str, str]] = list(data.items()) if isinstance(data, dict) else list(data or [])
        fields.append(("csrf_token", token))
        form: dict[str, list[str]] = {}
        for name, value in fields:
            form.setdefault(name, []).append(value)
        return self.http.post(
            self.prefix + (action or page),
            data=form,
            files=files,
            follow_redirects=follow_redirects,
        )

    def sign_in(self, password: str, username: str = "admin") -> httpx.Response:
        response = self.submit("/login", data={"username": username, "password": password, "next": self.prefix + "/"})
        assert response.status_code == 200, response.text
        return response

    def close(self) -> None:
        self.http.close()
