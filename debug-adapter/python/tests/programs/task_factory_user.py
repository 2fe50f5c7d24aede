"""A program with its own task factory: the agent's creation recording must keep it working."""
import asyncio
import os
import sys

CREATED = []


def checkpoint():
    pass


def counting_factory(loop, coro, **kwargs):
    CREATED.append(coro)
    return asyncio.Task(coro, loop=loop, **kwargs)


async def napper():
    try:
        await asyncio.sleep(30)
    except asyncio.CancelledError:
        print('napper cancelled')
        raise


def spawn():
    return asyncio.get_running_loop().create_task(napper(), name='napper')  # SPAWN


async def main():
    asyncio.get_running_loop().set_task_factory(counting_factory)
    task = spawn()
    await asyncio.sleep(0.05)
    checkpoint()  # CHECKPOINT
    try:
        await task
    except asyncio.CancelledError:
        pass
    print('factory calls', len(CREATED))
    sys.stdout.flush()
    os._exit(0)


asyncio.run(main())
