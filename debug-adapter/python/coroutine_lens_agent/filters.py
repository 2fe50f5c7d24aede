"""Which code is the user's: classifies file names once and caches the answer.

"Library" is the standard library, site-packages and frozen/synthetic modules; "agent" is this
package. Agent frames are always hidden; library frames are skipped by just-my-code.
"""
import os
import sys

AGENT_DIR = os.path.dirname(os.path.abspath(__file__))


def _library_roots():
    # Not sysconfig.get_paths() (~7 M instructions to import at every start, programs seldom do):
    # its stdlib, platstdlib, purelib and platlib all lie in a prefix's lib/pythonX.Y (or
    # platlibdir/pythonX.Y; Windows: Lib) folder, or where `os` itself was loaded from. Not the
    # prefix's whole lib folder: a venv created in a project folder has the project's own `lib` there.
    roots = {os.path.dirname(os.__file__)}
    if os.name == 'nt':
        versions = ('Lib',)
    else:
        version = 'python%d.%d' % sys.version_info[:2]
        versions = tuple(os.path.join(lib, version + abi) for lib in {'lib', getattr(sys, 'platlibdir', 'lib')}
                         for abi in ('', 't'))  # 't': a free-threaded build's folders
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}:
        for folder in versions:
            roots.add(os.path.join(prefix, folder))
    for entry in sys.path:
        if entry and os.path.basename(entry.rstrip(os.sep)) in ('site-packages', 'dist-packages'):
            roots.add(entry)
    return tuple(sorted({os.path.normcase(os.path.realpath(r)) + os.sep for r in roots}))


_LIBRARY_ROOTS = _library_roots()
_normalized = {}
library_by_filename = {}  # filled by is_library; read directly on hot paths
_is_agent = {}


def normalize(filename):
    """A canonical absolute path for comparing file names (symlinks resolved, case folded)."""
    result = _normalized.get(filename)
    if result is None:
        result = os.path.normcase(os.path.realpath(filename)) if not filename.startswith('<') else filename
        _normalized[filename] = result
    return result


def is_agent(filename):
    result = _is_agent.get(filename)
    if result is None:
        result = normalize(filename).startswith(os.path.normcase(os.path.realpath(AGENT_DIR)) + os.sep)
        _is_agent[filename] = result
    return result


def is_library(filename):
    result = library_by_filename.get(filename)
    if result is None:
        if filename.startswith('<'):
            result = True
        else:
            path = normalize(filename)
            result = path.startswith(_LIBRARY_ROOTS) or is_agent(filename)
        library_by_filename[filename] = result
    return result
