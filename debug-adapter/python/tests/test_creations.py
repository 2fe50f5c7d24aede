"""Where tasks were created (creations.py), in this process with the real asyncio: the frames and
lines of the call that created each task, the frames below the event loop remembered per loop run,
and the records of tasks that are gone dropped when the table grows."""
import asyncio
import asyncio.base_events
import asyncio.events
import functools
import gc
import importlib.util
import os
import shutil
import sys
import tempfile
import threading
import warnings
import unittest
import weakref

from coroutine_lens_agent import creations, filters
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
        original_set = asyncio.events._set_running_loop
        self.registry.patch_asyncio(asyncio.events)
        self.registry.patch_base_events(asyncio.base_events)

        def restore():
            asyncio.events._set_running_loop = original_set
            self.registry.creation_stacks.unpatch(asyncio.base_events)
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

    @unittest.skipIf(sys.version_info < (3, 12), 'sys.monitoring is 3.12+')
    def test_on_3_12_create_task_is_watched_not_wrapped(self):
        self.assertIsNotNone(self.registry.creation_stacks._tool)
        self.assertFalse(hasattr(asyncio.base_events.BaseEventLoop.create_task, '__wrapped__'))

    def test_the_wrapper_records_the_same_when_no_monitoring_tool_is_free(self):
        self.registry.creation_stacks.unpatch(asyncio.base_events)
        monitoring = getattr(sys, 'monitoring', None)
        taken = []
        for tool in range(6) if monitoring else ():
            if monitoring.get_tool(tool) is None:
                monitoring.use_tool_id(tool, 'test')
                taken.append(tool)
        self.addCleanup(lambda: [monitoring.free_tool_id(tool) for tool in taken])
        wrapper = LoopRegistry(self.errors.append)
        wrapper.patch_base_events(asyncio.base_events)
        self.addCleanup(wrapper.creation_stacks.unpatch, asyncio.base_events)
        self.assertIsNone(wrapper.creation_stacks._tool)
        self.assertTrue(hasattr(asyncio.base_events.BaseEventLoop.create_task, '__wrapped__'))
        tasks = []

        async def main():
            spawn(tasks)
            await tasks[0]

        asyncio.run(main()); run_line = this_line()
        expected = [('spawn', spawn.__code__.co_firstlineno + 1), ('main', main.__code__.co_firstlineno + 1),
                    (self._testMethodName, run_line)]
        self.assertEqual([(code.co_name, line) for code, line in wrapper.creation_stacks.get(tasks[0])], expected)

    def created_by_the_loop(self, loop_class):
        """A task that asyncio's own code creates from a callback the loop runs (no user frame above
        the loop's), and its creation stack."""
        found = []

        async def main():
            coro = sleeper()
            asyncio.get_running_loop().call_soon(asyncio.ensure_future, coro)
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            found.extend(t for t in asyncio.all_tasks() if t.get_coro() is coro)
            await found[0]

        loop = loop_class()
        self.addCleanup(loop.close)
        loop.run_until_complete(main()); run_line = this_line()
        self.assertEqual(self.errors, [])
        return self.stack(found[0]), ('created_by_the_loop', run_line)

    def test_a_task_library_code_creates_from_a_loop_callback_has_the_loop_run_s_frames(self):
        (stack, run), line = self.created_by_the_loop(asyncio.SelectorEventLoop), this_line()
        self.assertEqual(stack, [run, (self._testMethodName, line)])

    def test_a_user_frame_between_the_loop_run_and_the_callback_is_in_the_stack(self):
        """The loop's own frames (run_forever -> _run_once -> Handle._run) are shared by every task
        of a loop run; here the program's _run_once runs the callback: a shortcut that took the loop
        run's frames whenever Handle._run runs under run_forever would leave it out."""
        (stack, run), line = self.created_by_the_loop(OneHandleAtATime), this_line()
        self.assertEqual(stack, [('_run_once', OneHandleAtATime._run_once.__code__.co_firstlineno + 2), run,
                                 (self._testMethodName, line)])

    def test_a_task_created_outside_any_loop_run(self):
        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        task = loop.create_task(sleeper()); line = this_line()
        loop.run_until_complete(task)
        self.assertEqual(self.stack(task)[0], (self._testMethodName, line))

    def test_a_function_of_no_module(self):
        """Code run by exec in globals without __name__ (a template engine's, a code generator's)
        belongs to no module: its frames are still the program's, found by their file."""
        tasks = []
        namespace = {'asyncio': asyncio, 'sleeper': sleeper}
        source = 'def spawn(tasks):\n    tasks.append(asyncio.ensure_future(sleeper()))\n'
        exec(compile(source, os.path.join(os.path.dirname(__file__), 'generated.py'), 'exec'), namespace)

        async def main():
            namespace['spawn'](tasks)  # CALL
            await tasks[0]

        asyncio.run(main())
        self.assertEqual(self.stack(tasks[0])[:2], [('spawn', 2), ('main', main.__code__.co_firstlineno + 1)])
        self.assertEqual(self.errors, [])

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


