"""The agent's own modules keep their bytecode where Python is told to write none.

Under PYTHONDONTWRITEBYTECODE or -B (set on many CI images) every start compiled the agent's
modules again: ~200 M instructions, ~30 ms of CPU, before the program's first line. Here the
agent's package folder alone gets a loader that, when it had to compile one of its modules, writes
that module's bytecode next to it, in the package's own `__pycache__`, as a checked-hash .pyc
(validated against the source's hash at every import, so an edited or replaced module is never run
stale, whatever its file times say). The import system then reads it at the next start as usual.

Nothing the program can see changes: `sys.dont_write_bytecode`, `sys.flags` and
`sys.pycache_prefix` are left alone, and the program's own imports write nothing. Where the folder
cannot be written (a read-only extension folder) nothing is written and each start compiles, as
before. With `sys.pycache_prefix` set the cache would live outside the package: nothing is done.
"""
import marshal
import os
import sys
from importlib import machinery

_CHECKED_HASH_PYC = 0b11  # PEP 552 flags: hash-based, check the source


def keep_own_bytecode(package_path):
    """Give the package folders in `package_path` (the package's __path__) the caching loader, when
    Python itself would write no bytecode for them."""
    if not sys.dont_write_bytecode or sys.pycache_prefix is not None:
        return
    for folder in package_path:
        # Only a folder of sources: a zip, or a package shipped as bytecode alone, keeps the finder
        # the import system gave it (a finder for sources would not find its modules).
        if os.path.isfile(os.path.join(folder, '__init__.py')):
            sys.path_importer_cache[folder] = machinery.FileFinder(
                folder, (_CachingSourceLoader, machinery.SOURCE_SUFFIXES))


class _CachingSourceLoader(machinery.SourceFileLoader):
    """The standard source loader; compiling (which happens only when no valid .pyc was found)
    also writes the .pyc."""

    def source_to_code(self, data, path, *args, **kwargs):
        code = super().source_to_code(data, path, *args, **kwargs)
        if sys.dont_write_bytecode:  # else the import system writes it itself
            _write_checked_pyc(path, data, code)
        return code


def _write_checked_pyc(source_path, source, code):
    from importlib import util  # only when a module had to be compiled: ~1 M instructions a start else
    pyc = util.cache_from_source(source_path)
    folder = os.path.dirname(pyc)
    if os.path.dirname(folder) != os.path.dirname(source_path):  # a pycache_prefix set since
        return
    header = util.MAGIC_NUMBER + _CHECKED_HASH_PYC.to_bytes(4, 'little') + util.source_hash(source)
    # Written whole under a name of this process's own, then renamed over: another agent starting
    # at the same moment reads the old file, the new one or none, never half of one.
    partial = '%s.%d.tmp' % (pyc, os.getpid())
    try:
        try:
            os.mkdir(folder)
        except FileExistsError:
            pass
        with open(partial, 'xb') as out:
            out.write(header + marshal.dumps(code))
        os.replace(partial, pyc)
    except OSError:  # not writable: this start compiled, as every start will
        try:
            os.unlink(partial)
        except OSError:
            pass
