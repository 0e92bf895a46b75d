"""Running a coroutine in place until it first has to wait, and finishing it in a task."""

import asyncio

import pytest

from server.hub.eager import run_eagerly


async def test_a_coroutine_that_never_waits_runs_to_the_end_in_place() -> None:
    done: list[str] = []

    async def send() -> None:
        done.append("sent")

    assert run_eagerly(send()) is None
    assert done == ["sent"]  # before any turn of the event loop


async def test_its_error_is_raised_in_place() -> None:
    async def send() -> None:
        raise ConnectionResetError("gone")

    with pytest.raises(ConnectionResetError):
        run_eagerly(send())


async def test_the_rest_of_a_coroutine_that_waits_is_finished_by_a_task() -> None:
    steps: list[str] = []
    buffer_drained = asyncio.get_running_loop().create_future()

    async def send() -> str:
        steps.append("written")
        room = await buffer_drained
        steps.append(f"drained: {room}")
        await asyncio.sleep(0)
        steps.append("done")
        return "ok"

    rest = run_eagerly(send())
    assert rest is not None
    assert steps == ["written"]
    task = asyncio.ensure_future(rest)
    await asyncio.sleep(0)
    assert not task.done()
    buffer_drained.set_result(64)
    assert await asyncio.wait_for(task, 5) == "ok"
    assert steps == ["written", "drained: 64", "done"]


async def test_cancelling_the_task_cancels_the_coroutine_where_it_waits() -> None:
    cleaned_up: list[bool] = []
    never = asyncio.get_running_loop().create_future()

    async def send() -> None:
        try:
            await never
        finally:
            cleaned_up.append(True)

    rest = run_eagerly(send())
    assert rest is not None
    task = asyncio.ensure_future(rest)
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cleaned_up == [True]
    assert never.cancelled()


async def test_an_error_while_it_waits_reaches_the_task() -> None:
    failing = asyncio.get_running_loop().create_future()

    async def send() -> None:
        await failing

    rest = run_eagerly(send())
    assert rest is not None
    task = asyncio.ensure_future(rest)
    failing.set_exception(BrokenPipeError("peer went away"))
    with pytest.raises(BrokenPipeError):
        await task
