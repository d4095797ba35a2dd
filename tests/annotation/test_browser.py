"""The labeling view in a real headless Chromium against the real Label Studio server (conftest.py).

Logs in, opens a pre-annotated task, checks that the spans (with their label names) and the
relation arc render, draws a PROGRAM and a COUNT and links them (label key, drag, Escape;
click, Alt+R, click), submits, and pulls: the export holds them as has_value.

Chromium is Debian's (`apt-get install chromium fonts-noto-cjk`; .ci/run installs it when
/usr/bin/chromium is missing), driven by playwright through executable_path: playwright's own
browser download is never used. The test fails, never skips, when the browser is missing.
Set MINZHENG_SCREENSHOTS=DIR to keep the screenshots (annotation/screenshots/ was made so).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from annotation.convert import example_to_task, task_to_example
from annotation.labeling import labeling_config
from annotation.schema import HAS_VALUE, Example, Relation, Span
from annotation.sync import ensure_project, pull

CHROMIUM = Path(os.environ.get("MINZHENG_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
TEXT = "全市城乡低保对象5126户，临时救助297人次。"
PREDICTED = Example("browser-1", TEXT, [Span(2, 6, "PROGRAM", "p1", 0.9), Span(8, 12, "COUNT", "e1", 0.95),
                                        Span(12, 13, "UNIT", "e2", 0.99)], [Relation("p1", "e1")])
TIMEOUT_MS = 120_000

#: Where the first text node outside every region that contains `needle` lies on screen.
JS_TEXT_BOX = """([needle]) => {
  const root = document.querySelector('.lsf-richtext__line');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const i = node.textContent.indexOf(needle);
    if (i >= 0 && !node.parentElement.closest('.htx-highlight')) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + needle.length);
      const box = range.getBoundingClientRect();
      return {x0: box.left, x1: box.right, y: box.top + box.height / 2};
    }
  }
  return null;
}"""
JS_LABEL_NAMES = """() => Array.from(document.querySelectorAll('.htx-highlight')).map(
  el => getComputedStyle(el, '::after').content)"""


def drag_over(page, needle: str) -> None:
    """Select `needle` with the mouse, as an annotator does."""
    box = page.evaluate(JS_TEXT_BOX, [needle])
    assert box, f"{needle!r} is not free text on the page"
    page.mouse.move(box["x0"] + 1, box["y"])
    page.mouse.down()
    page.mouse.move((box["x0"] + box["x1"]) / 2, box["y"], steps=4)
    page.mouse.move(box["x1"] - 1, box["y"], steps=4)
    page.mouse.up()


def region(page, text: str):
    return page.locator(".htx-highlight", has_text=text).first


@pytest.fixture
def screenshots(tmp_path):
    keep = os.environ.get("MINZHENG_SCREENSHOTS")
    folder = tmp_path / "screenshots"
    folder.mkdir()
    yield folder
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for png in folder.glob("*.png"):
            shutil.copy(png, Path(keep) / png.name)


def test_annotator_draws_a_span_and_a_link_in_the_browser(ls_server, ls_client, project_title, tmp_path,
                                                           screenshots):
    if not CHROMIUM.exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: `apt-get install -y chromium fonts-noto-cjk` (.ci/run does it)",
                    pytrace=False)
    from playwright.sync_api import sync_playwright

    project, _, _ = ensure_project(ls_client, project_title, labeling_config(), log=lambda _: None)
    ls_client.projects.import_tasks(
        id=project.id, request=[example_to_task(PREDICTED, as_prediction=True, model_version="browser-test")])
    (task,) = list(ls_client.tasks.list(project=project.id, fields="task_only"))
    creds = ls_server.credentials

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 800})
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(f"{ls_server.url}/user/login/")
            page.fill("input[name=email]", creds.username)
            page.fill("input[name=password]", creds.password)
            page.click("button[type=submit]")
            page.wait_for_url(lambda url: "/user/login" not in url)
            page.goto(f"{ls_server.url}/projects/{project.id}/data?task={task.id}")

            # the pre-annotation renders: three regions with their label names, one arc
            highlights = page.locator(".htx-highlight")
            highlights.nth(2).wait_for()
            arcs = page.locator(".relations-overlay [class*=relationItem]")
            arcs.first.wait_for(state="attached")
            names = ['"PROGRAM"', '"COUNT"', '"UNIT"']
            page.wait_for_function(f"() => ({JS_LABEL_NAMES})().join('|') === {json.dumps('|'.join(names))}")
            assert highlights.count() == 3 and arcs.count() == 1
            assert page.evaluate(JS_LABEL_NAMES) == names  # the label's name after each region
            page.screenshot(path=str(screenshots / "browser-1-pre-annotated.png"))

            # a span: label key, drag; Escape so the next key picks a label, not relabels the new region
            page.keyboard.press("1")
            drag_over(page, "临时救助")
            page.keyboard.press("Escape")
            page.keyboard.press("2")
            drag_over(page, "297")
            page.keyboard.press("Escape")
            highlights.nth(4).wait_for()
            # a link: click the program, Alt+R, click the figure — no label to pick
            region(page, "临时救助").click()
            page.keyboard.press("Alt+r")
            region(page, "297").click()
            page.keyboard.press("Escape")
            arcs.nth(1).wait_for(state="attached")
            assert highlights.count() == 5 and arcs.count() == 2
            page.screenshot(path=str(screenshots / "browser-2-span-and-link-drawn.png"))

            page.get_by_role("button", name="Submit").click()
            for _ in range(120):  # the annotation reaches the server
                if ls_client.tasks.get(id=task.id).total_annotations:
                    break
                page.wait_for_timeout(500)
            page.screenshot(path=str(screenshots / "browser-3-submitted.png"))
        finally:
            browser.close()

    result = pull(ls_client, project.id, tmp_path / "staging" / "browser.json", log=lambda _: None)
    assert (result.tasks, result.annotated, result.issues) == (1, 1, [])
    (pulled,) = json.loads(result.path.read_text(encoding="utf-8"))
    example = task_to_example(pulled)
    got = {(example.span_text(s), s.label) for s in example.spans}
    assert got == {("城乡低保", "PROGRAM"), ("5126", "COUNT"), ("户", "UNIT"), ("临时救助", "PROGRAM"),
                   ("297", "COUNT")}
    spans = example.span_by_id()
    links = {(example.span_text(spans[r.head]), example.span_text(spans[r.tail]), r.label)
             for r in example.relations}
    assert links == {("城乡低保", "5126", HAS_VALUE), ("临时救助", "297", HAS_VALUE)}
