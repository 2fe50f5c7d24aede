"""Two coroutines interleave: stepping in `stepper` must stay in it while `worker` runs."""
import asyncio


async def worker(count):
    total = 0
    for i in range(count):
        await asyncio.sleep(0.005)
        total += i  # WORKER_LINE
    return total


async def child():
    y = 3  # CHILD_FIRST
    await asyncio.sleep(0.02)
    return y  # CHILD_RETURN


async def stepper():
    x = 1  # STEP_START
    await asyncio.sleep(0.05)  # STEP_AWAIT
    x = 2  # STEP_AFTER_AWAIT
    x += await child()  # STEP_CALL
    return x  # STEP_RETURN


async def main():
    results = await asyncio.gather(stepper(), worker(40))
    print(results)


asyncio.run(main())
