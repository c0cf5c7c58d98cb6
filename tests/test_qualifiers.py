"""Every qualifier a brand's facts carry ("may", "up to", "including", "include", "such as", "immediately") is printed
with the fact it qualifies, and printed nowhere it is not stated.

Computed from the model: each yes/no fact with a ``phrase`` and a ``qualifies`` names the fact it belongs to. For every
qualifier the shipped brands state, the page is rendered twice, as stated and with the qualifier taken away; the lines
that differ must hold the phrase (as stated) and must be where the qualified fact is printed.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from legalsite.checks.pages import plain_text
from legalsite.model import Brand, Duration
from legalsite.project import load_project
from legalsite.render import _environment_for, display, pages_for, render_brand

ROOT = Path(__file__).resolve().parents[1]
PROJECT = load_project(ROOT)


def qualifiers(model: BaseModel, loc: tuple = ()) -> Iterator[tuple[tuple, str, str, tuple]]:
    """(location of the yes/no fact, its phrase, its pages, location of the fact it qualifies) for each one stated yes."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        extra = info.json_schema_extra or {}
        if value is True and extra.get("qualifies"):
            target = extra["qualifies"]
            qualified = (target[1:],) if target.startswith("/") else loc + (target,)
            yield loc + (name,), extra["phrase"], tuple(extra["pages"]), qualified
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            if isinstance(item, BaseModel) and not isinstance(item, Duration):
                yield from qualifiers(item, loc + ((name, index) if isinstance(value, list) else (name,)))


def at(model, loc: tuple):
    for part in loc:
        model = model[part] if isinstance(part, int) else getattr(model, part)
    return model


def replaced(model, loc: tuple, value):
    """A copy of the frozen facts with the value at ``loc`` replaced."""
    if not loc:
        return value
    head, rest = loc[0], loc[1:]
    if isinstance(head, int):
        items = list(model)
        items[head] = replaced(items[head], rest, value)
        return items
    return model.model_copy(update={head: replaced(getattr(model, head), rest, value)})


def words_of(value) -> list[str]:
    """What a page prints of the qualified fact: each item of a list, a period as "90 days", a vendor by its name."""
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, BaseModel) and not isinstance(item, Duration):
            item = getattr(item, "purpose", None) or getattr(item, "vendor", None)
            item = PROJECT.vendors[item].name if item in PROJECT.vendors else item
        out.append(plain_text(display(item)))
    return out


def introduced(lines: list[str], i: int) -> str:
    """The list or table right after line ``i`` (the one a sentence such as "These measures include:" introduces)."""
    block = []
    for line in lines[i + 1:]:
        if not line.startswith(("- ", "|")):
            break
        block.append(line)
    return " ".join(block)


CASES = [(slug, loc, phrase, pages, qualified)
         for slug, brand in PROJECT.brands.items()
         for loc, phrase, pages, qualified in qualifiers(brand)]


def test_the_shipped_brands_carry_the_seed_qualifiers():
    """The seeds' hedges and non-exhaustive lists are facts, not lost: at least these must be stated."""
    stated = {(slug, loc[-1]) for slug, loc, *_ in CASES}
    for expected in [("journeyapi", "may"), ("journeyapi", "up_to"), ("journeyapi", "items_examples"),
                     ("journeyapi", "vendors_examples"), ("journeyapi", "measures_examples"),
                     ("linkrapi", "up_to"), ("linkrapi", "solely"), ("linkrapi", "contact_immediately")]:
        assert expected in stated, expected


@pytest.mark.parametrize(("slug", "loc", "phrase", "pages", "qualified"), CASES,
                         ids=[f"{c[0]}-{'.'.join(map(str, c[1]))}" for c in CASES])
def test_a_qualifier_is_printed_with_the_fact_it_qualifies(slug, loc, phrase, pages, qualified):
    brand: Brand = PROJECT.brands[slug]
    env = _environment_for(PROJECT)
    stated = render_brand(env, slug, brand, PROJECT.vendors)
    unqualified = render_brand(env, slug, replaced(brand, loc, False), PROJECT.vendors)
    words = words_of(at(brand, qualified))
    for page in pages:
        if page not in pages_for(brand):
            continue
        before = [plain_text(line) for line in stated[page].splitlines() if line.strip()]
        after = [plain_text(line) for line in unqualified[page].splitlines() if line.strip()]
        diff = difflib.SequenceMatcher(None, before, after, autojunk=False)
        changed = [i for tag, i1, i2, _, _ in diff.get_opcodes() if tag != "equal" for i in range(i1, i2)]
        assert not any(phrase in line for line in after if line not in before), f"{page}: '{phrase}' printed unasked"
        if not changed:
            # The policy's own words already carry it (an introducing sentence such as "... include:").
            changed = [i for i, line in enumerate(before) if phrase in line and any(w in introduced(before, i)
                                                                                      for w in words)]
            assert changed, f"{slug} {page}: '{phrase}' is stated in the facts but the page never says it"
        for i in changed:
            assert phrase in before[i], f"{slug} {page}: a line changed without '{phrase}': {before[i]!r}"
        # Where the qualified fact is printed: on the changed line, or in the list or table it introduces.
        shown = " ".join(before[i] + " " + introduced(before, i) for i in changed)
        assert any(w in shown for w in words), (
            f"{slug} {page}: '{phrase}' is printed away from the fact it qualifies ({'.'.join(map(str, qualified))})")
