"""Line breakpoints: verification against the compiled file, conditions, hit counts, log messages."""
import re

from . import filters

_HIT_CONDITION = re.compile(r'^\s*(==|>=|<=|>|<|%)?\s*(\d+)\s*$')
_LOG_PART = re.compile(r'\{([^{}]+)\}')


def executable_lines(path):
    """Every line of `path` that holds code, from the compiled module and its nested code objects."""
    with open(path, 'rb') as source_file:
        source = source_file.read()
    lines = set()
    pending = [compile(source, path, 'exec', dont_inherit=True)]
    while pending:
        code = pending.pop()
        if hasattr(code, 'co_lines'):
            lines.update(line for _, _, line in code.co_lines() if line is not None)
        else:  # 3.9
            import dis
            lines.update(line for _, line in dis.findlinestarts(code))
        pending.extend(c for c in code.co_consts if hasattr(c, 'co_code'))
    return lines


class Breakpoint:
    __slots__ = ('line', 'condition', 'hit_condition', 'log_message', 'hits', '_compiled')

    def __init__(self, line, condition=None, hit_condition=None, log_message=None):
        self.line = line
        self.condition = condition or None
        self.hit_condition = hit_condition or None
        self.log_message = log_message or None
        self.hits = 0
        self._compiled = {}

    def _eval(self, expression, frame):
        code = self._compiled.get(expression)
        if code is None:
            code = self._compiled[expression] = compile(expression, '<breakpoint condition>', 'eval')
        return eval(code, frame.f_globals, frame.f_locals)

    def decide(self, frame):
        """('stop', None), ('log', text), ('error', text) or (None, None) for this hit in `frame`."""
        if self.condition:
            try:
                if not self._eval(self.condition, frame):
                    return None, None
            except BaseException as error:  # the user's condition failed (even by SystemExit): stop and say why
                return 'error', 'Breakpoint condition %r raised %s: %s' % (
                    self.condition, type(error).__name__, error)
        self.hits += 1
        if self.hit_condition and not hit_condition_met(self.hit_condition, self.hits):
            return None, None
        if self.log_message:
            return 'log', self._format_log(frame)
        return 'stop', None

    def _format_log(self, frame):
        def substitute(match):
            try:
                return str(self._eval(match.group(1), frame))
            except BaseException as error:  # whatever the expression raises, even SystemExit
                return '<%s: %s>' % (type(error).__name__, error)
        return _LOG_PART.sub(substitute, self.log_message) + '\n'


def hit_condition_met(condition, hits):
    match = _HIT_CONDITION.match(condition)
    if not match:
        return True  # reported as unverified when set; never silently swallows a stop
    operator, number = match.group(1) or '==', int(match.group(2))
    return {
        '==': hits == number, '>=': hits >= number, '<=': hits <= number,
        '>': hits > number, '<': hits < number, '%': number > 0 and hits % number == 0,
    }[operator]


class BreakpointTable:
    """Breakpoints by normalized path. Readers on hot paths use `lines_by_path` (path -> {line: bp})."""

    def __init__(self):
        self.lines_by_path = {}
        self.version = 0

    def set(self, path, specs):
        """Replaces the breakpoints of `path`; returns one BreakpointResult per spec."""
        normalized = filters.normalize(path)
        try:
            valid_lines = executable_lines(path)
            unreadable = None
        except (OSError, SyntaxError, ValueError) as error:
            valid_lines, unreadable = set(), '%s: %s' % (type(error).__name__, error)
        table, results = {}, []
        for spec in specs:
            line = spec.get('line')
            if not isinstance(line, int) or isinstance(line, bool) or line < 1:
                results.append({'verified': False, 'line': 0, 'message': 'line must be a positive integer'})
                continue
            if unreadable:
                results.append({'verified': False, 'line': line, 'message': unreadable})
                continue
            actual = min((n for n in valid_lines if n >= line), default=None)
            if actual is None:
                results.append({'verified': False, 'line': line, 'message': 'no code at or after this line'})
                continue
            hit_condition = spec.get('hitCondition')
            if hit_condition and not _HIT_CONDITION.match(hit_condition):
                results.append({'verified': False, 'line': line,
                                'message': 'hit condition must be N, ==N, >=N, >N, <=N, <N or %N'})
                continue
            condition = spec.get('condition')
            if condition:
                try:
                    compile(condition, '<breakpoint condition>', 'eval')
                except SyntaxError as error:
                    results.append({'verified': False, 'line': line, 'message': 'condition: %s' % error})
                    continue
            table[actual] = Breakpoint(actual, condition, hit_condition, spec.get('logMessage'))
            results.append({'verified': True, 'line': actual})
        if table:
            self.lines_by_path[normalized] = table
        else:
            self.lines_by_path.pop(normalized, None)
        self.version += 1
        return results

    def clear(self):
        self.lines_by_path = {}
        self.version += 1

    def for_filename(self, filename):
        """{line: Breakpoint} for a code object's co_filename, or None."""
        return self.lines_by_path.get(filters.normalize(filename)) if self.lines_by_path else None
