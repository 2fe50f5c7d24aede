"""The program replaces BaseEventLoop.create_task with a wrapper of its own while the test turns task
creation stacks on, off and on again; with --take-tools it first takes sys.monitoring tool ids 3 and
4 (3.12+), the ones the agent would record with, so that the agent wraps create_task instead. The
program's wrapper comes from a decorator that wraps another function too."""
import asyncio
import functools
import sys

if '--take-tools' in sys.argv and hasattr(sys, 'monitoring'):
    for tool in (3, 4):
        sys.monitoring.use_tool_id(tool, 'the program')


async def worker():
    await asyncio.sleep(3600)


def counted(function):
    """A decorator of the program's, as tracing libraries make them: one code object for every
    function it wraps."""
    @functools.wraps(function)
    def create_task(*args, **kwargs):  # named so only for the creation stack the test expects
        calls[function.__name__] = calls.get(function.__name__, 0) + 1
        return function(*args, **kwargs)
    return create_task


calls = {}


@counted
def unrelated(value):
    return value


def replace_create_task():
    asyncio.base_events.BaseEventLoop.create_task = counted(asyncio.base_events.BaseEventLoop.create_task)


async def main():
    made = [asyncio.create_task(worker(), name='a')]
    await asyncio.sleep(0)  # ON
    made.append(asyncio.create_task(worker(), name='b'))
    replace_create_task()
    made.append(asyncio.create_task(worker(), name='c'))
    unrelated(1)
    await asyncio.sleep(0)  # OFF
    made.append(asyncio.create_task(worker(), name='d'))
    await asyncio.sleep(0)  # ON_AGAIN
    made.append(asyncio.create_task(worker(), name='e'))
    unrelated(1)  # the same wrapper code returns something that is no task
    await asyncio.sleep(0)  # END
    for task in made:
        task.cancel()
    await asyncio.gather(*made, return_exceptions=True)
    print(sorted(calls.items()))  # the program's wrapper stays its own whatever the agent does


asyncio.run(main())
