"""The agent: one debugging session over one connection, the request handlers, and the hooks it
puts into the process. Speaks only agentProtocol; knows nothing of DAP."""
import _thread
import os
import sys
import threading
import traceback

from . import filters, fork_support, protocol, tasks, tree
from .debugger import Debugger, Step
from .hooks import PostImportHooks
from .loops import LoopRegistry
from .threads import ThreadRegistry
from .tornado_support import RunnerRegistry
from .tree_changes import TreeChangeWatcher
from .watchdog import Watchdog

DEFAULT_OPTIONS = {'justMyCode': True, 'showTasksAsThreads': True, 'taskThreadLimit': 256,
                   'blockedLoopThresholdMs': 100, 'stopOnEntry': False}
CAPABILITIES = ['breakpoints', 'conditionalBreakpoints', 'hitConditionalBreakpoints', 'logPoints',
                'exceptionBreakpoints', 'pause', 'stepping', 'asyncStepping', 'evaluate', 'setVariable',
                'exceptionInfo', 'coroutineTree', 'cancelTask', 'taskCreationStack', 'tasksAsThreads',
                'blockedLoop', 'setTaskCreationStacks']
CREATION_STACKS_OFF = 'task creation stacks are off: a task created while they are off has no record'
MAX_ERROR_REPORTS = 50
EXIT_THREAD_WAIT_S = 1.0  # each stopped agent thread normally ends within milliseconds


def _new_tracer(debugger, report_error, loops):
    if sys.version_info >= (3, 12):
        from .tracer_monitoring import MonitoringTracer
        return MonitoringTracer(debugger, report_error, loops)
    from .tracer_settrace import SettraceTracer
    return SettraceTracer(debugger, report_error, loops)


