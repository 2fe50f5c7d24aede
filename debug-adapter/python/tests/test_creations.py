"""Where tasks were created (creations.py), in this process with the real asyncio: the frames and
lines of the call that created each task, the frames below the event loop remembered per loop run,
and the records of tasks that are gone dropped when the table grows."""
import asyncio
import asyncio.base_events
import asyncio.events
import gc
import sys
import unittest

from coroutine_lens_agent import creations
from coroutine_lens_agent.loops import LoopRegistry


async def sleeper():
    await asyncio.sleep(0)


def spawn(tasks):
    tasks.append(asyncio.ensure_future(sleeper()))  # SPAWN


def this_line():
    return sys._getframe(1).f_lineno


class Recording(unittest.TestCase):
    def setUp(self):
        self.errors = []
        self.registry = LoopRegistry(self.errors.append)
        original_set, original_create = asyncio.events._set_running_loop, asyncio.base_events.BaseEventLoop.create_task
        self.registry.patch_asyncio(asyncio.events)
        self.registry.patch_base_events(asyncio.base_events)

        def restore():
            asyncio.events._set_running_loop = original_set
            asyncio.base_events.BaseEventLoop.create_task = original_create
        self.addCleanup(restore)

    def stack(self, task):
        return [(code.co_name, line) for code, line in self.registry.creation_stacks.get(task)]

    def test_frames_from_a_sync_helper_through_the_loop_to_its_start(self):
        tasks = []

        async def main():
            spawn(tasks)  # CALL
            spawn(tasks)
            await asyncio.gather(*tasks)

        asyncio.run(main()); run_line = this_line()
        spawn_line = spawn.__code__.co_firstlineno + 1
        call_line = main.__code__.co_firstlineno + 1
        expected = [('spawn', spawn_line), ('main', call_line), (self._testMethodName, run_line)]
        self.assertEqual(self.stack(tasks[0]), expected)
        self.assertEqual(self.stack(tasks[1])[1], ('main', call_line + 1))
        self.assertEqual(self.errors, [])

    def test_frames_below_the_loop_are_those_of_each_run(self):
        tasks = []

        async def main():
            spawn(tasks)
            await tasks[-1]

        asyncio.run(main()); first = this_line()
        asyncio.run(main()); second = this_line()
        self.assertEqual([self.stack(t)[-1] for t in tasks], [(self._testMethodName, first), (self._testMethodName, second)])

    def test_a_task_created_outside_any_loop_run(self):
        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        task = loop.create_task(sleeper()); line = this_line()
        loop.run_until_complete(task)
        self.assertEqual(self.stack(task)[0], (self._testMethodName, line))

    def test_not_recorded(self):
        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        task = asyncio.Task(sleeper(), loop=loop)  # not through create_task
        loop.run_until_complete(task)
        self.assertIsNone(self.registry.creation_stacks.get(task))

    def test_records_of_tasks_that_are_gone_are_dropped(self):
        table = self.registry.creation_stacks
        waiting, stacks = [], []

        async def finished_batch():
            await asyncio.gather(*(sleeper() for _ in range(40)))

        async def main():
            release = asyncio.Event()
            waiting.extend(asyncio.ensure_future(release.wait()) for _ in range(5))
            table._limit = 20  # the next record prunes
            waiting.append(asyncio.ensure_future(release.wait()))
            stacks.append(len(table._entries))
            stacks.extend(len(self.stack(t)) for t in waiting)  # while they wait: live, kept
            release.set()
            await asyncio.gather(*waiting)

        for _ in range(3):
            asyncio.run(finished_batch())
        gc.collect()
        self.assertGreater(len(table._entries), 40)  # dead records (ids reused by later tasks overwrite theirs)
        asyncio.run(main())
        self.assertEqual(stacks, [7] + [3] * 5 + [2])  # <genexpr>, main, this test; then main, this test


class Lines(unittest.TestCase):
    def test_line_at_says_what_f_lineno_says(self):
        mismatches = []

        def check():
            frame = sys._getframe(1)
            while frame is not None:
                if creations.line_at(frame.f_code, frame.f_lasti) != frame.f_lineno:
                    mismatches.append((frame.f_code.co_name, frame.f_lineno))
                frame = frame.f_back

        async def child():
            check()

        async def main():
            [check() for _ in range(2)]
            (
                check()
            )
            try:
                1 / 0
            except ZeroDivisionError:
                check()
            finally:
                check()
            await asyncio.gather(
                child(),
                child())

        asyncio.run(main())
        self.assertEqual(mismatches, [])


if __name__ == '__main__':
    unittest.main()