class OneHandleAtATime(asyncio.SelectorEventLoop):
    def _run_once(self):
        if self._ready:  # a callback scheduled during the last step: run here, not by asyncio's _run_once
            self._ready.popleft()._run()
        else:
            super()._run_once()


class Marker:
    """A local of the creating function: freed the moment its frame ends, unless something holds it."""


def spawn_many(tasks, freed, how):
    marker = Marker()
    freed.append(weakref.ref(marker))
    for _ in range(10):
        tasks.append(asyncio.ensure_future(sleeper()))
        tasks.append(asyncio.ensure_future(sleeper()))
    if how == 'raise':
        raise ValueError('the frame unwinds')


async def spawn_and_suspend(tasks, freed):
    marker = Marker()
    freed.append(weakref.ref(marker))
    for _ in range(10):
        tasks.append(asyncio.ensure_future(sleeper()))
    await asyncio.sleep(0)


def create_directly(tasks):
    tasks.append(asyncio.get_running_loop().create_task(sleeper()))


def spawn_both_ways(tasks):
    for _ in range(10):  # this frame is held from the second creation on (3.12+)
        tasks.append(asyncio.ensure_future(sleeper()))  # create_task <- ensure_future <- here
    for _ in range(10):  # still held
        create_directly(tasks)  # create_task <- create_directly <- here: the same depth


