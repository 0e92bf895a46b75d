"""The report and the dashboards in Chromium, for a candidate with two seeded interviews
(written through the db layer as the hub writes them): the numbers on the page and in the
charts are the ones worked out by hand in the scenario, and chart points link onwards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import expect

from db.engine import create_engine, create_session_factory
from tests.analytics.scenario import ALL_DELIVERY, REPORT_DELIVERY, TECHNICAL, seed_behavioral, seed_technical
from tests.browser.test_observe import log_in
from tests.hub.peer import Api


INLINE_SCRIPTS = "() => [...document.scripts].filter(s => !s.src && s.type !== 'application/json').length"


async def chart_values(page: Any, testid: str) -> list[Any]:
    return await page.get_by_test_id(testid).evaluate("c => JSON.parse(c.dataset.values)")  # type: ignore[no-any-return]


async def click_point(page: Any, testid: str, index: int) -> None:
    """Clicks the chart's ``index``-th point where Chart.js drew it."""
    canvas = page.get_by_test_id(testid)
    position = await canvas.evaluate(
        """(canvas, index) => {
            const point = window.Chart.getChart(canvas).getDatasetMeta(0).data[index];
            return { x: point.x, y: point.y };
        }""",
        index,
    )
    await canvas.click(position=position)


async def expect_tile(page: Any, testid: str, value: Any, text: str) -> None:
    tile = page.get_by_test_id(testid)
    await expect(tile).to_have_text(text)
    raw = await tile.get_attribute("data-value")
    assert (float(raw) if raw else None) == value, (testid, raw, value)


