/** The annotation forms that type a variable as one type (annotations.ts); the Resolver checks the wrappers. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { annotationType, wrappedType } from '../../server/src/analysis/annotations';

test('an annotation of one type, however written, keeps that type and its wrapper', () => {
  const cases: Array<[string, string]> = [
    ['requests.Session', 'requests.Session'],
    ['requests . Session', 'requests.Session'],
    ['"requests.Session"', 'requests.Session'],
    ["'''Session'''", 'Session'],
    ['Session | None', 'Session'],
    ['None | "Session"', 'Session'],
    ['Optional[Session]', 'Optional[Session]'],
    ['"Optional[Session]"', 'Optional[Session]'],
    ['typing.Union[None, Session]', 'typing.Union[Session]'],
    ['Annotated[Session, "meta", Depends(get)]', 'Annotated[Session]'],
    ['Optional[Optional["Session"]]', 'Optional[Optional[Session]]'],
  ];
  for (const [text, expected] of cases) assert.equal(annotationType(text), expected, text);
});

test('an annotation of no single type has no form; a container keeps its wrapper for the Resolver to reject', () => {
  for (const text of ['None', 'Session | Client', 'Union[Session, Client]', 'Optional[]', 'Optional[Session', 'Session]', '"Session or None"', 'Callable[[], Session]', '1 + 2', '""', '"'.repeat(41)]) {
    assert.equal(annotationType(text), undefined, text);
  }
  assert.equal(annotationType('list[Session] | None'), 'list[Session]');
});

test('a wrapped annotation splits into wrapper and type; a dotted form with items does not', () => {
  assert.deepEqual(wrappedType('typing.Optional[a.B]'), ['typing.Optional', 'a.B']);
  assert.deepEqual(wrappedType('Optional[Optional[B]]'), ['Optional', 'Optional[B]']);
  assert.equal(wrappedType('a[].b'), undefined);
  assert.equal(wrappedType('Session'), undefined);
});
