"""Reading the pages as a browser and a screen reader would: fields, their errors, links; posting a form back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import httpx
import lxml.html
from lxml.html import HtmlElement

from ...webclient import WebClient


class Page(Protocol):
    """A response (``httpx`` or the test client's own copy of it) or just its HTML."""

    @property
    def text(self) -> str: ...


def parse(response: Page | str) -> HtmlElement:
    return lxml.html.fromstring(response if isinstance(response, str) else response.text)


def control(page: HtmlElement, name: str) -> HtmlElement:
    found = page.xpath(f'//*[@name="{name}"][not(@type="hidden")]')
    assert found, f"no visible control named {name!r}"
    element: HtmlElement = found[0]
    return element


def field_error(response: Page | str, name: str) -> str:
    """The error text shown in the field container of the control named ``name`` ("" when none)."""
    element = control(parse(response), name)
    containers = element.xpath('ancestor::*[contains(concat(" ", @class, " "), " field ")][1]')
    assert containers, f"control {name!r} is not inside a field"
    return " ".join(e.text_content().strip() for e in containers[0].xpath('.//*[@class="field-error"]'))


def error_of(response: Page | str, element_id: str) -> str:
    found = parse(response).xpath(f'//*[@id="{element_id}"]')
    return found[0].text_content().strip() if found else ""


def alerts(response: Page | str) -> str:
    return " ".join(e.text_content().strip() for e in parse(response).xpath('//*[@role="alert"]'))


def value(response: Page | str, name: str) -> str | None:
    """What the control named ``name`` shows: an input's value, a select's chosen option."""
    result: object = getattr(control(parse(response), name), "value", None)
    return result if isinstance(result, str) or result is None else str(result)


def output(response: Page | str, element_id: str) -> str:
    return str(parse(response).xpath(f'//*[@id="{element_id}"]')[0].text_content()).strip()


def options(response: Page | str, name: str) -> list[str]:
    return [str(o.get("value")) for o in control(parse(response), name).xpath(".//option")]


def links(response: Page | str) -> dict[str, str]:
    """Link text → href."""
    return {a.text_content().strip(): str(a.get("href")) for a in parse(response).xpath("//a[@href]")}


def buttons(response: Page | str) -> list[str]:
    """The accessible names of the visible buttons (aria-label, else text)."""
    found = parse(response).xpath("//button[not(ancestor-or-self::*[@hidden])]")
    return [str(b.get("aria-label") or b.text_content().strip()) for b in found]


def form_fields(response: Page | str, action: str) -> list[tuple[str, str]]:
    """What a browser submits from the form posting to ``action`` (no buttons, no files, no CSRF token)."""
    forms = [f for f in parse(response).forms if f.get("action") == action]
    assert forms, f"no form posts to {action}"
    return [(name, str(v)) for name, v in forms[0].form_values() if name != "csrf_token"]


def press(
    web: WebClient,
    response: httpx.Response,
    path: str,
    action: str | None,
    changes: Mapping[str, str | Sequence[str]] | None = None,
    files: dict[str, Any] | None = None,
) -> httpx.Response:
    """Post the page's form back as shown, with ``changes`` typed in, by pressing the button ``action``."""
    fields = form_fields(response, web.prefix + path)
    for name, new in (changes or {}).items():
        fields = [(n, v) for n, v in fields if n != name]
        fields.extend((name, v) for v in ([new] if isinstance(new, str) else new))
    if action is not None:
        fields.append(("action", action))
    return web.submit(path, data=fields, files=files)
