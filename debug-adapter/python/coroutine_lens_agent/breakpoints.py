"""Line breakpoints: verification against the compiled file, conditions, hit counts, log messages."""
import re

from . import filters

_HIT_CONDITION = re.compile(r'^\s*(==|>=|<=|>|<|%)?\s*(\d+)\s*$')


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
    __slots__ = ('line', 'condition', 'hit_condition', 'log_message', 'hits', '_compiled', '_log_parts')

    def __init__(self, line, condition=None, hit_condition=None, log_message=None):
        self.line = line
        self.condition = condition or None
        self.hit_condition = hit_condition or None
        self.log_message = log_message or None
        self.hits = 0
        self._compiled = {}
        self._log_parts = None

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
        if self._log_parts is None:
            self._log_parts = split_log_message(self.log_message)
        written = []
        for kind, text in self._log_parts:
            if kind == 'text':
                written.append(text)
                continue
            try:  # the field as a one-field f-string: its !r / !s / !a, :format and = as Python does them
                quote = '"""' if "'''" in text else "'''"
                written.append(self._eval('f%s{%s}%s' % (quote, text, quote), frame))
            except BaseException as error:  # whatever the expression raises, even SystemExit
                written.append('<%s: %s>' % (type(error).__name__, error))
        return ''.join(written) + '\n'


def split_log_message(message):
    """A logpoint message as [('text', literal), ('field', what is between a field's braces)]:
    `{{` and `}}` are literal braces, a field ends at the `}` that closes it (brackets, strings and a
    format spec's nested fields are skipped). A `{` with no closing `}`, an empty field and a lone
    `}` stay literal text."""
    parts, text, index = [], [], 0
    while index < len(message):
        char = message[index]
        if char in '{}' and message.startswith(char * 2, index):
            text.append(char)
            index += 2
            continue
        end = _field_end(message, index + 1) if char == '{' else None
        if end is None or not message[index + 1:end].strip():
            text.append(char)
            index += 1
            continue
        if text:
            parts.append(('text', ''.join(text)))
            text = []
        parts.append(('field', message[index + 1:end]))
        index = end + 1
    if text:
        parts.append(('text', ''.join(text)))
    return parts


def _field_end(message, index):
    """The index of the `}` closing the field whose source starts at `index`, or None."""
    depth, quote, in_spec = 0, None, False
    while index < len(message):
        char = message[index]
        if quote:
            if char == '\\':
                index += 2
                continue
            if message.startswith(quote, index):
                index, quote = index + len(quote), None
                continue
        elif char in '\'"' and not in_spec:  # a format spec is text: its quotes are fill characters
            quote = message[index:index + 3] if message[index:index + 3] in ("'''", '"""') else char
            index += len(quote)
            continue
        elif char in '([{':
            depth += 1
        elif char in ')]}':
            if depth == 0:
                return index if char == '}' else None
            depth -= 1
        elif char == ':' and depth == 0:
            in_spec = True
        index += 1
    return None


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
