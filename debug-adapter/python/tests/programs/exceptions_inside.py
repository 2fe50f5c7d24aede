"""Raises and catches: a ValueError in user code, and the machinery exceptions that must never stop."""
import asyncio


def numbers():
    yield 1
    yield 2


def catch_value_error():
    try:
        raise ValueError('caught here')  # RAISED
    except ValueError:
        return 'handled'


async def cancelled():
    task = asyncio.ensure_future(asyncio.sleep(10))
    await asyncio.sleep(0)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        return 'cancelled'


async def agen():
    yield 1


async def run_async():
    result = await cancelled()
    async for _ in agen():
        pass
    return result


def main():
    print(list(numbers()), catch_value_error(), asyncio.run(run_async()))


main()
