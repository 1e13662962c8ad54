"""A run of wrong passwords locks that client out for that user name; the right password is not even checked
while locked; other clients and other user names are unaffected; the lock ends."""

from __future__ import annotations

import re

from fastapi import FastAPI
from starlette.testclient import TestClient

from trustbridge.web.login import login_router
from trustbridge.web.pages import NavItem, Pages
from trustbridge.web.sessions import install_sessions
from trustbridge.web.throttle import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_lock_starts_after_the_fifth_failure_is_per_client_and_user_and_ends() -> None:
    clock = Clock()
    throttle = LoginThrottle(max_failures=5, window=900, lock=300, clock=clock)
    for _ in range(4):
        throttle.failed("10.0.0.1", "admin")
    assert throttle.retry_after("10.0.0.1", "admin") == 0
    throttle.failed("10.0.0.1", "ADMIN")  # user names compare case-insensitively
    assert throttle.retry_after("10.0.0.1", "admin") == 300
    assert throttle.retry_after("10.0.0.2", "admin") == 0
    assert throttle.retry_after("10.0.0.1", "other") == 0
    clock.now += 299.5
    assert throttle.retry_after("10.0.0.1", "admin") == 1
    clock.now += 1
    assert throttle.retry_after("10.0.0.1", "admin") == 0


def test_failures_older_than_the_window_and_a_success_start_the_count_again() -> None:
    clock = Clock()
    throttle = LoginThrottle(max_failures=3, window=60, lock=30, clock=clock)
    throttle.failed("c", "admin")
    throttle.failed("c", "admin")
    clock.now += 61
    throttle.failed("c", "admin")
    assert throttle.retry_after("c", "admin") == 0
    throttle.failed("c", "admin")
    throttle.succeeded("c", "admin")
    throttle.failed("c", "admin")
    throttle.failed("c", "admin")
    assert throttle.retry_after("c", "admin") == 0


def test_the_sign_in_page_refuses_even_the_right_password_while_locked() -> None:
    checked: list[str] = []

    def check(username: str, password: str) -> bool:
        checked.append(password)
        return password == "right"

    app = FastAPI()
    install_sessions(app, secret=b"t" * 32, cookie_name="t_session", prefix="/ui")
    pages = Pages(package="trustbridge.s4.web", prefix="/ui", product="Test", nav=[NavItem("Home", "/")])
    pages.install(app)
    app.include_router(login_router(pages, check, LoginThrottle(max_failures=2, window=60, lock=60)))
    client = TestClient(app, base_url="https://testserver")

    def attempt(password: str) -> tuple[int, str, str | None]:
        page = client.get("/ui/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token is not None
        answer = client.post(
            "/ui/login",
            data={"csrf_token": token.group(1), "username": "admin", "password": password, "next": "/ui/"},
            follow_redirects=False,
        )
        return answer.status_code, answer.text, answer.headers.get("retry-after")

    assert attempt("wrong")[0] == 401
    assert attempt("wrong")[0] == 401
    status, text, retry = attempt("right")
    assert status == 429 and "Too many wrong passwords" in text and retry is not None and int(retry) > 0
    assert checked == ["wrong", "wrong"]  # the locked attempt was not checked


def test_overlong_names_and_passwords_are_refused_before_any_check_or_count() -> None:
    checked: list[str] = []
    throttle = LoginThrottle(max_failures=1, window=60, lock=60)

    def check(username: str, password: str) -> bool:
        checked.append(username)
        return False

    app = FastAPI()
    install_sessions(app, secret=b"t" * 32, cookie_name="t_session", prefix="/ui")
    pages = Pages(package="trustbridge.s4.web", prefix="/ui", product="Test", nav=[NavItem("Home", "/")])
    pages.install(app)
    app.include_router(login_router(pages, check, throttle))
    client = TestClient(app, base_url="https://testserver")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/ui/login").text)
    assert token is not None
    long_name = client.post("/ui/login", data={"csrf_token": token.group(1), "username": "a" * 65, "password": "x"})
    assert long_name.status_code == 422 and "at most 64 characters" in long_name.text
    assert "a" * 65 not in long_name.text
    long_password = client.post(
        "/ui/login", data={"csrf_token": token.group(1), "username": "admin", "password": "p" * 1025}
    )
    assert long_password.status_code == 422 and "at most 1024 characters" in long_password.text
    assert checked == [] and throttle.retry_after("testclient", "admin") == 0
