"""Import-time hooks, as sys.meta_path finders that find nothing themselves: run a function right
after a module is imported (PostImportHooks), or before the module of a given file runs
(ImportWatcher). The agent never imports a module for them (it must not change what the program
imports) and leaves no trace on the module (its __loader__ and __spec__.loader are the real ones)."""
import sys
import threading

import _frozen_importlib  # importlib's core, loaded before any program runs: importing it changes nothing

from . import filters


class _HookedLoader:
    def __init__(self, loader, on_loaded, report_error):
        self._loader = loader
        self._on_loaded = on_loaded
        self._report_error = report_error

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        spec = module.__spec__
        spec.loader = module.__loader__ = self._loader
        self._loader.exec_module(module)
        try:
            self._on_loaded(module)
        except Exception as error:  # a failed hook costs a feature, never the import
            self._report_error(error)


def _being_imported(module):
    """Whether importlib is still running the module's body (it sets this around exec_module)."""
    return getattr(getattr(module, '__spec__', None), '_initializing', False) is True


def _spec_from_others(finder, name, path, target):
    """The spec the finders after `finder` give for `name`, or None."""
    for other in sys.meta_path:
        if other is finder or not hasattr(other, 'find_spec'):
            continue
        spec = other.find_spec(name, path, target)
        if spec is not None:
            return spec
    return None


class PostImportHooks:
    """A sys.meta_path finder that hands back the real spec with a loader that calls the hook."""

    def __init__(self, report_error, start_thread):
        self._hooks = {}
        self._resolving = set()
        self._report_error = report_error
        self._start_thread = start_thread

    def add(self, module_name, on_loaded):
        module = sys.modules.get(module_name)
        if module is not None and _being_imported(module):
            # Another thread is running the module's body (a session turned recording on while the
            # program imports asyncio): what it has defined so far is of no use, and the finder's
            # moment is gone. Its import holds the module's import lock until it ends.
            self._start_thread(self._add_after_import, module_name, on_loaded)
            return
        if module is not None:
            try:
                on_loaded(module)
            except Exception as error:
                self._report_error(error)
            return
        self._hooks[module_name] = on_loaded
        if self not in sys.meta_path:
            sys.meta_path.insert(0, self)

    def _add_after_import(self, module_name, on_loaded):
        with _frozen_importlib._ModuleLockManager(module_name):
            pass
        self.add(module_name, on_loaded)  # imported: runs now; the import failed: at the next one

    def find_spec(self, name, path=None, target=None):
        on_loaded = self._hooks.get(name)
        if on_loaded is None or name in self._resolving:
            return None
        self._resolving.add(name)
        try:
            spec = _spec_from_others(self, name, path, target)
            if spec is None:
                return None
        finally:
            self._resolving.discard(name)
        if spec.loader is None or not hasattr(spec.loader, 'exec_module'):
            return spec
        del self._hooks[name]
        if not self._hooks:
            self.remove()
        spec.loader = _HookedLoader(spec.loader, on_loaded, self._report_error)
        return spec

    def remove(self):
        try:
            sys.meta_path.remove(self)
        except ValueError:
            pass


class ImportWatcher:
    """Calls on_loading(file) in the importing thread when a module whose file is among the watched
    ones is about to be imported. In sys.meta_path only while it watches: each import then asks the
    other finders once more (through this one), a cost paid only while a file is awaited."""

    def __init__(self, on_loading, report_error):
        self._on_loading = on_loading
        self._report_error = report_error
        self._paths = frozenset()
        self._resolving = threading.local()

    def watch(self, paths):
        """Watch these normalized file paths from now on (nothing: stop watching)."""
        self._paths = frozenset(paths)
        if self._paths and self not in sys.meta_path:
            sys.meta_path.insert(0, self)
        elif not self._paths and self in sys.meta_path:
            sys.meta_path.remove(self)

    def find_spec(self, name, path=None, target=None):
        resolving = self._resolving.__dict__.setdefault('names', set())
        if not self._paths or name in resolving:
            return None
        resolving.add(name)
        try:
            spec = _spec_from_others(self, name, path, target)
        finally:
            resolving.discard(name)
        origin = getattr(spec, 'origin', None)
        try:
            if isinstance(origin, str) and filters.normalize(origin) in self._paths:
                self._on_loading(origin)
        except Exception as error:  # the watcher costs a feature, never the import
            self._report_error(error)
        return spec
