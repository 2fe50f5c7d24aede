"""N suspended tasks (argv[1]): half sleep, half wait on an Event, in groups of 10 under gathers;
main stops at checkpoint()."""
import asyncio
import os
import sys


def checkpoint():
    pass


async def sleeper():
    await asyncio.sleep(60)


async def event_waiter(event):
    await event.wait()


async def group(children):
    await asyncio.gather(*children)


async def main(count):
    event = asyncio.Event()
    children = []
    for i in range(count):
        coro = sleeper() if i % 2 else event_waiter(event)
        children.append(asyncio.ensure_future(coro))
        if len(children) == 10:
            asyncio.ensure_future(group(children))
            children = []
    await asyncio.sleep(0.1)
    checkpoint()  # CHECKPOINT
    sys.stdout.flush()
    os._exit(0)


asyncio.run(main(int(sys.argv[1])))
