"""Tasks come and go in waves: three sleepers, then three more once the first ones finish."""
import asyncio


async def sleeper(delay):
    await asyncio.sleep(delay)


async def main():
    await asyncio.gather(*(sleeper(1.5) for _ in range(3)))
    await asyncio.gather(*(sleeper(1.5) for _ in range(3)))
    print('waves done')


asyncio.run(main())
