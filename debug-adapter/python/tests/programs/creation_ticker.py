"""Makes a task every 10 ms, keeping the last one, until a stop file appears (argv[1])."""
import asyncio
import os
import sys


async def worker():
    await asyncio.sleep(3600)


async def main():
    last = None
    while not os.path.exists(sys.argv[1]):
        if last is not None:
            last.cancel()
        last = asyncio.create_task(worker(), name='latest')
        await asyncio.sleep(0.01)
    last.cancel()


asyncio.run(main())
print('done')
