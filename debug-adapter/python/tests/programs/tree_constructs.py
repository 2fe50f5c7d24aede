"""One task per construct the suspension tree recognises; main stops at the `checkpoint()` line."""
import asyncio
import concurrent.futures
import functools
import math
import sys
import time


def checkpoint():
    pass  # the test sets a breakpoint on the call below


async def sleeper():
    await asyncio.sleep(30)


async def middle():
    await sleeper()


async def awaits_task(task):
    await task


async def gathers(children):
    await asyncio.gather(*children)


async def awaits_future(future):
    await future


def ignore_completion(future, task):
    pass  # the partial holding `future` is what the tree reads


async def shields(inner):
    await asyncio.shield(inner)


async def waits(children):
    await asyncio.wait(children)


async def waits_for():
    await asyncio.wait_for(sleeper(), 30)


async def lock_waiter(lock):
    async with lock:
        pass


async def event_waiter(event):
    await event.wait()


async def condition_waiter(condition):
    async with condition:
        await condition.wait()


async def semaphore_waiter(semaphore):
    async with semaphore:
        pass


async def queue_getter(queue):
    await queue.get()


async def executor_waiter(pool):
    await asyncio.get_running_loop().run_in_executor(pool, time.sleep, 2)


async def socket_reader(reader):
    await reader.read(100)


async def deadlock_a():
    await DEADLOCK['b']


async def deadlock_b():
    await asyncio.sleep(0)
    await DEADLOCK['a']


DEADLOCK = {}
CONNECTIONS = []  # the server side of the socket stays open while the reader waits
KEEP = []  # strong references: a pending task that only a cycle holds may be collected


async def main():
    loop = asyncio.get_running_loop()

    def keep(task):
        KEEP.append(task)
        return task
    chain = asyncio.create_task(middle(), name='chain')
    keep(asyncio.create_task(awaits_task(chain), name='awaiter'))
    kids = [asyncio.create_task(sleeper(), name='gather-child-%d' % i) for i in range(2)]
    keep(asyncio.create_task(gathers(kids), name='gatherer'))
    later_first = [asyncio.create_task(sleeper(), name='later-first-%d' % i) for i in range(3)][::-1]
    keep(asyncio.create_task(gathers(later_first), name='gathers-later-first'))
    for i in range(10):  # ten: a gather is described early only when its child lies before it in memory
        fed = asyncio.gather(asyncio.create_task(sleeper(), name='fed-gather-child-%d' % i))
        feeder = asyncio.create_task(sleeper(), name='gather-feeder-%d' % i)  # its completion feeds the gather too
        feeder.add_done_callback(functools.partial(ignore_completion, fed))
        keep(asyncio.create_task(awaits_future(fed), name='fed-gatherer-%d' % i))
    inner = asyncio.create_task(sleeper(), name='shielded')
    keep(asyncio.create_task(shields(inner), name='shielder'))
    wait_kid = asyncio.create_task(sleeper(), name='wait-child')
    keep(asyncio.create_task(waits([wait_kid]), name='waiter'))
    keep(asyncio.create_task(waits_for(), name='wait-for'))
    keep(asyncio.create_task(asyncio.sleep(math.inf), name='sleeps-forever'))
    lock = asyncio.Lock()
    await lock.acquire()
    keep(asyncio.create_task(lock_waiter(lock), name='lock-waiter'))
    keep(asyncio.create_task(event_waiter(asyncio.Event()), name='event-waiter'))
    keep(asyncio.create_task(condition_waiter(asyncio.Condition()), name='condition-waiter'))
    semaphore = asyncio.Semaphore(0)
    keep(asyncio.create_task(semaphore_waiter(semaphore), name='semaphore-waiter'))
    keep(asyncio.create_task(queue_getter(asyncio.Queue()), name='queue-getter'))
    pool = concurrent.futures.ThreadPoolExecutor(1)
    keep(asyncio.create_task(executor_waiter(pool), name='executor-waiter'))
    server = await asyncio.start_server(lambda r, w: CONNECTIONS.append(w), '127.0.0.1', 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    keep(asyncio.create_task(socket_reader(reader), name='socket-reader'))
    DEADLOCK['a'] = asyncio.create_task(deadlock_a(), name='deadlock-a')
    DEADLOCK['b'] = asyncio.create_task(deadlock_b(), name='deadlock-b')
    if sys.version_info >= (3, 11):
        async def group_owner():
            async with asyncio.TaskGroup() as group:
                group.create_task(sleeper(), name='group-child')
        keep(asyncio.create_task(group_owner(), name='group-owner'))

        async def timeout_owner():
            async with asyncio.timeout(20):
                await sleeper()
        keep(asyncio.create_task(timeout_owner(), name='timeout-owner'))
    await asyncio.sleep(0.2)
    checkpoint()  # CHECKPOINT
    await asyncio.sleep(float(sys.argv[1]) if len(sys.argv) > 1 else 0)
    pool.shutdown(wait=False)
    writer.close()
    server.close()
    sys.stdout.flush()
    import os
    os._exit(0)  # the deadlocked and sleeping tasks would otherwise keep asyncio.run busy


asyncio.run(main())
