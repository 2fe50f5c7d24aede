"""Deadlocks the tree must report through every kind of wait an edge can come from — a gather, a
shield, a task awaited directly, a task gathering itself, three tasks around — next to tasks that
wait on a deadlocked one without being in its cycle, and a gather of sleepers; main stops at the
`checkpoint()` line."""
import asyncio
import os

TASKS = {}


def checkpoint():
    pass  # the test sets a breakpoint on the call below


async def sleeper():
    await asyncio.sleep(30)


async def awaits(name):
    await asyncio.sleep(0)  # the other task exists by then
    await TASKS[name]


async def gathers(name):
    await asyncio.sleep(0)
    await asyncio.gather(TASKS[name])


async def shields(name):
    await asyncio.sleep(0)
    await asyncio.shield(TASKS[name])


async def gathers_itself():
    await asyncio.gather(asyncio.current_task())


async def gathers_sleepers():
    await asyncio.gather(*[asyncio.create_task(sleeper(), name='sleeper-%d' % i) for i in range(3)])


async def main():
    for name, wait in (('gather-a', gathers('gather-b')), ('gather-b', awaits('gather-a')),
                       ('shield-a', shields('shield-b')), ('shield-b', awaits('shield-a')),
                       ('ring-a', awaits('ring-b')), ('ring-b', awaits('ring-c')), ('ring-c', awaits('ring-a')),
                       ('outside-ring', awaits('ring-a')), ('outside-outside', awaits('outside-ring')),
                       ('self-gather', gathers_itself()), ('sleepers', gathers_sleepers())):
        TASKS[name] = asyncio.create_task(wait, name=name)
    await asyncio.sleep(0.1)
    checkpoint()  # CHECKPOINT
    os._exit(0)  # the deadlocked tasks would otherwise keep asyncio.run waiting


asyncio.run(main())
