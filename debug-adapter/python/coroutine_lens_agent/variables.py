"""Frames and values handed to the adapter by number: scopes, lazy children with paging, bounded
repr, evaluate and set. Numbers are valid until the program resumes."""
import itertools
import reprlib
import sys

MAX_VALUE_CHARS = 1000
_SIMPLE_TYPES = (int, float, complex, bool, str, bytes, bytearray, type(None), type(Ellipsis))
_INDEXED_TYPES = (list, tuple, range)
_UNORDERED_TYPES = (set, frozenset)

_repr = reprlib.Repr()
_repr.maxlevel = 3
_repr.maxstring = 200
_repr.maxother = 200
_repr.maxlist = _repr.maxtuple = _repr.maxset = _repr.maxfrozenset = _repr.maxdeque = 20
_repr.maxdict = 20


def safe_repr(value):
    """repr bounded in size that never raises (a failing __repr__ is shown, not propagated)."""
    try:
        text = _repr.repr(value)
    except BaseException as error:  # the program's __repr__ may raise anything, even SystemExit
        text = '<repr failed: %s: %s>' % (type(error).__name__, error)
    if len(text) > MAX_VALUE_CHARS:
        text = text[:MAX_VALUE_CHARS - 3] + '...'
    return text


def type_name(value):
    kind = type(value)
    module = getattr(kind, '__module__', None)
    return kind.__qualname__ if module in (None, 'builtins') else '%s.%s' % (module, kind.__qualname__)


def _has_children(value):
    if isinstance(value, _SIMPLE_TYPES):
        return False
    if isinstance(value, (dict,) + _INDEXED_TYPES + _UNORDERED_TYPES):
        return len(value) > 0
    return bool(getattr(value, '__dict__', None)) or bool(getattr(type(value), '__slots__', None))


def _write_back_locals(frame):
    """Before 3.13, f_locals is a snapshot: copy edits back into the fast locals of `frame`."""
    if sys.version_info >= (3, 13):
        return
    import ctypes
    ctypes.pythonapi.PyFrame_LocalsToFast(ctypes.py_object(frame), ctypes.c_int(0))


class Handles:
    """Numbers for frames and containers; cleared when the program resumes."""

    def __init__(self):
        self._items = {}
        self._next = 1

    def add(self, item):
        number = self._next
        self._next += 1
        self._items[number] = item
        return number

    def get(self, number):
        item = self._items.get(number)
        if item is None:
            raise LookupError('reference %d is not valid (the program has resumed since)' % number)
        return item

    def clear(self):
        self._items.clear()


class Variables:
    """Scopes and children of one paused state. Items: ('locals'|'globals', frame) or ('value', obj)."""

    def __init__(self):
        self.frames = Handles()
        self.containers = Handles()

    def clear(self):
        self.frames.clear()
        self.containers.clear()

    def frame(self, frame_id):
        return self.frames.get(frame_id)[0]

    def scopes(self, frame_id):
        frame = self.frame(frame_id)
        return [
            {'name': 'Locals', 'variablesReference': self.containers.add(('locals', frame)), 'expensive': False},
            {'name': 'Globals', 'variablesReference': self.containers.add(('globals', frame)), 'expensive': True},
        ]

    def describe(self, name, value):
        variable = {'name': name, 'value': safe_repr(value), 'type': type_name(value), 'variablesReference': 0}
        try:
            if _has_children(value):
                counts = {}
                if isinstance(value, (dict,) + _INDEXED_TYPES + _UNORDERED_TYPES):
                    # indexed, also for dicts and sets: clients page only indexed children (VS Code
                    # would ask for a dict's named ones all at once, millions of them)
                    counts['indexedVariables'] = len(value)
                variable['variablesReference'] = self.containers.add(('value', value))
                variable.update(counts)
        except BaseException:  # a raising __class__ (isinstance reads it), __dict__ or __len__: shown without children
            pass
        return variable

    def _children(self, item, begin, end):
        """[(name, value)] of a container from `begin` to `end` (None: to its end), in display order.
        A page of a container with millions of items costs the page: the items before it are
        skipped in C, and only the page's keys are repr'd."""
        kind, target = item
        if kind == 'locals':
            return list(target.f_locals.items())[begin:end]
        if kind == 'globals':
            return [(k, v) for k, v in target.f_globals.items() if k != '__builtins__'][begin:end]
        if isinstance(target, dict):
            return [(safe_repr(k), v) for k, v in list(itertools.islice(target.items(), begin, end))]
        if isinstance(target, _INDEXED_TYPES + _UNORDERED_TYPES):
            return [(str(i), v) for i, v in enumerate(list(itertools.islice(target, begin, end)), begin)]
        children = []
        for slot in getattr(type(target), '__slots__', ()) or ():
            if isinstance(slot, str) and hasattr(target, slot):
                children.append((slot, getattr(target, slot)))
        children.extend(sorted((getattr(target, '__dict__', None) or {}).items()))
        return children[begin:end]

    def variables(self, reference, start=None, count=None):
        begin = start or 0
        end = begin + count if count else None
        return [self.describe(str(name), value)
                for name, value in self._children(self.containers.get(reference), begin, end)]

    def evaluate(self, expression, frame, main_globals, context):
        global_ns = frame.f_globals if frame is not None else main_globals
        local_ns = frame.f_locals if frame is not None else global_ns
        try:
            code = compile(expression, '<evaluate>', 'eval')
        except SyntaxError:
            if context != 'repl':
                raise
            exec(compile(expression, '<evaluate>', 'exec'), global_ns, local_ns)
            if frame is not None:
                _write_back_locals(frame)
            return {'result': '', 'type': '', 'variablesReference': 0}
        value = eval(code, global_ns, local_ns)
        described = self.describe('', value)
        return {'result': described['value'], 'type': described['type'],
                'variablesReference': described['variablesReference']}

    def set_variable(self, reference, name, text):
        kind, target = self.containers.get(reference)
        if kind in ('locals', 'globals'):
            value = eval(text, target.f_globals, target.f_locals)
            if kind == 'locals':
                target.f_locals[name] = value
                _write_back_locals(target)
            else:
                target.f_globals[name] = value
        else:
            value = eval(text, {})
            if isinstance(target, dict):
                keys = [k for k in list(target) if safe_repr(k) == name]
                if not keys:
                    raise KeyError(name)
                target[keys[0]] = value
            elif isinstance(target, list):
                target[int(name)] = value
            elif isinstance(target, (tuple, set, frozenset, range)):
                raise TypeError('%s items cannot be changed' % type(target).__name__)
            else:
                setattr(target, name, value)
        described = self.describe(name, value)
        return {'value': described['value'], 'type': described['type'],
                'variablesReference': described['variablesReference']}
