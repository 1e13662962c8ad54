"""Fixtures of the cockpit tests: the subaccount app, a signed-in browser-like client, page reading helpers."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from tests.webclient import WebClient
from trustbridge.config import Settings
from trustbridge.storage import Database
from trustbridge.subaccount.api.app import create_app
from trustbridge.subaccount.setup import SubaccountBootstrap


@pytest.fixture
def app(database: Database, settings: Settings, boot: SubaccountBootstrap) -> FastAPI:
    return create_app(database, settings)


@pytest.fixture
def stranger(app: FastAPI) -> Iterator[WebClient]:
    """A browser that has not signed in."""
    client = WebClient(app, "/cockpit")
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def web(app: FastAPI, admin_auth: tuple[str, str]) -> Iterator[WebClient]:
    """A browser signed in as the subaccount admin."""
    client = WebClient(app, "/cockpit")
    client.sign_in(admin_auth[1], admin_auth[0])
    try:
        yield client
    finally:
        client.close()


def field_error(page: str, name: str) -> str | None:
    """The error text shown below the input ``name`` (``None`` when it has none)."""
    key = re.escape(name.replace(".", "-"))
    match = re.search(rf'<p class="field-error" id="{key}-error" role="alert">(.*?)</p>', page, re.DOTALL)
    return html.unescape(match.group(1)) if match else None


def top_errors(page: str) -> str | None:
    """The errors shown on top of the page (about no field on it)."""
    match = re.search(r'<div class="message message-error" role="alert" id="form-errors">(.*?)</div>', page, re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split()) if match else None


def input_value(page: str, name: str) -> str | None:
    """The value of the (first) text input ``name``; ``None`` when there is none or it has no value."""
    for tag in re.findall(r"<input\b[^>]*>", page):
        if f'name="{name}"' in tag:
            value = re.search(r'value="([^"]*)"', tag)
            return html.unescape(value.group(1)) if value else None
    return None


def selected(page: str, name: str) -> str | None:
    """The selected option of select ``name``."""
    match = re.search(rf'<select [^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.DOTALL)
    if match is None:
        return None
    option = re.search(r'<option value="([^"]*)" selected>', match.group(1))
    return html.unescape(option.group(1)) if option else None


def has_input(page: str, name: str) -> bool:
    return re.search(rf'<(?:input|select)\b[^>]*name="{re.escape(name)}"', page) is not None


def row_names(page: str) -> list[str]:
    """The Property name inputs of Additional Properties, in order (not the script's row template)."""
    found = []
    rendered = re.sub(r"<template\b.*?</template>", "", page, flags=re.DOTALL)
    for tag in re.findall(r"<input\b[^>]*>", rendered):
        if 'name="property_name"' in tag:
            value = re.search(r'value="([^"]*)"', tag)
            found.append(html.unescape(value.group(1)) if value else "")
    return found


def flashes(page: str) -> list[str]:
    return [
        html.unescape(text) for text in re.findall(r'<p class="message message-success" role="status">(.*?)</p>', page)
    ]
