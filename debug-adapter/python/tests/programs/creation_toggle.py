"""Three tasks made one after another; the test turns task creation stacks on and off between them."""
import asyncio


async def worker():
    await asyncio.sleep(3600)


async def main():
    first = asyncio.create_task(worker(), name='first')
    await asyncio.sleep(0)  # FIRST
    second = asyncio.create_task(worker(), name='second')
    await asyncio.sleep(0)  # SECOND
    third = asyncio.create_task(worker(), name='third')
    await asyncio.sleep(0)  # THIRD
    for task in (first, second, third):
        task.cancel()
    await asyncio.gather(first, second, third, return_exceptions=True)


asyncio.run(main())
