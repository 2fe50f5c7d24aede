"""The program replaces BaseEventLoop.create_task with a wrapper of its own while the test turns task
creation stacks on, off and on again; with --take-tools it first takes sys.monitoring tool ids 3 and
4 (3.12+), the ones the agent would record with, so that the agent wraps create_task instead."""
import asyncio
import sys

if '--take-tools' in sys.argv and hasattr(sys, 'monitoring'):
    for tool in (3, 4):
        sys.monitoring.use_tool_id(tool, 'the program')


async def worker():
    await asyncio.sleep(3600)


def replace_create_task():
    original = asyncio.base_events.BaseEventLoop.create_task

    def create_task(loop, coro, **kwargs):
        return original(loop, coro, **kwargs)

    asyncio.base_events.BaseEventLoop.create_task = create_task


async def main():
    made = [asyncio.create_task(worker(), name='a')]
    await asyncio.sleep(0)  # ON
    made.append(asyncio.create_task(worker(), name='b'))
    replace_create_task()
    made.append(asyncio.create_task(worker(), name='c'))
    await asyncio.sleep(0)  # OFF
    made.append(asyncio.create_task(worker(), name='d'))
    await asyncio.sleep(0)  # ON_AGAIN
    made.append(asyncio.create_task(worker(), name='e'))
    await asyncio.sleep(0)  # END
    for task in made:
        task.cancel()
    await asyncio.gather(*made, return_exceptions=True)


asyncio.run(main())
