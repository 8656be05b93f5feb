"""The accessibility check every browser test ends with (conftest.py) finds what it must:
the two serious violations the issue found, a link inside an image and a scrolling table
the keyboard cannot reach, and nothing on a page without them."""
from tests.browser.conftest import accessibility_problems

PAGE = """<!doctype html><html lang="da"><head><title>Prøve</title></head><body><main>
<h1>Prøve</h1>{}</main></body></html>"""


def test_the_check_finds_a_link_inside_an_image(page):
    page.set_content(PAGE.format('<svg role="img" aria-label="Forløb" width="100" height="20">'
                                 '<a href="/placements/1"><text y="15">F-1</text></a></svg>'))
    assert [p.split(": ")[1].split(" ")[0] for p in accessibility_problems(page)] == \
        ["nested-interactive"]
    page.set_content(PAGE.format('<p>Ingen fejl her.</p>'))
    assert accessibility_problems(page) == []


def test_the_check_finds_a_table_the_keyboard_cannot_scroll(page):
    wide = "<table><tr>" + "<td>celle med en lang tekst</td>" * 40 + "</tr></table>"
    page.set_content(PAGE.format(f'<div style="overflow-x:auto;width:300px">{wide}</div>'))
    assert [p.split(": ")[1].split(" ")[0] for p in accessibility_problems(page)] == \
        ["scrollable-region-focusable"]
    page.set_content(PAGE.format(f'<div tabindex="0" style="overflow-x:auto;width:300px">'
                                 f'{wide}</div>'))
    assert accessibility_problems(page) == []
