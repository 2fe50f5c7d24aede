"""Run a function right after a module is imported, without importing it ourselves (the agent must
not change what the program imports) and without leaving a trace on the module (its __loader__
and __spec__.loader are the real ones by the time its code runs)."""
import sys


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


class PostImportHooks:
    """A sys.meta_path finder that hands back the real spec with a loader that calls the hook."""

    def __init__(self, report_error):
        self._hooks = {}
        self._resolving = set()
        self._report_error = report_error

    def add(self, module_name, on_loaded):
        module = sys.modules.get(module_name)
        if module is not None:
            try:
                on_loaded(module)
            except Exception as error:
                self._report_error(error)
            return
        self._hooks[module_name] = on_loaded
        if self not in sys.meta_path:
            sys.meta_path.insert(0, self)

    def find_spec(self, name, path=None, target=None):
        on_loaded = self._hooks.get(name)
        if on_loaded is None or name in self._resolving:
            return None
        self._resolving.add(name)
        try:
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, 'find_spec'):
                    continue
                spec = finder.find_spec(name, path, target)
                if spec is not None:
                    break
            else:
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
