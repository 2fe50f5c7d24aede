"""Raises and catches: a ValueError in user code, one raised in the standard library and caught in
user code, and the machinery exceptions that must never stop."""
import asyncio
import json


def numbers():
    yield 1
    yield 2


def catch_value_error():
    try:
        raise ValueError('caught here')  # RAISED
    except ValueError:
        return 'handled'


def parse_or_default(text):
    try:
        return json.loads(text)  # LIBRARY_RAISED
    except ValueError:
        return 'default'


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
    print(list(numbers()), catch_value_error(), parse_or_default('{'), asyncio.run(run_async()))


main()
