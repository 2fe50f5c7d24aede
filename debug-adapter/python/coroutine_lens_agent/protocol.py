"""The agent side of the wire protocol; mirrors debug-adapter/src/agentProtocol.ts and
debug-adapter/src/agentProtocolSchema.ts (the TypeScript file is the source of truth).

One JSON object per line over TCP on 127.0.0.1. The golden messages in test/fixtures/protocol/ are
checked against these tables by the Python tier and against the TypeScript tables by the unit tier,
so the two sides cannot drift apart silently.
"""
import json

PROTOCOL_VERSION = 1
TOKEN_ENV = 'COROUTINE_LENS_TOKEN'

# Field type tags, as in agentProtocolSchema.ts.
STRING, NUMBER, BOOLEAN, ARRAY, OBJECT = 'string', 'number', 'boolean', 'array', 'object'

HELLO_FIELDS = {'protocolVersion': NUMBER, 'role': STRING}

# command -> (required argument fields, required response body fields)
REQUESTS = {
    'initialize': (
        {'justMyCode': BOOLEAN, 'showTasksAsThreads': BOOLEAN, 'taskThreadLimit': NUMBER,
         'blockedLoopThresholdMs': NUMBER, 'stopOnEntry': BOOLEAN},
        {'capabilities': ARRAY}),
    'setBreakpoints': ({'path': STRING, 'breakpoints': ARRAY}, {'breakpoints': ARRAY}),
    'setExceptionBreakpoints': ({'filters': ARRAY}, {}),
    'configurationDone': ({}, {}),
    'threads': ({}, {'threads': ARRAY}),
    'stackTrace': ({'threadId': NUMBER}, {'stackFrames': ARRAY, 'totalFrames': NUMBER}),
    'scopes': ({'frameId': NUMBER}, {'scopes': ARRAY}),
    'variables': ({'variablesReference': NUMBER}, {'variables': ARRAY}),
    'evaluate': ({'expression': STRING}, {'result': STRING, 'type': STRING, 'variablesReference': NUMBER}),
    'setVariable': ({'variablesReference': NUMBER, 'name': STRING, 'value': STRING},
                    {'value': STRING, 'type': STRING, 'variablesReference': NUMBER}),
    'continue': ({}, {}),
    'next': ({'threadId': NUMBER}, {}),
    'stepIn': ({'threadId': NUMBER}, {}),
    'stepOut': ({'threadId': NUMBER}, {}),
    'pause': ({}, {}),
    'exceptionInfo': ({'threadId': NUMBER},
                      {'exceptionId': STRING, 'description': STRING, 'breakMode': STRING, 'stackTrace': STRING}),
    'coroutineTree': ({}, {'capturedAt': NUMBER, 'loops': ARRAY, 'strings': ARRAY, 'frames': ARRAY,
                           'shapes': ARRAY}),
    'cancelTask': ({'taskId': STRING}, {'cancelled': BOOLEAN}),
    'taskCreationStack': ({'taskId': STRING}, {'frames': ARRAY}),
    'setTaskCreationStacks': ({'enabled': BOOLEAN}, {}),
    'disconnect': ({'terminate': BOOLEAN}, {}),
}

# event -> required body fields
EVENTS = {
    'stopped': {'reason': STRING, 'threadId': NUMBER},
    'thread': {'reason': STRING, 'threadId': NUMBER},
    'output': {'category': STRING, 'output': STRING},
    'blockedLoop': {'threadId': NUMBER, 'durationMs': NUMBER, 'finished': BOOLEAN, 'frames': ARRAY},
    'coroutineTreeChanged': {},
    'agentError': {'message': STRING},
    'exited': {'exitCode': NUMBER},
}

_PY_TYPES = {
    STRING: (str,),
    NUMBER: (int, float),
    BOOLEAN: (bool,),
    ARRAY: (list,),
    OBJECT: (dict,),
}


class ProtocolError(Exception):
    """A message that does not follow the protocol; the text says what is wrong."""


def check_fields(where, value, required):
    """Raises ProtocolError unless `value` is an object holding every required field with its type."""
    if not isinstance(value, dict):
        raise ProtocolError('%s must be an object' % where)
    for field, tag in required.items():
        if field not in value:
            raise ProtocolError('%s lacks required field %r' % (where, field))
        item = value[field]
        # bool is an int in Python; a number field must not accept true/false.
        if not isinstance(item, _PY_TYPES[tag]) or (tag == NUMBER and isinstance(item, bool)):
            raise ProtocolError('%s field %r must be a %s' % (where, field, tag))


def validate_message(message):
    """Checks the envelope and, for known commands and events, the required fields."""
    check_fields('message', message, {'type': STRING})
    kind = message['type']
    if kind == 'hello':
        check_fields('hello', message, HELLO_FIELDS)
    elif kind == 'request':
        check_fields('request', message, {'seq': NUMBER, 'command': STRING, 'arguments': OBJECT})
        spec = REQUESTS.get(message['command'])
        if spec is None:
            raise ProtocolError('unknown command %r' % message['command'])
        check_fields('%s arguments' % message['command'], message['arguments'], spec[0])
    elif kind == 'response':
        check_fields('response', message, {'requestSeq': NUMBER, 'success': BOOLEAN})
    elif kind == 'event':
        check_fields('event', message, {'event': STRING, 'body': OBJECT})
        required = EVENTS.get(message['event'])
        if required is None:
            raise ProtocolError('unknown event %r' % message['event'])
        check_fields('%s event body' % message['event'], message['body'], required)
    else:
        raise ProtocolError('unknown message type %r' % kind)


class RawJSON(str):
    """A response body already written as JSON text (the coroutine tree writes its own, for speed)."""


def encode(message):
    """One line of UTF-8 JSON; json escapes newlines inside strings, so the framing holds."""
    body = message.get('body')
    if isinstance(body, RawJSON):
        head = json.dumps({k: v for k, v in message.items() if k != 'body'}, separators=(',', ':'))
        return (head[:-1] + ',"body":' + body + '}\n').encode('utf-8')
    return (json.dumps(message, separators=(',', ':'), ensure_ascii=False, default=repr) + '\n').encode('utf-8')


def decode(line):
    try:
        message = json.loads(line.decode('utf-8'))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:  # RecursionError: JSON nested too deep
        raise ProtocolError('not a JSON line: %s' % error)
    validate_message(message)
    return message


def hello(role, token=None, **extra):
    message = {'type': 'hello', 'protocolVersion': PROTOCOL_VERSION, 'role': role}
    if token is not None:
        message['token'] = token
    message.update(extra)
    return message


def response(request_seq, body=None, error=None):
    message = {'type': 'response', 'requestSeq': request_seq, 'success': error is None}
    if error is not None:
        message['message'] = error
    else:
        message['body'] = body if body is not None else {}
    return message


def event(name, body):
    return {'type': 'event', 'event': name, 'body': body}