class HeldFrames(Recording):
    """3.12+: the creating frame is held while it runs (one identity check per creation instead of
    a walk) and let go when it returns, raises or suspends: its locals die when they would anyway."""

    def records(self, tasks):
        return [self.stack(t)[:2] for t in tasks]

    def check_many(self, how):
        tasks, freed, alive_after = [], [], []

        async def main():
            try:
                spawn_many(tasks, freed, how)  # CALL
            except ValueError:
                pass
            alive_after.append(freed[0]() is not None)  # no gc: refcounting alone frees it
            await asyncio.gather(*tasks)

        asyncio.run(main())
        first = spawn_many.__code__.co_firstlineno + 4
        call = main.__code__.co_firstlineno + 2
        self.assertEqual(self.records(tasks), [[('spawn_many', first), ('main', call)],
                                               [('spawn_many', first + 1), ('main', call)]] * 10)
        self.assertEqual(alive_after, [False], 'the creating frame\'s locals outlived it')
        self.assertEqual(self.errors, [])

    def test_a_frame_that_returns_is_let_go(self):
        self.check_many('return')

    def test_a_frame_that_raises_is_let_go(self):
        self.check_many('raise')

    def test_a_coroutine_that_suspends_is_let_go(self):
        tasks, freed, alive_after = [], [], []

        async def main():
            spawner = spawn_and_suspend(tasks, freed)
            spawner.send(None)  # creates its tasks, then suspends in sleep(0)
            del spawner  # dropped while suspended: closed, its frame freed
            alive_after.append(freed[0]() is not None)
            await asyncio.gather(*tasks)

        asyncio.run(main())
        line = spawn_and_suspend.__code__.co_firstlineno + 4
        self.assertEqual({self.stack(t)[0] for t in tasks}, {('spawn_and_suspend', line)})
        self.assertEqual(alive_after, [False])
        self.assertEqual(self.errors, [])

    def test_a_held_frame_s_creation_through_a_user_frame_names_it(self):
        """While spawn_both_ways is held, a creation at the held frame's depth through a user frame
        is that frame's: a shortcut that checked only the frame at that depth would give it to
        spawn_both_ways."""
        tasks = []

        async def main():
            spawn_both_ways(tasks)
            await asyncio.gather(*tasks)

        asyncio.run(main())
        body = spawn_both_ways.__code__.co_firstlineno
        direct = (('create_directly', create_directly.__code__.co_firstlineno + 1), ('spawn_both_ways', body + 4),
                  ('main', main.__code__.co_firstlineno + 1))
        self.assertEqual([tuple(self.stack(t)[:3]) for t in tasks],
                         [(('spawn_both_ways', body + 2), ('main', main.__code__.co_firstlineno + 1),
                           (self._testMethodName, main.__code__.co_firstlineno + 4))] * 10 + [direct] * 10)
        self.assertEqual(self.errors, [])

    @unittest.skipIf(sys.version_info < (3, 12), 'frames are held on 3.12+ only')
    def test_the_frame_is_held_while_it_creates(self):
        seen = []

        async def main():
            for _ in range(5):
                asyncio.ensure_future(sleeper())
                held = self.registry.creation_stacks._held
                seen.append(held is not None and held[0] is sys._getframe())
            await asyncio.sleep(0)

        asyncio.run(main())
        self.assertEqual(seen, [False, True, True, True, True])  # held from the second creation on


    @unittest.skipIf(sys.version_info < (3, 12), 'frames are held on 3.12+ only')
    def test_unwinding_is_watched_only_while_a_frame_is_held(self):
        table, events = self.registry.creation_stacks, []

        def spawn_and_look(tasks):
            for _ in range(3):
                tasks.append(asyncio.ensure_future(sleeper()))
            events.append(sys.monitoring.get_events(table._tool))

        async def main():
            events.append(sys.monitoring.get_events(table._tool))
            tasks = []
            spawn_and_look(tasks)
            events.append(sys.monitoring.get_events(table._tool))
            await asyncio.gather(*tasks)

        asyncio.run(main())
        self.assertEqual(events, [0, sys.monitoring.events.PY_UNWIND, 0])

    @unittest.skipIf(sys.version_info < (3, 12), 'frames are held on 3.12+ only')
    def test_a_frame_that_raises_is_let_go_however_often_unwinding_was_switched(self):
        table = self.registry.creation_stacks
        for _ in range(creations._UNWIND_OFF_SWITCHES + 2):  # then it stays on
            tasks, freed, alive_after = [], [], []

            async def main():
                try:
                    spawn_many(tasks, freed, 'raise')
                except ValueError:
                    pass
                alive_after.append(freed[0]() is not None)
                await asyncio.gather(*tasks)

            asyncio.run(main())
            self.assertEqual(alive_after, [False])
        self.assertEqual(table._unwind_offs, creations._UNWIND_OFF_SWITCHES)
        self.assertTrue(table._unwind_on)
        self.assertEqual(self.errors, [])

    def test_a_generator_that_creates_gets_the_callers_of_each_resumption(self):
        """A generator's frame held while it creates is let go when it yields: resumed from another
        caller, its next tasks name that caller."""
        tasks = []

        def creating(count):
            for _ in range(count):
                for _ in range(3):
                    tasks.append(asyncio.ensure_future(sleeper()))  # CREATE
                yield

        def resume_here(generator):
            next(generator)

        def resume_there(generator):
            next(generator)

        async def main():
            generator = creating(4)
            for resume in (resume_here, resume_there, resume_here, resume_there):
                resume(generator)
            await asyncio.gather(*tasks)

        asyncio.run(main())
        line = creating.__code__.co_firstlineno + 3
        self.assertEqual([self.stack(t)[:2] for t in tasks],
                         [[('creating', line), (name, code.co_firstlineno + 1)] for name, code in (
                             ('resume_here', resume_here.__code__), ('resume_there', resume_there.__code__)) * 2
                          for _ in range(3)])
        self.assertEqual(self.errors, [])

    def test_recursion_and_two_threads_name_their_own_callers(self):
        """The same function at several depths of one stack, and in two threads at once (each with a
        loop of its own, switching threads every few instructions): each task names the callers of
        the frame that created it, never those of a frame held for another depth or thread."""
        results = {}

        def creating(tasks, level):
            for _ in range(3):
                tasks.append((level, asyncio.ensure_future(sleeper())))
            if level < 2:
                creating(tasks, level + 1)
            for _ in range(3):
                tasks.append((level, asyncio.ensure_future(sleeper())))

        def from_one(tasks):
            creating(tasks, 0)

        def from_other(tasks):
            creating(tasks, 0)

        async def main(start):
            tasks = []
            for _ in range(200):
                start(tasks)
            await asyncio.gather(*[task for _, task in tasks])
            results[start.__name__] = {(level, tuple(name for name, _ in self.stack(task)[:level + 2]))
                                       for level, task in tasks}

        interval = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)
        self.addCleanup(sys.setswitchinterval, interval)
        threads = [threading.Thread(target=asyncio.run, args=(main(start),)) for start in (from_one, from_other)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for start in ('from_one', 'from_other'):
            self.assertEqual(results[start], {(level, ('creating',) * (level + 1) + (start,)) for level in range(3)})
        self.assertEqual(self.errors, [])

    @unittest.skipIf(sys.version_info < (3, 12), 'frames are held on 3.12+ only')
    def test_another_thread_s_stack_of_library_frames_only_as_deep_as_the_held_frame(self):
        """While a frame is held at some depth, another thread whose stack is library code only and
        ends just above that depth creates a task (asyncio.run in a thread a library started): no
        record, and no error from looking for the held frame below that stack's end."""
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder)
        path = os.path.join(folder, 'library_calls.py')
        with open(path, 'w') as file:
            file.write('def nest(levels, call):\n    return call() if levels == 0 else nest(levels - 1, call)\n')
        spec = importlib.util.spec_from_file_location('library_calls', path)
        library = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(library)
        # Library code of our own: the roots (site-packages, the standard library) are not ours to write.
        filters.library_by_filename[library.__file__] = True
        self.addCleanup(filters.library_by_filename.pop, library.__file__)
        sys.modules['library_calls'] = library
        self.addCleanup(sys.modules.pop, 'library_calls')
        held = []

        def spawn_deep(tasks):
            for _ in range(3):  # held from the second creation on, 12 library frames below create_task
                tasks.append(library.nest(12, functools.partial(asyncio.ensure_future, sleeper())))
            held.append(self.registry.creation_stacks._held[0] is sys._getframe())
            for levels in range(24):  # one of these stacks ends just above the held frame's depth
                thread = threading.Thread(target=functools.partial(
                    library.nest, levels, functools.partial(asyncio.run, sleeper())))
                thread.start()
                thread.join()

        async def main():
            tasks = []
            spawn_deep(tasks)
            await asyncio.gather(*tasks)

        asyncio.run(main())
        self.assertEqual(held, [True])
        self.assertEqual(self.errors, [])

    @unittest.skipIf(sys.version_info < (3, 12), 'frames are held on 3.12+ only')
    def test_turned_off_while_a_frame_is_held_and_on_again_many_times(self):
        """Off from inside the held frame: it is let go at once, its code and the tool keep no
        event, and the tasks it makes next have no record. A hold cut short by the switch does not
        count against the function: on again, its frames are still held."""
        table, seen = self.registry.creation_stacks, []

        async def main():
            tasks, code = [], sys._getframe().f_code
            for _ in range(creations._FRUITLESS_HOLDS + 2):
                for _ in range(3):
                    tasks.append(asyncio.ensure_future(sleeper()))
                held, tool = table._held, table._tool
                seen.append(held is not None and held[0] is sys._getframe())
                self.registry.stop_creation_stacks('off')
                after_off = asyncio.ensure_future(sleeper())
                tasks.append(after_off)
                self.assertEqual((table._held, sys.monitoring.get_tool(tool), sys.monitoring.get_local_events(tool, code),
                                  sys.monitoring.get_events(tool), table.get(after_off)), (None, None, 0, 0, None))
                table.off_reason = None
                self.registry.patch_base_events(asyncio.base_events)
            await asyncio.gather(*tasks)

        asyncio.run(main())
        self.assertEqual(seen, [True] * (creations._FRUITLESS_HOLDS + 2))
        self.assertEqual(self.errors, [])

    @unittest.skipIf(sys.version_info < (3, 12) or not hasattr(os, 'fork'), 'frames are held on 3.12+; fork')
    def test_a_forked_child_holds_no_frame(self):
        reads = []

        async def main():
            for _ in range(3):
                asyncio.ensure_future(sleeper())
            read_end, write_end = os.pipe()
            with warnings.catch_warnings():
                warnings.simplefilter('ignore', DeprecationWarning)  # fork with threads around (3.12+)
                child = os.fork()
            if child == 0:
                os.write(write_end, b'held' if self.registry.creation_stacks._held is not None else b'none')
                os._exit(0)
            os.close(write_end)
            reads.append(os.read(read_end, 10))
            os.close(read_end)
            os.waitpid(child, 0)
            self.assertIsNotNone(self.registry.creation_stacks._held)  # the parent keeps its own
            await asyncio.sleep(0)

        asyncio.run(main())
        self.assertEqual(reads, [b'none'])


