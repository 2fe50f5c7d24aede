"""Tasks suspended in chains of every shape the tree's quick read of one- and two-coroutine chains
must leave to the general walk or read the same: two tasks of each (the first of a shape teaches
the capture where such chains end, the second is read with that knowledge); main stops at the
`checkpoint()` line."""
import asyncio
import os
import types


def checkpoint():
    pass  # the test sets a breakpoint on the call below


async def sleeper():
    await asyncio.sleep(30)


async def ticks():
    while True:
        await asyncio.sleep(30)
        yield


async def consume_ticks():
    async for _ in ticks():  # awaits an async_generator_asend, a helper the walk unwraps
        pass


async def via_consumer():
    await consume_ticks()


@types.coroutine
def generator_based():
    yield from sleeper()


async def awaits_generator_based():
    await generator_based()


class Blocking:
    """An awaitable whose __await__ is an iterator of its own, no generator: the chain ends there."""

    def __init__(self):
        self.future = asyncio.get_running_loop().create_future()

    def __await__(self):
        return self

    def __iter__(self):
        return self

    def __next__(self):
        if self.future.done():
            raise StopIteration(self.future.result())
        self.future._asyncio_future_blocking = True
        return self.future


async def awaits_custom():
    await Blocking()


async def via_custom():
    await awaits_custom()


async def outer_of_three():
    await via_custom()


async def main():
    tasks = []
    for shape, function in (('asend', consume_ticks), ('coroutine-then-asend', via_consumer),
                            ('generator-based', awaits_generator_based), ('custom', awaits_custom),
                            ('coroutine-then-custom', via_custom), ('three-deep', outer_of_three)):
        for copy in range(2):
            tasks.append(asyncio.create_task(function(), name='%s-%d' % (shape, copy)))
    await asyncio.sleep(0.1)
    for copy in range(2):  # never stepped: suspended before its first line
        tasks.append(asyncio.create_task(sleeper(), name='not-started-%d' % copy))
    checkpoint()  # CHECKPOINT
    os._exit(0)  # the tasks would otherwise keep asyncio.run waiting


asyncio.run(main())
