"""Walking coroutine chains and reading done-callbacks: the small object-level facts the tree,
the pseudo-threads and async stepping share."""
import functools
import gc
import sys
import types

MAX_CHAIN = 256
HELPER_TYPE_NAMES = frozenset(('async_generator_asend', 'async_generator_athrow', 'coroutine_wrapper',
                               'generator_wrapper'))

# What a chain is made of; it ends at any other object but a helper (a Future's iterator)
CHAIN_TYPES = frozenset((types.CoroutineType, types.GeneratorType, types.AsyncGeneratorType))


def asyncio_module():
    """asyncio if the program imported it; the agent never imports it on its own."""
    return sys.modules.get('asyncio')


def task_registries():
    """asyncio's own registries of the tasks that exist (done or not, any loop): the WeakSet of
    scheduled tasks (`_all_tasks` on 3.9-3.11, `_scheduled_tasks` on 3.12-3.13) and the set of eager
    tasks (3.12+, else empty). None where they are not known: 3.14 keeps native tasks in a list of
    its own."""
    tasks_module = sys.modules.get('asyncio.tasks')
    registry = getattr(tasks_module, '_scheduled_tasks', None)
    if registry is None:
        registry = getattr(tasks_module, '_all_tasks', None)
    if registry is None or sys.version_info >= (3, 14):
        return None
    return registry, getattr(tasks_module, '_eager_tasks', ())


def all_tasks(asyncio, loop):
    """asyncio.all_tasks(loop), read from asyncio's registries here instead of running its Python
    code on the agent's thread: on 3.12 and 3.13 sys.monitoring's LINE events, global while the
    debugger holds the program, call the tracer for every line of library code that runs (a line
    there may stop a program thread), and all_tasks runs a few per task — 100,000 tasks took ~0.44 s
    where this takes ~10 ms. (3.9-3.11 trace per thread, never the agent's, so there it only saves
    the Python-level walk.)"""
    registries = task_registries()
    references = getattr(registries[0], 'data', None) if registries is not None else None
    if not isinstance(references, set):  # not the WeakSet we know the inside of
        return asyncio.all_tasks(loop)
    # list() of a set runs no Python code: no other thread can change it meanwhile.
    candidates = [reference() for reference in list(references)]
    candidates.extend(list(registries[1]))
    return {task for task in candidates if task is not None and task.get_loop() is loop and not task.done()}


def is_runner(obj):
    return type(obj).__name__ == 'Runner' and hasattr(obj, 'result_future')


def node_id(obj):
    return ('g%x' if is_runner(obj) else 't%x') % id(obj)


def unwrap_helper(obj):
    """async_generator_asend/athrow and coroutine wrappers expose nothing; their referents hold
    the next link of the chain."""
    if type(obj).__name__ in HELPER_TYPE_NAMES:
        for referent in gc.get_referents(obj):
            if type(referent) in CHAIN_TYPES:
                return referent
    return None


def coroutine_chain(coro, ends=None):
    """Frames of a suspended coroutine / generator chain, outermost first. The type of what ends
    it, when that is no coroutine, generator nor helper (a Future's iterator, a custom awaitable's
    iterator), joins the set `ends` if one is given: the tree's quick read of the usual chains
    (tree.py, _collect_tasks) stops at those types without this walk."""
    frames = []
    obj = coro
    coroutine, generator, async_generator = types.CoroutineType, types.GeneratorType, types.AsyncGeneratorType
    while obj is not None:
        kind = type(obj)
        if kind is coroutine:
            frame, obj = obj.cr_frame, obj.cr_await
        elif kind is generator:
            frame, obj = obj.gi_frame, obj.gi_yieldfrom
        elif kind is async_generator:
            frame, obj = obj.ag_frame, obj.ag_await
        elif kind.__name__ in HELPER_TYPE_NAMES:
            obj = unwrap_helper(obj)
            continue
        else:
            if ends is not None:
                ends.add(kind)
            break
        if frame is None or len(frames) >= MAX_CHAIN:
            break
        frames.append(frame)
    return frames


def callback_targets(callback):
    """(function name, objects it is bound to or closes over) for a done-callback."""
    targets = []
    if isinstance(callback, functools.partial):
        targets.extend(callback.args)
        callback = callback.func
    owner = getattr(callback, '__self__', None)
    if owner is not None and not isinstance(owner, types.ModuleType):
        targets.append(owner)
    for cell in getattr(callback, '__closure__', None) or ():
        try:
            targets.append(cell.cell_contents)
        except ValueError:  # an empty cell
            pass
    return getattr(callback, '__name__', ''), targets