class TurnedOffWhileTheImportHookPatches(unittest.TestCase):
    """The import hook patches create_task on the importing thread while the agent's thread turns
    recording off: the "off" comes after the patch, never in the middle of it."""

    def test_off_wins(self):
        errors = []
        registry = LoopRegistry(errors.append)
        self.addCleanup(registry.creation_stacks.unpatch, asyncio.base_events)
        reached, go_on = threading.Event(), threading.Event()

        class SlowModule:  # asyncio.base_events as the hook is handed it, read slowly
            __name__ = 'asyncio.base_events'

            @property
            def BaseEventLoop(self):
                reached.set()
                go_on.wait(5)
                return asyncio.base_events.BaseEventLoop

        hook = threading.Thread(target=registry.patch_base_events, args=(SlowModule(),))
        hook.start()
        self.assertTrue(reached.wait(5))
        off = threading.Thread(target=registry.stop_creation_stacks, args=('off',))
        off.start()
        off.join(0.2)  # it waits for the patch (or, were it not held back, is done already)
        go_on.set()
        hook.join(5)
        off.join(5)
        wrapped = getattr(asyncio.base_events.BaseEventLoop.create_task, '_coroutine_lens', False)
        self.assertEqual((wrapped, registry.creation_stacks._tool, errors), (False, None, []))


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
