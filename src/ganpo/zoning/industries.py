"""Industry codes of GB/T 4754-2017 (国民经济行业分类): the 20 sections (门类, a letter) and
97 divisions (大类, two digits), shipped in ``catalog/data/zoning/gbt4754-2017.toml``.

The groups and classes (3- and 4-digit codes) are not shipped: such a code is accepted
when its division exists and is matched by its division and section. A requirement names
the industries it covers by section letter or division (or a longer code); a project
matches when its code starts with the requirement's code, its section included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ganpo.catalog.files import data_dir, read_toml
from ganpo.errors import InputError

_CODE = re.compile(r"^(?:[A-Z]|[A-Z]?\d{2,4})$")


@dataclass(frozen=True)
class Industry:
    """A checked industry code: as given, its division (None for a section) and section."""

    code: str
    division: str | None
    section: str
    zh: str
    en: str

    def matches(self, listed: str) -> bool:
        """Whether the requirement's code ``listed`` covers this industry: the same section
        letter, or a numeric code this one starts with (division 26 covers 2611)."""
        listed = listed.strip().upper()
        if listed.isalpha():
            return listed == self.section
        if listed[0].isalpha():  # "C26": its section, then its digits
            if listed[0] != self.section:
                return False
            listed = listed[1:]
        return self.code.startswith(listed) if self.division is not None else False


@cache
def _table() -> tuple[dict[str, tuple[str, str, str, str]], dict[str, tuple[str, str, str]]]:
    data = read_toml(data_dir("zoning") / "gbt4754-2017.toml", "the industry classification")
    sections = {k: (v["zh"], v["en"], *v["divisions"]) for k, v in data["sections"].items()}
    divisions: dict[str, tuple[str, str, str]] = {}
    for code, v in data["divisions"].items():
        section = next(s for s, (_, _, a, b) in sections.items() if a <= code <= b)
        divisions[code] = (v["zh"], v["en"], section)
    return sections, divisions


def industry(code: str) -> Industry:
    """The industry of ``code`` (a section letter, a division, or a longer code whose
    division exists); anything else is refused naming the code and what is valid."""
    text = str(code).strip().upper()
    sections, divisions = _table()
    if not _CODE.match(text):
        raise InputError(
            en=f"industry code {code!r} is not a GB/T 4754-2017 code: give a section letter "
            "(A–T) or a code of 2 to 4 digits (division, group, class), with or without its "
            "section letter (26, C26, C2611)",
            zh="行业代码格式不符合国民经济行业分类",
            field="industry",
            values=[code],
        )
    letter = ""
    if len(text) > 1 and text[0].isalpha():  # "C2611": the section letter, then the code
        letter, text = text[0], text[1:]
    if text.isalpha():
        if text not in sections:
            raise InputError(
                en=f"industry section {text!r} does not exist; sections: A–T",
                zh="行业门类不存在",
                field="industry",
                values=[code],
            )
        zh, en, _, _ = sections[text]
        return Industry(text, None, text, zh, en)
    div = text[:2]
    if div not in divisions:
        raise InputError(
            en=f"industry code {code!r}: division {div} does not exist in GB/T 4754-2017 "
            "(divisions 01 to 97)",
            zh="行业大类不存在",
            field="industry",
            values=[code],
        )
    zh, en, section = divisions[div]
    if letter and letter != section:
        raise InputError(
            en=f"industry code {code!r}: division {div} belongs to section {section}, not {letter}",
            zh="行业代码的门类与大类不一致",
            field="industry",
            values=[code],
        )
    return Industry(text, div, section, zh, en)


def section_name(letter: str) -> tuple[str, str]:
    """The zh and en names of a section."""
    zh, en, _, _ = _table()[0][letter]
    return zh, en


def division_count() -> int:
    """How many divisions are shipped (97)."""
    return len(_table()[1])