class Agent:
    def __init__(self, mode, task_creation_stacks=False):
        self.mode = mode  # 'launch': the adapter started us; 'listen': an adapter attaches
        self.conn = None
        self.listener = None
        self.options = dict(DEFAULT_OPTIONS)
        self._errors_reported = 0
        self.threads = ThreadRegistry()
        self.threads.report_lifecycle(self.send_event, self.report_error)
        self.loops = LoopRegistry(self.report_error)
        self.runners = RunnerRegistry(self.report_error)
        self.debugger = Debugger(self.send_event, self.threads, self.loops)
        self.tracer = _new_tracer(self.debugger, self.report_error, self.loops)
        self.debugger.tracer = self.tracer
        self.watchdog = Watchdog(self.loops, self.threads, self.debugger, self.send_event, self.report_error,
                                 self.start_thread)
        self.tree_changes = TreeChangeWatcher(self.loops, self.debugger, self.send_event, self.report_error,
                                              self.start_thread)
        self.pseudo_threads = tasks.PseudoThreads()
        self._pause_snapshot = None  # while paused: the tree capture threads and coroutineTree share
        self._task_threads = []  # the pseudo-threads of that capture
        self._configured = threading.Event()
        self._tracing = False
        self._exiting = False
        self._session_ended = None
        # What must happen only once the response is on the wire: resuming or starting the program
        # may end the process at once (os._exit), and the adapter must still get its answer.
        self._after_response = None
        # Whether task creations are recorded when no session says otherwise (the command line).
        self._task_creation_stacks_at_start = task_creation_stacks
        asyncio_was_imported = 'asyncio.events' in sys.modules
        self.hooks = PostImportHooks(self.report_error, self.start_thread)
        self.hooks.add('asyncio.events', self.loops.patch_asyncio)
        self._set_task_creation_stacks(task_creation_stacks)
        self.hooks.add('tornado.gen', self.runners.patch_tornado)
        self.hooks.add('tornado.locks', self.runners.patch_primitives)
        self.hooks.add('tornado.queues', self.runners.patch_primitives)
        self.loops.needs_gc_scan = asyncio_was_imported
        if hasattr(os, 'register_at_fork'):
            os.register_at_fork(after_in_child=self._after_fork_in_child)
        fork_support.patch_fork()

    # --- plumbing ----------------------------------------------------------------------------------

    def start_thread(self, target, *args):
        """Agent threads are raw threads: absent from threading.enumerate(), never traced, never joined
        by Python. Returns an event set when the thread's work has ended (see `on_exit`)."""
        ended = threading.Event()

        def run():
            self.threads.agent_idents.add(_thread.get_ident())
            try:
                target(*args)
            except Exception as error:
                self.report_error(error)
            finally:
                ended.set()
        _thread.start_new_thread(run, ())
        return ended

    def send_event(self, name, body):
        conn = self.conn
        if conn is not None:
            conn.send(protocol.event(name, body))

    def report_error(self, error):
        """The agent's own failure: told to the adapter, never raised into the program."""
        self._errors_reported += 1
        if self._errors_reported > MAX_ERROR_REPORTS:
            return
        text = ''.join(traceback.format_exception(type(error), error, error.__traceback__))
        self.send_event('agentError', {'message': '%s: %s' % (type(error).__name__, error), 'traceback': text})

    def serve_in_background(self, conn):
        self._session_ended = self.start_thread(self._serve, conn)

    def listen_in_background(self, listener):
        self.listener = listener
        self.start_thread(listener.serve_forever, self._serve, self.start_thread)

    def wait_until_configured(self):
        self._configured.wait()

    def _serve(self, conn):
        self.conn = conn
        terminate = self.mode == 'launch'
        try:
            while True:
                try:
                    message = conn.read()
                except protocol.ProtocolError as error:
                    conn.send(protocol.event('agentError', {'message': 'bad message: %s' % error}))
                    continue
                except OSError:
                    message = None
                if message is None:
                    break
                if message['type'] != 'request':
                    continue
                if message['command'] == 'disconnect':
                    terminate = bool(message['arguments'].get('terminate')) and self.mode == 'launch'
                    if self.listener is not None:
                        self.listener.session_ending()
                    conn.send(protocol.response(message['seq']))
                    break
                self._dispatch(conn, message)
        finally:
            self._end_session(conn, terminate)

    def _dispatch(self, conn, message):
        handler = getattr(self, '_on_' + message['command'], None)
        try:
            body = handler(message['arguments'])
        except BaseException as error:  # evaluate runs the user's code: SystemExit, KeyboardInterrupt too
            conn.send(protocol.response(message['seq'], error='%s: %s' % (type(error).__name__, error)))
        else:
            conn.send(protocol.response(message['seq'], body))
        # Also after a failure: an evaluate that raised may still have changed the program.
        after, self._after_response = self._after_response, None
        if after is not None:
            after()

    def _end_session(self, conn, terminate):
        if self._exiting:  # the program is ending on its own; its exit code must stand
            return
        if terminate:
            conn.close()
            os._exit(143)  # what a SIGTERM would leave: the launched program ends with its debug session
        self.conn = None
        self.watchdog.stop()
        self.tree_changes.stop()
        self._forget_tree()  # it holds the garbage collector off
        self.debugger.detach()
        self._stop_tracing()
        try:  # a session's setTaskCreationStacks ends with it: the program runs on as it was started
            self._set_task_creation_stacks(self._task_creation_stacks_at_start)
        except Exception as error:  # the agent's own failure, never the program's (told to no one now)
            self.report_error(error)
        conn.close()
        self._configured.set()  # a program waiting for a client that vanished runs on

    def _stop_tracing(self):
        if self._tracing:
            self._tracing = False
            self.tracer.uninstall()

    def _after_fork_in_child(self):
        """The child of a fork runs free: only the forking thread survives, and the link is the parent's."""
        conn, self.conn = self.conn, None
        if conn is not None:
            conn.abandon()
        self.debugger.reset_after_fork()
        self.threads.reset_after_fork()
        self.watchdog.reset_after_fork()
        self.tree_changes.reset_after_fork()
        self.loops.reset_after_fork()
        tree.reset_after_fork()
        try:
            self._stop_tracing()
        except Exception:
            pass

    # --- program lifecycle (called by the launcher) ------------------------------------------------

    def before_program(self):
        if self.options['stopOnEntry'] and self.conn is not None:
            step = Step('in', threading.main_thread().ident, None)
            step.reason = 'entry'
            self.debugger.step, self.debugger.busy = step, True
            self.tracer.refresh()
        self.tracer.trace_current_thread()  # settrace reaches only the calling thread: the main one
        if self.mode == 'listen' and self.conn is None:
            self.tracer.prepare_dormant()
        original_hook = threading.excepthook
        agent = self

        def excepthook(args):
            agent.on_uncaught(args.exc_value)
            original_hook(args)
        threading.excepthook = excepthook

    def on_uncaught(self, error):
        try:
            self.debugger.on_uncaught(error)
        except Exception as failure:
            self.report_error(failure)

    def on_exit(self, exit_code):
        self._exiting = True
        conn = self.conn
        self.watchdog.stop()
        self.tree_changes.stop()
        if conn is not None:
            self.send_event('exited', {'exitCode': exit_code})
            self.debugger.shutdown()
            self._stop_tracing()
            conn.close()
        # The threads just told to stop are raw threads that Python does not wait for: one still
        # waking (from the closed socket, from its stop) while the interpreter finalises can crash
        # the process (SIGSEGV after a clean exit, seen on 3.10 under load). Let them end first.
        for ended in (self.watchdog.ended, self.tree_changes.ended, self._session_ended if conn else None):
            if ended is not None:
                ended.wait(EXIT_THREAD_WAIT_S)

    # --- requests -------------------------------------------------------------------------------

    def _on_initialize(self, args):
        self.options.update({k: args[k] for k in DEFAULT_OPTIONS if k in args})
        self.debugger.just_my_code = bool(self.options['justMyCode'])
        return {'capabilities': list(CAPABILITIES)}

    def _on_setBreakpoints(self, args):
        results = self.debugger.breakpoints.set(args['path'], args['breakpoints'])
        self.tracer.refresh()
        return {'breakpoints': results}

    def _on_setExceptionBreakpoints(self, args):
        unknown = [f for f in args['filters'] if f not in ('raised', 'uncaught')]
        if unknown:
            raise ValueError('unknown exception filters: %s' % ', '.join(map(str, unknown)))
        self.debugger.exception_filters = frozenset(args['filters'])
        self.tracer.refresh()
        return {}

    def _on_configurationDone(self, args):
        if not self._tracing:
            self.tracer.install()
            self._tracing = True
        self.watchdog.start(self.options['blockedLoopThresholdMs'])
        self.tree_changes.start()
        self._after_response = self._configured.set
        return {}

    def _on_threads(self, args):
        result = [{'id': tid, 'name': name} for tid, _, name in self.threads.user_threads()]
        if self.debugger.suspended and self.options['showTasksAsThreads']:
            snapshot = self._paused_tree()
            for entry in self._task_threads:
                obj = self.pseudo_threads.object_of(entry['id'])
                if obj is not None:
                    entry['task'] = tasks.details(obj, snapshot.awaiting(obj))
            result.extend(self._task_threads)
        return {'threads': result}

    def _paused_tree(self):
        """While paused, one tree capture serves `threads` (the pseudo-threads, what each awaits) and
        every `coroutineTree`, with the pseudo-thread ids in it; dropped when the program may change."""
        snapshot = self._pause_snapshot
        if snapshot is None:
            snapshot = tree.take(self.loops, self.runners, self.threads, self.debugger)
            try:
                if self.options['showTasksAsThreads']:
                    self._task_threads = self.pseudo_threads.list(snapshot, self.options['taskThreadLimit'])
                    snapshot.thread_ids = self.pseudo_threads.thread_ids_by_node()
            except BaseException:
                snapshot.release()
                raise
            self._pause_snapshot = snapshot
        return snapshot

    def _then_forget_tree(self, action=None):
        """For _after_response: `action`, then drop the pause's tree capture (the program may change
        now; freeing 100,000 nodes takes ~0.1 s, once the answer is on its way)."""
        def after():
            try:
                if action is not None:
                    action()
            finally:
                self._forget_tree()
        return after

    def _forget_tree(self):
        snapshot, self._pause_snapshot = self._pause_snapshot, None
        if snapshot is not None:
            snapshot.release()

    def _frames_of(self, thread_id):
        """[(frame, line)] innermost first for a real thread or a task's pseudo-thread."""
        stack = self.pseudo_threads.stack(thread_id)
        if stack is not None:
            return stack
        ident = self.threads.ident_of(thread_id)
        if ident is None or ident in self.threads.agent_idents:
            raise LookupError('no thread %d' % thread_id)
        return self.debugger.stack_of(ident)

    def _on_stackTrace(self, args):
        stack = self._frames_of(args['threadId'])
        start = args.get('startFrame') or 0
        levels = args.get('levels') or len(stack)
        frames = []
        jmc = self.debugger.just_my_code
        for frame, line in stack[start:start + levels]:
            code = frame.f_code
            entry = {'id': self.debugger.variables.frames.add((frame, line)), 'name': code.co_name,
                     'path': code.co_filename, 'line': line, 'column': 1}
            if jmc and filters.is_library(code.co_filename):
                entry['presentationHint'] = 'subtle'
            frames.append(entry)
        return {'stackFrames': frames, 'totalFrames': len(stack)}

    def _on_scopes(self, args):
        return {'scopes': self.debugger.variables.scopes(args['frameId'])}

    def _on_variables(self, args):
        return {'variables': self.debugger.variables.variables(
            args['variablesReference'], args.get('start'), args.get('count'))}

    def _on_evaluate(self, args):
        self._forget_tree()  # the expression may change the program, or look at its collector
        frame_id = args.get('frameId')
        frame = self.debugger.variables.frame(frame_id) if frame_id else None
        main = sys.modules.get('__main__')
        return self.debugger.variables.evaluate(args['expression'], frame, getattr(main, '__dict__', {}),
                                                args.get('context'))

    def _on_setVariable(self, args):
        self._forget_tree()
        return self.debugger.variables.set_variable(args['variablesReference'], args['name'], args['value'])

    def _on_continue(self, args):
        self._after_response = self._then_forget_tree(self.debugger.resume)
        return {}

    def _step(self, kind, args):
        coroutine_frame = self.pseudo_threads.step_frame(args['threadId'])
        if coroutine_frame is not None:  # a suspended task: stop at its next line when it resumes
            step = Step('over', None, coroutine_frame)
        else:
            step = self.debugger.step_for(kind, args['threadId'])
        self._after_response = self._then_forget_tree(lambda: self.debugger.resume_with(step))
        return {}

    def _on_next(self, args):
        return self._step('over', args)

    def _on_stepIn(self, args):
        return self._step('in', args)

    def _on_stepOut(self, args):
        return self._step('out', args)

    def _on_pause(self, args):
        self.debugger.pause()
        return {}

    def _on_exceptionInfo(self, args):
        ident = self.threads.ident_of(args['threadId'])
        return self.debugger.exception_info(ident)

    def _on_coroutineTree(self, args):
        max_tasks = args.get('maxTasks')
        if max_tasks is not None and (type(max_tasks) is not int or max_tasks < 0):
            raise ValueError('maxTasks must be a whole number >= 0, not %r' % (max_tasks,))
        if self.debugger.suspended:
            return protocol.RawJSON(self._paused_tree().json(max_tasks))
        snapshot = tree.take(self.loops, self.runners, self.threads, self.debugger)
        try:  # the program runs: the collector must be back before the answer is even written
            return protocol.RawJSON(snapshot.json(max_tasks))
        finally:
            snapshot.release()

    def _on_cancelTask(self, args):
        self._after_response = self._then_forget_tree()
        return {'cancelled': tasks.cancel(self.loops, self.runners, args['taskId'])}

    def _on_taskCreationStack(self, args):
        return {'frames': tasks.creation_stack(self.loops, self.runners, args['taskId'])}

    def _on_setTaskCreationStacks(self, args):
        self._set_task_creation_stacks(args['enabled'])  # a boolean: protocol.py checked it
        return {}

    def _set_task_creation_stacks(self, enabled):
        """Record where each asyncio task is created from now on, or stop (records made so far stay).
        Off, create_task is asyncio's own again and costs nothing more per task; the tree and
        taskCreationStack say why a task has no record."""
        if enabled:
            self.loops.creation_stacks.off_reason = None
            self.hooks.add('asyncio.base_events', self.loops.patch_base_events)  # now, or once imported
        else:
            self.loops.stop_creation_stacks(CREATION_STACKS_OFF)