async def test_report_and_dashboards_show_the_seeded_numbers(
    browser: Any, server_url: str, database_url: str, screenshots: Path
) -> None:
    candidate, teacher, outsider = Api(server_url), Api(server_url), Api(server_url)
    contexts: list[Any] = []
    engine = create_engine(database_url, pool_size=1)
    try:
        owner = await candidate.sign_up("candidate")
        instructor = await teacher.sign_up("instructor")
        stranger = await outsider.sign_up("instructor")
        technical = await candidate.interview(questions=3, kind="technical")
        behavioral = await candidate.interview(questions=1, kind="behavioral")
        async with create_session_factory(engine)() as session, session.begin():
            seeded = await seed_technical(session, technical)
            await seed_behavioral(session, behavioral)
        for interview in (technical, behavioral):
            await candidate.grant(interview, instructor["username"])

        # A stranger: 404 for the report page.
        context, page, errors = await log_in(browser, server_url, stranger["username"])
        contexts.append(context)
        response = await page.goto(f"/interviews/{technical}/report")
        assert response is not None and response.status == 404

        # The candidate opens the report from the interview page.
        context, page, errors = await log_in(browser, server_url, owner["username"])
        contexts.append(context)
        await page.goto(f"/interviews/{technical}")
        await page.get_by_test_id("report-link").click()
        await page.wait_for_url(f"**/interviews/{technical}/report")
        await expect(page.get_by_test_id("report")).to_have_attribute("data-state", "ready")
        await expect_tile(page, "overall-score", 6.2, "6.2 / 10")
        d = REPORT_DELIVERY
        await expect_tile(page, "total-wpm", d["wpm"], "160 wpm")
        await expect_tile(page, "total-fillers", d["fillers_per_100"], "2.9")
        await expect_tile(page, "total-eye", d["eye_contact_share"], "70 %")
        await expect_tile(page, "total-pauses", d["pauses"], "1")
        await expect_tile(page, "total-talk", d["talk_s"], "3:00")
        rows = page.get_by_test_id("question-row")
        await expect(rows).to_have_count(3)
        await expect(rows.locator("[data-col=score]")).to_have_text(["8.0", "6.0", "4.0"])
        await expect(rows.locator("[data-col=fillers]")).to_have_text(["2.0", "6.0", "0.0"])
        await expect(rows.locator("[data-col=eye]")).to_have_text(["80 %", "50 %", "—"])
        await expect(rows.locator("[data-col=talk]")).to_have_text(["1:20", "0:40", "1:00"])
        await expect(page.get_by_test_id("analysis-card")).to_have_count(3)

        # The charts plot the same numbers.
        assert [p for p in await chart_values(page, "chart-scores")] == [a.score for a in TECHNICAL]
        pace = [p for p in await chart_values(page, "chart-pace") if p["y"] is not None]
        assert [p["y"] for p in pace] == [140.0, 155.0, 185.0]
        assert await page.get_by_test_id("chart-pace").get_attribute("data-band") == "100-165"
        assert await chart_values(page, "chart-fillers") == [2.0, 6.0, 0.0]
        assert await chart_values(page, "chart-eye") == [80.0, 50.0, None]
        assert await chart_values(page, "chart-talk") == [80.0, 40.0, 60.0]
        assert [p["y"] for p in await chart_values(page, "chart-pauses")] == [5.2]
        # Nothing inline to execute: the data travels in a JSON block.
        assert await page.evaluate(INLINE_SCRIPTS) == 0
        await page.screenshot(path=str(screenshots / "report.png"), full_page=True)

        # A point of the pace chart opens the replay at that moment.
        at = seeded.answer_ts[0] + 15_000
        await click_point(page, "chart-pace", 1)
        await page.wait_for_url(f"**/interviews/{technical}/replay?at={at}")
        await expect(page.get_by_test_id("replay")).to_be_visible()
        assert errors == [], errors

        # The candidate's dashboard, from the interview list.
        errors.clear()
        await page.goto("/")
        await page.get_by_test_id("analytics-link").click()
        await page.wait_for_url("**/analytics")
        await expect(page.get_by_test_id("analytics")).to_have_attribute("data-state", "ready")
        await check_progress(page.get_by_test_id("progress"), ALL_DELIVERY, [6.2, 7.0])
        recent = page.get_by_test_id("recent-interview")
        await expect(recent).to_have_count(2)
        assert [await r.get_attribute("data-id") for r in await recent.all()] == [behavioral, technical]
        await expect(page.get_by_test_id("strongest").locator("li").first).to_have_attribute("data-name", "structure")
        await expect(page.get_by_test_id("weakest").locator("li").first).to_have_attribute("data-name", "system-design")
        await expect(page.get_by_test_id("questions-practised").locator("li")).to_have_count(4)
        assert await page.evaluate(INLINE_SCRIPTS) == 0
        await page.screenshot(path=str(screenshots / "dashboard-candidate.png"), full_page=True)
        # A point of the score trend opens that interview's report.
        await click_point(page, "chart-score-trend", 0)
        await page.wait_for_url(f"**/interviews/{technical}/report")
        assert errors == [], errors

        # The instructor's dashboard: the candidate, live interview first.
        context, page, errors = await log_in(browser, server_url, instructor["username"])
        contexts.append(context)
        await page.goto("/analytics")
        await expect(page.get_by_test_id("analytics")).to_have_attribute("data-state", "ready")
        card = page.get_by_test_id("candidate")
        await expect(card).to_have_count(1)
        await expect(card).to_have_attribute("data-username", owner["username"])
        await expect(card).to_have_attribute("data-live", "true")
        statuses = [await r.get_attribute("data-status") for r in await card.get_by_test_id("recent-interview").all()]
        assert statuses == ["live", "finished"]
        await check_progress(card.get_by_test_id("progress"), ALL_DELIVERY, [6.2, 7.0])
        await page.screenshot(path=str(screenshots / "dashboard-instructor.png"), full_page=True)
        assert errors == [], errors
    finally:
        for context in contexts:
            await context.close()
        for api in (candidate, teacher, outsider):
            await api.close()
        await engine.dispose()


async def check_progress(block: Any, delivery: dict[str, Any], scores: list[float]) -> None:
    await expect(block.get_by_test_id("interviews")).to_have_text("2")
    await expect(block.get_by_test_id("answered")).to_have_text("4")
    await expect(block.get_by_test_id("mean-score")).to_have_text(f"{sum(scores) / len(scores):.1f}")
    await expect_tile(block, "all-wpm", delivery["wpm"], f"{delivery['wpm']:.0f} wpm")
    await expect_tile(block, "all-fillers", delivery["fillers_per_100"], f"{delivery['fillers_per_100']:.1f}")
    await expect_tile(block, "all-eye", delivery["eye_contact_share"], f"{round(delivery['eye_contact_share'] * 100)} %")
    await expect_tile(block, "all-talk", delivery["talk_s"], "4:00")
    assert await chart_values(block, "chart-score-trend") == scores
    assert await chart_values(block, "chart-pace-trend") == [160.0, 120.0]
    assert await chart_values(block, "chart-fillers-trend") == [2.86, round(2 * 100 / 120, 2)]
    assert await chart_values(block, "chart-eye-trend") == [70.0, 90.0]
    assert await chart_values(block, "chart-talk-trend") == [3.0, 1.0]
