/**
 * The catalogue: every rule code, and every call the engine knows to block, as data.
 * Names are qualified the way user code reaches them after import resolution: `time.sleep`,
 * `builtins.open`, and `Type.method` for methods of objects whose type the engine infers
 * (`requests.Session.get`); `Type.*` means every method of that type.
 * Review this file as a table: one line per call, the code, and which alternative to suggest.
 */
import type { Framework, RuleCode, RuleInfo, Severity } from '../api';

const rule = (code: RuleCode, title: string, defaultSeverity: Severity = 'warning', enabledByDefault = true): RuleInfo => ({
  code,
  title,
  defaultSeverity,
  enabledByDefault,
  docsPath: `docs/rules/${code}.md`,
});

export const ruleCatalogue: ReadonlyArray<RuleInfo> = [
  rule('ASYNC210', 'Blocking HTTP call in a coroutine'),
  rule('ASYNC212', 'Blocking method of a synchronous HTTP client in a coroutine'),
  rule('ASYNC220', 'Subprocess started synchronously in a coroutine'),
  rule('ASYNC221', 'Subprocess run and waited for in a coroutine'),
  rule('ASYNC222', 'Waiting for a process in a coroutine'),
  rule('ASYNC230', 'Synchronous file open in a coroutine'),
  rule('ASYNC231', 'os.fdopen in a coroutine'),
  rule('ASYNC232', 'Blocking method of a synchronous file object in a coroutine'),
  rule('ASYNC240', 'File-system call in a coroutine'),
  rule('ASYNC250', 'input() in a coroutine'),
  rule('ASYNC251', 'time.sleep in a coroutine'),
  rule('CORO101', 'Blocking socket, DNS, select or other network I/O in a coroutine'),
  rule('CORO102', 'Blocking database or cache driver call in a coroutine'),
  rule('CORO103', 'Blocking thread synchronisation in a coroutine'),
  rule('CORO110', 'Event loop started inside a running coroutine', 'error'),
  rule('CORO120', 'Call to a synchronous function that blocks further down'),
  rule('CORO200', 'Coroutine called but never awaited', 'error'),
  rule('CORO201', 'Task handle dropped'),
  rule('CORO202', 'Result of a @gen.coroutine call dropped', 'information', false),
];

/**
 * What to use instead, per framework. `{call}` is replaced by the blocking call's name. In a Tornado
 * `@gen.coroutine` (a generator: `await` is a syntax error there) the Tornado text is given with
 * `yield`, or `genCoroutine` when the Tornado text names an asyncio API.
 */
export type Alternatives = Readonly<Record<Framework, string> & { genCoroutine?: string }>;

const OFFLOAD: Alternatives = {
  asyncio: 'run it in a thread: `await asyncio.to_thread({call}, …)`',
  tornado: 'run it in a thread: `await IOLoop.current().run_in_executor(None, {call}, …)`',
  trio: 'run it in a thread: `await trio.to_thread.run_sync({call}, …)`',
  anyio: 'run it in a thread: `await anyio.to_thread.run_sync({call}, …)`',
};
/** For a `with` item whose context manager blocks on entry or exit (CORO120). */
const ENTER_OFFLOAD: Alternatives = {
  asyncio: 'make it an async context manager (`@contextlib.asynccontextmanager`, `async with`) that runs the blocking part in a thread: `await asyncio.to_thread(…)`',
  tornado: 'make it an async context manager (`@contextlib.asynccontextmanager`, `async with`) that runs the blocking part in a thread: `await IOLoop.current().run_in_executor(None, …)`',
  trio: 'make it an async context manager (`@contextlib.asynccontextmanager`, `async with`) that runs the blocking part in a thread: `await trio.to_thread.run_sync(…)`',
  anyio: 'make it an async context manager (`@contextlib.asynccontextmanager`, `async with`) that runs the blocking part in a thread: `await anyio.to_thread.run_sync(…)`',
  genCoroutine: 'enter it in a thread (`yield IOLoop.current().run_in_executor(None, …)`) or make the coroutine `async def` with an async context manager',
};
const SLEEP: Alternatives = {
  asyncio: '`await asyncio.sleep(…)`',
  tornado: '`await asyncio.sleep(…)` (in a @gen.coroutine: `yield gen.sleep(…)`)',
  genCoroutine: '`yield gen.sleep(…)`',
  trio: '`await trio.sleep(…)`',
  anyio: '`await anyio.sleep(…)`',
};
const HTTP: Alternatives = {
  asyncio: 'an async client: `httpx.AsyncClient` or `aiohttp.ClientSession`',
  tornado: '`await AsyncHTTPClient().fetch(…)` (tornado.httpclient)',
  trio: 'an async client: `httpx.AsyncClient`',
  anyio: 'an async client: `httpx.AsyncClient`',
};
const PROCESS: Alternatives = {
  asyncio: '`await asyncio.create_subprocess_exec(…)` and `await proc.wait()`',
  tornado: '`tornado.process.Subprocess` and `await proc.wait_for_exit()`',
  trio: '`await trio.run_process(…)`',
  anyio: '`await anyio.run_process(…)` or `anyio.open_process(…)`',
};
const FILE: Alternatives = {
  asyncio: 'do the file I/O in a thread: `await asyncio.to_thread(…)` (or aiofiles)',
  tornado: 'do the file I/O in a thread: `await IOLoop.current().run_in_executor(None, …)`',
  trio: '`await trio.open_file(…)` / `trio.Path`',
  anyio: '`await anyio.open_file(…)` / `anyio.Path`',
};
const PATH: Alternatives = {
  asyncio: 'run it in a thread: `await asyncio.to_thread({call}, …)`',
  tornado: 'run it in a thread: `await IOLoop.current().run_in_executor(None, {call}, …)`',
  trio: 'use `trio.Path` (async methods) or `await trio.to_thread.run_sync({call}, …)`',
  anyio: 'use `anyio.Path` (async methods) or `await anyio.to_thread.run_sync({call}, …)`',
};
const NETWORK: Alternatives = {
  asyncio: '`asyncio.open_connection`, `loop.sock_*` or `await loop.getaddrinfo(…)`',
  tornado: '`tornado.tcpclient.TCPClient` / `tornado.iostream.IOStream`',
  trio: '`await trio.open_tcp_stream(…)` / `trio.socket`',
  anyio: '`await anyio.connect_tcp(…)` / `anyio.getaddrinfo`',
};
/** A synchronous ZeroMQ socket; `zmq.asyncio` sockets await on asyncio's loop, Tornado's too. */
const ZMQ: Alternatives = {
  asyncio: 'a `zmq.asyncio` socket (`zmq.asyncio.Context()`), then `await sock.recv()` / `await sock.send(…)`',
  tornado: 'a `zmq.asyncio` socket (`zmq.asyncio.Context()`, Tornado runs on asyncio), then `await sock.recv()` / `await sock.send(…)`',
  trio: 'run it in a thread: `await trio.to_thread.run_sync({call}, …)`',
  anyio: 'run it in a thread: `await anyio.to_thread.run_sync({call}, …)`',
};
const DATABASE: Alternatives = {
  asyncio: 'an asyncio driver (aiosqlite, asyncpg, aiomysql, redis.asyncio, motor) or `await asyncio.to_thread(…)`',
  tornado: 'an asyncio driver (aiosqlite, asyncpg, aiomysql, redis.asyncio, motor) or `run_in_executor`',
  trio: 'run it in a thread: `await trio.to_thread.run_sync(…)`',
  anyio: 'run it in a thread: `await anyio.to_thread.run_sync(…)`',
};
const SYNC: Alternatives = {
  asyncio: '`asyncio.Lock` / `Event` / `Queue`, or `await asyncio.wrap_future(…)` / `asyncio.to_thread(…)`',
  tornado: '`tornado.locks` / `tornado.queues`, or `await IOLoop.current().run_in_executor(…)`',
  trio: '`trio.Lock` / `trio.Event` / memory channels, or `trio.to_thread.run_sync(…)`',
  anyio: '`anyio.Lock` / `anyio.Event` / memory object streams, or `anyio.to_thread.run_sync(…)`',
};
/**
 * Entering a thread lock in a `with`: `to_thread` / `wrap_future` cannot take a `with` statement,
 * so the alternative is the framework's own lock, or moving the locked work to a thread.
 */
const ENTERED_LOCK: Alternatives = {
  asyncio: '`async with` an `asyncio.Lock` / `Semaphore` / `Condition` when only coroutines take it; a lock threads share: do the locked work in a thread, `await asyncio.to_thread(…)`',
  tornado: '`async with` a `tornado.locks.Lock` / `Semaphore` when only coroutines take it; a lock threads share: do the locked work in a thread, `await IOLoop.current().run_in_executor(None, …)`',
  genCoroutine: '`with (yield lock.acquire()):` on a `tornado.locks.Lock` / `Semaphore` when only coroutines take it; a lock threads share: do the locked work in a thread, `yield IOLoop.current().run_in_executor(None, …)`',
  trio: '`async with` a `trio.Lock` / `trio.Semaphore` / `trio.Condition` when only tasks take it; a lock threads share: do the locked work in a thread, `await trio.to_thread.run_sync(…)`',
  anyio: '`async with` an `anyio.Lock` / `anyio.Semaphore` / `anyio.Condition` when only tasks take it; a lock threads share: do the locked work in a thread, `await anyio.to_thread.run_sync(…)`',
};
/** Entering a redis-py lock (`with r.lock("jobs"):`) waits for it over the network. */
const ENTERED_REDIS_LOCK: Alternatives = {
  asyncio: '`async with r.lock(…)` on a `redis.asyncio` client, or do the locked work in a thread: `await asyncio.to_thread(…)`',
  tornado: '`async with r.lock(…)` on a `redis.asyncio` client, or do the locked work in a thread: `await IOLoop.current().run_in_executor(None, …)`',
  genCoroutine: 'do the locked work in a thread: `yield IOLoop.current().run_in_executor(None, …)`, or make the coroutine `async def` and `async with r.lock(…)` on a `redis.asyncio` client',
  trio: 'do the locked work in a thread: `await trio.to_thread.run_sync(…)`',
  anyio: 'do the locked work in a thread: `await anyio.to_thread.run_sync(…)`',
};
const NESTED_LOOP: Alternatives = {
  asyncio: '`await` the coroutine instead of starting another loop',
  tornado: '`await` the coroutine (or `yield` it in a @gen.coroutine) instead of starting another loop',
  genCoroutine: '`yield` the coroutine instead of starting another loop',
  trio: '`await` the function (or start it in a nursery) instead of another `trio.run`',
  anyio: '`await` the function (or start it in a task group) instead of another `anyio.run`',
};

export interface BlockingCall {
  code: RuleCode;
  alternatives: Alternatives;
  /** os.spawn*: the code depends on the mode argument (P_WAIT runs and waits). */
  spawnMode?: boolean;
}

const table: Array<[RuleCode, Alternatives, string]> = [
  ['ASYNC210', HTTP, 'requests.get requests.options requests.head requests.post requests.put requests.patch requests.delete requests.request'],
  ['ASYNC210', HTTP, 'requests.api.get requests.api.post requests.api.put requests.api.patch requests.api.delete requests.api.request requests.api.head requests.api.options'],
  ['ASYNC210', HTTP, 'httpx.get httpx.options httpx.head httpx.post httpx.put httpx.patch httpx.delete httpx.request httpx.stream'],
  ['ASYNC210', HTTP, 'urllib3.request urllib.request.urlopen urllib.request.urlretrieve'],
  ['ASYNC210', HTTP, 'http.client.HTTPConnection.* http.client.HTTPSConnection.* tornado.httpclient.HTTPClient.fetch'],
  ['ASYNC212', HTTP, 'requests.Session.get requests.Session.options requests.Session.head requests.Session.post requests.Session.put requests.Session.patch requests.Session.delete requests.Session.request requests.Session.send'],
  ['ASYNC212', HTTP, 'httpx.Client.close httpx.Client.delete httpx.Client.get httpx.Client.head httpx.Client.options httpx.Client.patch httpx.Client.post httpx.Client.put httpx.Client.request httpx.Client.send httpx.Client.stream'],
  ['ASYNC212', HTTP, 'urllib3.PoolManager.* urllib3.HTTPConnectionPool.* urllib3.HTTPSConnectionPool.* urllib3.ProxyManager.*'],
  ['ASYNC220', PROCESS, 'subprocess.Popen os.popen'],
  ['ASYNC221', PROCESS, 'subprocess.run subprocess.call subprocess.check_call subprocess.check_output subprocess.getoutput subprocess.getstatusoutput os.system os.posix_spawn os.posix_spawnp'],
  ['ASYNC222', PROCESS, 'os.wait os.wait3 os.wait4 os.waitid os.waitpid subprocess.Popen.wait subprocess.Popen.communicate'],
  ['ASYNC230', FILE, 'builtins.open io.open io.open_code codecs.open pathlib.Path.open'],
  ['ASYNC231', FILE, 'os.fdopen'],
  ['ASYNC232', FILE, 'io.TextIOWrapper.read io.TextIOWrapper.readline io.TextIOWrapper.readlines io.TextIOWrapper.write io.TextIOWrapper.writelines io.TextIOWrapper.flush io.TextIOWrapper.seek io.TextIOWrapper.truncate'],
  ['ASYNC232', FILE, 'io.BufferedReader.read io.BufferedReader.readline io.BufferedReader.readlines io.BufferedReader.read1 io.BufferedReader.readinto io.BufferedWriter.write io.BufferedWriter.flush io.BufferedRandom.read io.BufferedRandom.write'],
  ['ASYNC240', PATH, 'os.path.exists os.path.isdir os.path.isfile os.path.islink os.path.lexists os.path.ismount os.path.realpath os.path.getatime os.path.getctime os.path.getmtime os.path.getsize os.path.samefile os.path.sameopenfile'],
  ['ASYNC240', PATH, 'pathlib.Path.exists pathlib.Path.is_dir pathlib.Path.is_file pathlib.Path.is_symlink pathlib.Path.is_mount pathlib.Path.stat pathlib.Path.lstat pathlib.Path.owner pathlib.Path.group pathlib.Path.resolve pathlib.Path.glob pathlib.Path.rglob pathlib.Path.iterdir pathlib.Path.walk'],
  ['ASYNC240', PATH, 'pathlib.Path.mkdir pathlib.Path.rmdir pathlib.Path.unlink pathlib.Path.rename pathlib.Path.replace pathlib.Path.touch pathlib.Path.chmod pathlib.Path.samefile pathlib.Path.readlink pathlib.Path.symlink_to pathlib.Path.hardlink_to'],
  ['ASYNC240', PATH, 'pathlib.Path.read_text pathlib.Path.read_bytes pathlib.Path.write_text pathlib.Path.write_bytes'],
  ['ASYNC240', PATH, 'os.listdir os.scandir os.walk os.stat os.lstat os.remove os.unlink os.rmdir os.mkdir os.makedirs os.rename os.replace os.removedirs'],
  ['ASYNC240', PATH, 'os.access os.readlink os.chmod os.chown os.lchown os.link os.symlink os.utime os.truncate os.statvfs'],
  ['ASYNC240', PATH, 'shutil.copy shutil.copy2 shutil.copyfile shutil.copytree shutil.move shutil.rmtree shutil.disk_usage shutil.copymode shutil.copystat shutil.chown'],
  // Searching the disk: `glob` lists folders (`iglob` lazily, so only its iteration would; the call is left out), `which` stats each PATH entry.
  ['ASYNC240', PATH, 'glob.glob shutil.which'],
  // Loading certificates reads and parses files: the default context the system's whole CA bundle
  // (tens of milliseconds per context; Home Assistant's blocking-call detector guards load_default_certs).
  ['ASYNC240', OFFLOAD, 'ssl.create_default_context ssl.SSLContext.load_verify_locations ssl.SSLContext.load_cert_chain ssl.SSLContext.load_default_certs ssl.SSLContext.set_default_verify_paths ssl.SSLContext.load_dh_params'],
  // Temporary files and folders are made on disk (a workspace without the standard library knows it only from here).
  ['ASYNC240', OFFLOAD, 'tempfile.mkstemp tempfile.mkdtemp tempfile.mktemp tempfile.NamedTemporaryFile tempfile.TemporaryFile tempfile.TemporaryDirectory'],
  ['ASYNC250', OFFLOAD, 'builtins.input'],
  ['ASYNC251', SLEEP, 'time.sleep'],
  ['CORO101', NETWORK, 'socket.create_connection socket.getaddrinfo socket.gethostbyname socket.gethostbyname_ex socket.gethostbyaddr socket.getfqdn socket.getnameinfo'],
  ['CORO101', NETWORK, 'socket.socket.accept socket.socket.connect socket.socket.recv socket.socket.recvfrom socket.socket.recv_into socket.socket.recvfrom_into socket.socket.send socket.socket.sendall socket.socket.sendto socket.socket.sendfile'],
  ['CORO101', NETWORK, 'select.select select.poll.poll select.epoll.poll selectors.DefaultSelector.select selectors.SelectSelector.select'],
  ['CORO101', NETWORK, 'smtplib.SMTP smtplib.SMTP_SSL smtplib.SMTP.* ftplib.FTP ftplib.FTP.* telnetlib.Telnet telnetlib.Telnet.*'],
  // pyzmq's synchronous sockets wait for a peer's message (or for room to queue one) unless asked not to (zmq.NOBLOCK, below).
  ['CORO101', ZMQ, 'zmq.Socket.recv zmq.Socket.recv_multipart zmq.Socket.recv_string zmq.Socket.recv_json zmq.Socket.recv_pyobj zmq.Socket.recv_serialized'],
  ['CORO101', ZMQ, 'zmq.Socket.send zmq.Socket.send_multipart zmq.Socket.send_string zmq.Socket.send_json zmq.Socket.send_pyobj zmq.Socket.send_serialized zmq.Socket.poll zmq.Poller.poll zmq.proxy zmq.device'],
  ['CORO102', DATABASE, 'sqlite3.connect sqlite3.Connection.execute sqlite3.Connection.executemany sqlite3.Connection.executescript sqlite3.Connection.commit sqlite3.Connection.rollback sqlite3.Connection.backup'],
  ['CORO102', DATABASE, 'sqlite3.Cursor.execute sqlite3.Cursor.executemany sqlite3.Cursor.executescript sqlite3.Cursor.fetchone sqlite3.Cursor.fetchall sqlite3.Cursor.fetchmany'],
  ['CORO102', DATABASE, 'psycopg2.connect psycopg2.extensions.connection.commit psycopg2.extensions.connection.rollback psycopg2.extensions.cursor.*'],
  // psycopg 3: a client-side cursor fetches the whole result in execute(); a named (server-side) one on each fetch.
  ['CORO102', DATABASE, 'psycopg.connect psycopg.Connection.connect psycopg.Connection.execute psycopg.Connection.commit psycopg.Connection.rollback'],
  ['CORO102', DATABASE, 'psycopg.Cursor.execute psycopg.Cursor.executemany psycopg.Cursor.copy psycopg.Cursor.stream psycopg.ServerCursor.execute psycopg.ServerCursor.fetchone psycopg.ServerCursor.fetchmany psycopg.ServerCursor.fetchall psycopg.ServerCursor.scroll'],
  ['CORO102', DATABASE, 'pymysql.connect pymysql.connections.Connection.commit pymysql.connections.Connection.rollback pymysql.connections.Connection.query pymysql.cursors.Cursor.*'],
  ['CORO102', DATABASE, 'MySQLdb.connect MySQLdb.connections.Connection.commit MySQLdb.connections.Connection.rollback MySQLdb.connections.Connection.query MySQLdb.cursors.Cursor.*'],
  ['CORO102', DATABASE, 'redis.Redis.* redis.StrictRedis.* redis.client.Pipeline.execute redis.client.Pipeline.watch redis.client.Pipeline.unwatch'],
  ['CORO102', DATABASE, 'redis.lock.Lock.acquire redis.lock.Lock.release redis.lock.Lock.extend redis.lock.Lock.reacquire redis.lock.Lock.locked redis.lock.Lock.owned redis.client.PubSub.*'],
  ['CORO102', ENTERED_REDIS_LOCK, 'redis.lock.Lock.__enter__'],
  ['CORO102', DATABASE, 'pymongo.MongoClient.* pymongo.database.Database.* pymongo.collection.Collection.*'],
  // A cursor runs its query (and each getMore) when it is advanced: `next`, iteration (`__next__`, see
  // lookupIterating), `to_list`; `explain` / `distinct` run a command, `close` / `rewind` may send killCursors.
  ['CORO102', DATABASE, 'pymongo.cursor.Cursor.next pymongo.cursor.Cursor.__next__ pymongo.cursor.Cursor.to_list pymongo.cursor.Cursor.explain pymongo.cursor.Cursor.distinct pymongo.cursor.Cursor.close pymongo.cursor.Cursor.rewind'],
  ['CORO102', DATABASE, 'pymongo.command_cursor.CommandCursor.next pymongo.command_cursor.CommandCursor.__next__ pymongo.command_cursor.CommandCursor.try_next pymongo.command_cursor.CommandCursor.to_list pymongo.command_cursor.CommandCursor.close'],
  // A change stream's `next` / iteration waits for the next change (a getMore each time), `try_next` sends one.
  ['CORO102', DATABASE, 'pymongo.change_stream.ChangeStream.next pymongo.change_stream.ChangeStream.__next__ pymongo.change_stream.ChangeStream.try_next pymongo.change_stream.ChangeStream.close'],
  // `cursor[i]` runs a query for that document (see lookupIndexing); a slice only builds a cursor.
  ['CORO102', DATABASE, 'pymongo.cursor.Cursor.__getitem__'],
  // Leaving `with cursor:` closes it (see lookupEntering): killCursors while the server still holds it open.
  ['CORO102', DATABASE, 'pymongo.cursor.Cursor.__exit__ pymongo.command_cursor.CommandCursor.__exit__ pymongo.change_stream.ChangeStream.__exit__'],
  ['CORO103', SYNC, 'threading.Lock.acquire threading.RLock.acquire threading.Semaphore.acquire threading.BoundedSemaphore.acquire threading.Condition.acquire threading.Condition.wait threading.Condition.wait_for'],
  ['CORO103', SYNC, 'threading.Event.wait threading.Barrier.wait threading.Thread.join'],
  // `with lock:` acquires the lock on entry (see lookupEntering: only exact `__enter__` / `__exit__` entries count).
  ['CORO103', ENTERED_LOCK, 'threading.Lock.__enter__ threading.RLock.__enter__ threading.Semaphore.__enter__ threading.BoundedSemaphore.__enter__ threading.Condition.__enter__'],
  ['CORO103', SYNC, 'queue.Queue.get queue.Queue.put queue.Queue.join queue.LifoQueue.get queue.LifoQueue.put queue.PriorityQueue.get queue.PriorityQueue.put queue.SimpleQueue.get'],
  ['CORO103', SYNC, 'concurrent.futures.Future.result concurrent.futures.Future.exception concurrent.futures.wait concurrent.futures.as_completed'],
  ['CORO103', SYNC, 'concurrent.futures.ThreadPoolExecutor.shutdown concurrent.futures.ProcessPoolExecutor.shutdown concurrent.futures.ThreadPoolExecutor.map concurrent.futures.ProcessPoolExecutor.map'],
  ['CORO110', NESTED_LOOP, 'asyncio.run asyncio.AbstractEventLoop.run_until_complete asyncio.AbstractEventLoop.run_forever asyncio.Runner.run'],
  ['CORO110', NESTED_LOOP, 'tornado.ioloop.IOLoop.run_sync tornado.ioloop.IOLoop.start trio.run anyio.run'],
];

/**
 * Methods of a `Type.*` entry's type that do no I/O: they only build another object (a pipeline that
 * buffers commands, a handle on a database or collection), whose own methods are catalogued.
 */
const notBlocking: ReadonlySet<string> = new Set([
  'redis.Redis.pipeline',
  'redis.Redis.lock',
  'redis.Redis.pubsub',
  'pymongo.MongoClient.get_database',
  'pymongo.MongoClient.get_default_database',
  'pymongo.database.Database.get_collection',
  'pymongo.database.Database.with_options',
  'pymongo.collection.Collection.with_options',
  // find() only builds a Cursor: the query runs when the cursor is advanced (its entries above).
  // aggregate(), list_indexes(), watch() … run their command at once and stay blocking.
  'pymongo.collection.Collection.find',
  'pymongo.collection.Collection.find_raw_batches',
]);

export const blockingCalls: ReadonlyMap<string, BlockingCall> = new Map(
  table.flatMap(([code, alternatives, names]) => names.split(' ').map((name) => [name, { code, alternatives }] as const)),
);
for (const mode of ['l', 'le', 'lp', 'lpe', 'v', 've', 'vp', 'vpe']) {
  (blockingCalls as Map<string, BlockingCall>).set(`os.spawn${mode}`, { code: 'ASYNC220', alternatives: PROCESS, spawnMode: true });
}

/** Offloading alternative for user-configured blocking calls without their own suggestion. */
export const offloadAlternatives = OFFLOAD;
export const enteredAlternatives = ENTER_OFFLOAD;

/**
 * What calling a known function or constructor returns, so that `s = requests.Session()` then
 * `s.get(…)` resolves to `requests.Session.get`. A class name mapped to itself is a constructor.
 */
export const returnTypes: ReadonlyMap<string, string> = new Map(
  (
    [
      ['requests.Session', 'requests.Session'],
      ['requests.session', 'requests.Session'],
      ['requests.sessions.Session', 'requests.Session'],
      ['httpx.Client', 'httpx.Client'],
      ['urllib3.PoolManager', 'urllib3.PoolManager'],
      ['urllib3.HTTPConnectionPool', 'urllib3.HTTPConnectionPool'],
      ['urllib3.HTTPSConnectionPool', 'urllib3.HTTPSConnectionPool'],
      ['urllib3.ProxyManager', 'urllib3.ProxyManager'],
      ['urllib3.connection_from_url', 'urllib3.HTTPConnectionPool'],
      ['http.client.HTTPConnection', 'http.client.HTTPConnection'],
      ['http.client.HTTPSConnection', 'http.client.HTTPSConnection'],
      ['tornado.httpclient.HTTPClient', 'tornado.httpclient.HTTPClient'],
      ['subprocess.Popen', 'subprocess.Popen'],
      ['builtins.open', 'io.TextIOWrapper'],
      ['io.open', 'io.TextIOWrapper'],
      ['codecs.open', 'io.TextIOWrapper'],
      ['os.fdopen', 'io.TextIOWrapper'],
      ['pathlib.Path.open', 'io.TextIOWrapper'],
      ['io.TextIOWrapper', 'io.TextIOWrapper'],
      ['io.BufferedReader', 'io.BufferedReader'],
      ['io.BufferedWriter', 'io.BufferedWriter'],
      ['io.BufferedRandom', 'io.BufferedRandom'],
      ['ssl.SSLContext', 'ssl.SSLContext'],
      ['ssl.create_default_context', 'ssl.SSLContext'],
      ['pathlib.Path', 'pathlib.Path'],
      ['pathlib.PosixPath', 'pathlib.Path'],
      ['pathlib.WindowsPath', 'pathlib.Path'],
      ['pathlib.Path.cwd', 'pathlib.Path'],
      ['pathlib.Path.home', 'pathlib.Path'],
      ['pathlib.Path.resolve', 'pathlib.Path'],
      ['pathlib.Path.absolute', 'pathlib.Path'],
      ['pathlib.Path.expanduser', 'pathlib.Path'],
      ['pathlib.Path.with_name', 'pathlib.Path'],
      ['pathlib.Path.with_suffix', 'pathlib.Path'],
      ['pathlib.Path.joinpath', 'pathlib.Path'],
      ['socket.socket', 'socket.socket'],
      ['socket.create_connection', 'socket.socket'],
      ['socket.create_server', 'socket.socket'],
      ['socket.socket.dup', 'socket.socket'],
      ['select.poll', 'select.poll'],
      ['select.epoll', 'select.epoll'],
      ['selectors.DefaultSelector', 'selectors.DefaultSelector'],
      ['selectors.SelectSelector', 'selectors.SelectSelector'],
      ['smtplib.SMTP', 'smtplib.SMTP'],
      ['smtplib.SMTP_SSL', 'smtplib.SMTP'],
      ['ftplib.FTP', 'ftplib.FTP'],
      ['telnetlib.Telnet', 'telnetlib.Telnet'],
      ['sqlite3.connect', 'sqlite3.Connection'],
      ['sqlite3.Connection.cursor', 'sqlite3.Cursor'],
      ['sqlite3.Connection.execute', 'sqlite3.Cursor'],
      ['psycopg2.connect', 'psycopg2.extensions.connection'],
      ['psycopg2.extensions.connection.cursor', 'psycopg2.extensions.cursor'],
      ['psycopg.connect', 'psycopg.Connection'],
      ['psycopg.Connection.connect', 'psycopg.Connection'],
      ['psycopg.Connection.cursor', 'psycopg.Cursor'],
      ['psycopg.Connection.execute', 'psycopg.Cursor'],
      ['psycopg.Cursor.execute', 'psycopg.Cursor'],
      ['psycopg.ServerCursor', 'psycopg.ServerCursor'],
      ['pymysql.connect', 'pymysql.connections.Connection'],
      ['pymysql.connections.Connection.cursor', 'pymysql.cursors.Cursor'],
      ['MySQLdb.connect', 'MySQLdb.connections.Connection'],
      ['MySQLdb.connections.Connection.cursor', 'MySQLdb.cursors.Cursor'],
      ['zmq.Context', 'zmq.Context'],
      ['zmq.Context.instance', 'zmq.Context'],
      ['zmq.sugar.context.Context', 'zmq.Context'],
      ['zmq.Context.socket', 'zmq.Socket'],
      ['zmq.Socket', 'zmq.Socket'],
      ['zmq.sugar.socket.Socket', 'zmq.Socket'],
      ['zmq.Poller', 'zmq.Poller'],
      ['redis.Redis', 'redis.Redis'],
      ['redis.StrictRedis', 'redis.Redis'],
      ['redis.client.Redis', 'redis.Redis'],
      ['redis.from_url', 'redis.Redis'],
      ['redis.Redis.from_url', 'redis.Redis'],
      ['redis.Redis.pipeline', 'redis.client.Pipeline'],
      ['redis.client.Pipeline', 'redis.client.Pipeline'],
      ['redis.Redis.lock', 'redis.lock.Lock'],
      ['redis.lock.Lock', 'redis.lock.Lock'],
      ['redis.Redis.pubsub', 'redis.client.PubSub'],
      ['pymongo.MongoClient', 'pymongo.MongoClient'],
      ['pymongo.mongo_client.MongoClient', 'pymongo.MongoClient'],
      ['pymongo.MongoClient.get_database', 'pymongo.database.Database'],
      ['pymongo.MongoClient.get_default_database', 'pymongo.database.Database'],
      ['pymongo.database.Database', 'pymongo.database.Database'],
      ['pymongo.database.Database.get_collection', 'pymongo.collection.Collection'],
      ['pymongo.database.Database.with_options', 'pymongo.database.Database'],
      ['pymongo.collection.Collection', 'pymongo.collection.Collection'],
      ['pymongo.collection.Collection.with_options', 'pymongo.collection.Collection'],
      ['pymongo.collection.Collection.find', 'pymongo.cursor.Cursor'],
      ['pymongo.collection.Collection.find_raw_batches', 'pymongo.cursor.Cursor'],
      ['pymongo.cursor.Cursor', 'pymongo.cursor.Cursor'],
      ['pymongo.cursor.RawBatchCursor', 'pymongo.cursor.Cursor'],
      ...cursorBuilders('pymongo.cursor.Cursor', 'clone add_option remove_option allow_disk_use limit batch_size skip max_time_ms max_await_time_ms max_scan max min sort hint comment where collation rewind'),
      ['pymongo.collection.Collection.aggregate', 'pymongo.command_cursor.CommandCursor'],
      ['pymongo.collection.Collection.aggregate_raw_batches', 'pymongo.command_cursor.CommandCursor'],
      ['pymongo.collection.Collection.list_indexes', 'pymongo.command_cursor.CommandCursor'],
      ['pymongo.collection.Collection.list_search_indexes', 'pymongo.command_cursor.CommandCursor'],
      ['pymongo.database.Database.aggregate', 'pymongo.command_cursor.CommandCursor'],
      ['pymongo.database.Database.list_collections', 'pymongo.command_cursor.CommandCursor'],
      ['pymongo.MongoClient.list_databases', 'pymongo.command_cursor.CommandCursor'],
      ['pymongo.command_cursor.CommandCursor', 'pymongo.command_cursor.CommandCursor'],
      ['pymongo.command_cursor.CommandCursor.batch_size', 'pymongo.command_cursor.CommandCursor'],
      ['pymongo.MongoClient.watch', 'pymongo.change_stream.ChangeStream'],
      ['pymongo.database.Database.watch', 'pymongo.change_stream.ChangeStream'],
      ['pymongo.collection.Collection.watch', 'pymongo.change_stream.ChangeStream'],
      ['pymongo.change_stream.ChangeStream', 'pymongo.change_stream.ChangeStream'],
      ['pymongo.change_stream.CollectionChangeStream', 'pymongo.change_stream.ChangeStream'],
      ['pymongo.change_stream.DatabaseChangeStream', 'pymongo.change_stream.ChangeStream'],
      ['pymongo.change_stream.ClusterChangeStream', 'pymongo.change_stream.ChangeStream'],
      ['threading.Lock', 'threading.Lock'],
      ['threading.RLock', 'threading.RLock'],
      ['threading.Semaphore', 'threading.Semaphore'],
      ['threading.BoundedSemaphore', 'threading.BoundedSemaphore'],
      ['threading.Condition', 'threading.Condition'],
      ['threading.Event', 'threading.Event'],
      ['threading.Barrier', 'threading.Barrier'],
      ['threading.Thread', 'threading.Thread'],
      ['queue.Queue', 'queue.Queue'],
      ['queue.LifoQueue', 'queue.LifoQueue'],
      ['queue.PriorityQueue', 'queue.PriorityQueue'],
      ['queue.SimpleQueue', 'queue.SimpleQueue'],
      ['concurrent.futures.Future', 'concurrent.futures.Future'],
      ['concurrent.futures.ThreadPoolExecutor', 'concurrent.futures.ThreadPoolExecutor'],
      ['concurrent.futures.ProcessPoolExecutor', 'concurrent.futures.ProcessPoolExecutor'],
      ['concurrent.futures.ThreadPoolExecutor.submit', 'concurrent.futures.Future'],
      ['concurrent.futures.ProcessPoolExecutor.submit', 'concurrent.futures.Future'],
      ['asyncio.new_event_loop', 'asyncio.AbstractEventLoop'],
      ['asyncio.get_event_loop', 'asyncio.AbstractEventLoop'],
      ['asyncio.get_running_loop', 'asyncio.AbstractEventLoop'],
      ['asyncio.Runner', 'asyncio.Runner'],
      ['asyncio.Event', 'asyncio.Event'],
      ['asyncio.Lock', 'asyncio.Lock'],
      ['asyncio.Condition', 'asyncio.Condition'],
      ['asyncio.Semaphore', 'asyncio.Semaphore'],
      ['asyncio.BoundedSemaphore', 'asyncio.Semaphore'],
      ['asyncio.Barrier', 'asyncio.Barrier'],
      ['asyncio.Queue', 'asyncio.Queue'],
      ['asyncio.PriorityQueue', 'asyncio.Queue'],
      ['asyncio.LifoQueue', 'asyncio.Queue'],
      ['tornado.ioloop.IOLoop', 'tornado.ioloop.IOLoop'],
      ['tornado.ioloop.IOLoop.current', 'tornado.ioloop.IOLoop'],
      ['tornado.ioloop.IOLoop.instance', 'tornado.ioloop.IOLoop'],
    ] as const
  ).map(([from, to]) => [from, to]),
);

/**
 * What reading an attribute that is no method call, or an item, of a modelled object gives, as
 * `Type.attribute` (or `Type.*`: any other attribute, and items) → type; '' for an attribute that
 * is a plain value. A pymongo client's `client.app` / `client["app"]` is a database, a database's
 * `db.users` / `db["users"]` a collection, a collection's `coll.archive` its sub-collection — but
 * `coll.name` is a string. A type not listed here has no typed members: `x.attr` of it is never guessed.
 */
const memberTable: ReadonlyMap<string, string> = new Map([
  ['pymongo.MongoClient.*', 'pymongo.database.Database'],
  ['pymongo.database.Database.*', 'pymongo.collection.Collection'],
  ['pymongo.database.Database.client', 'pymongo.MongoClient'],
  ['pymongo.collection.Collection.*', 'pymongo.collection.Collection'],
  ['pymongo.collection.Collection.database', 'pymongo.database.Database'],
  // `target.parent.mkdir()`: a path's parent is a path (its other attributes, `name`, `suffix` …, are strings).
  ['pathlib.Path.parent', 'pathlib.Path'],
  ...plainValues('pymongo.MongoClient', 'address host port nodes options codec_options read_preference write_concern read_concern topology_description primary secondaries arbiters is_primary is_mongos'),
  ...plainValues('pymongo.database.Database', 'name codec_options read_preference write_concern read_concern'),
  ...plainValues('pymongo.collection.Collection', 'name full_name codec_options read_preference write_concern read_concern'),
]);

/** Methods of `type` that return the same object (a cursor's `limit()`, `sort()` …): `type.method` → type. */
function cursorBuilders(type: string, methods: string): Array<[string, string]> {
  return methods.split(' ').map((method) => [`${type}.${method}`, type]);
}

function plainValues(type: string, attributes: string): Array<[string, string]> {
  return attributes.split(' ').map((attribute) => [`${type}.${attribute}`, '']);
}

/** A constant's name by convention (PEP 8): upper case, digits, underscores, at least one letter. */
const CONSTANT_NAME = /^[A-Z][A-Z0-9_]*$/;

/** Whether the catalogue types the members of `type` (so an attribute it gives no type holds something unknown). */
export function modelsMembers(type: string): boolean {
  return memberTable.has(`${type}.*`);
}

/**
 * The modelled type of the attribute `name` read (not called) from an instance of `type`, or, with
 * no name, of an item of it (`x[key]`); undefined when the catalogue gives none.
 */
export function memberType(type: string, name?: string): string | undefined {
  if (name !== undefined) {
    // A private attribute is the object's own state, and an ALL_CAPS one a class constant
    // (`client.HOST`, `MongoClient.PORT`): never one of its typed members (a database named so is
    // still reached as an item, `client["HOST"]`).
    if (name.startsWith('_') || CONSTANT_NAME.test(name)) return undefined;
    const exact = memberTable.get(`${type}.${name}`);
    if (exact !== undefined) return exact || undefined;
  }
  return memberTable.get(`${type}.*`);
}

/**
 * Names of qualified types the engine models, so annotations such as `s: httpx.Client` type a
 * variable — also those only a factory makes (`loop: asyncio.AbstractEventLoop`, `conn: sqlite3.Connection`).
 */
export const knownTypes: ReadonlySet<string> = new Set([...returnTypes.values(), ...[...memberTable.values()].filter(Boolean)]);

/**
 * typing's wrappers of one type: a variable annotated `Optional[T]`, `Union[T, None]` or
 * `Annotated[T, …]` holds a T wherever it is used as one (see annotations.ts).
 */
export const typeWrappers: ReadonlySet<string> = new Set(
  ['typing', 'typing_extensions'].flatMap((module) => ['Optional', 'Union', 'Annotated'].map((name) => `${module}.${name}`)),
);

/**
 * Decorators that make a generator function a coroutine (plus the configured ones); each of
 * `loopRunningDecorators` too, whose coroutine runs on the loop while the decorated function is
 * synchronous.
 */
export const coroutineDecorators: ReadonlySet<string> = new Set([
  'tornado.gen.coroutine',
  'tornado.gen.engine',
  'types.coroutine',
  'asyncio.coroutine',
  'tornado.testing.gen_test',
]);

/**
 * Decorators that turn a coroutine function (`async def`, or a generator they make a coroutine)
 * into a synchronous function that runs it to completion on an event loop: Tornado's test methods
 * (`IOLoop.run_sync`). The body is coroutine code; a call of the function leaves no coroutine to await.
 */
export const loopRunningDecorators: ReadonlySet<string> = new Set(['tornado.testing.gen_test']);

/**
 * Generator coroutine decorators of asyncio: like `async def`, such a coroutine runs only when
 * awaited (dropped: CORO200). Tornado's run when called (dropped: CORO202).
 */
export const awaitedGeneratorDecorators: ReadonlySet<string> = new Set(['types.coroutine', 'asyncio.coroutine']);

/**
 * Generator coroutine decorators whose coroutine gives what the generator returns, to `x = yield
 * f()` in another one (Tornado's runner sends it back): `return v`, or on Python 2 `raise
 * gen.Return(v)`, the exceptions below.
 */
export const valueGeneratorDecorators: ReadonlySet<string> = new Set(['tornado.gen.coroutine']);
export const generatorReturnExceptions: ReadonlySet<string> = new Set(['tornado.gen.Return']);

/** Decorators that make a generator function a context manager: `with f():` runs its body around the block. */
export const contextManagerDecorators: ReadonlySet<string> = new Set(['contextlib.contextmanager']);

/**
 * Taking a thread mutex: written in a coroutine it is CORO103, but in a synchronous helper it is no
 * CORO120 hop, as `with lock:` there is none (docs/rules/CORO103.md: an uncontended lock returns at
 * once and the helper releases it itself, so only a lock held across slow work stalls, which that
 * work's own blocking call already shows). A semaphore's `acquire` stays one: its holders may keep
 * the count as long as their work lasts.
 */
export const helperLockTakers: ReadonlySet<string> = new Set(['threading.Lock.acquire', 'threading.RLock.acquire', 'threading.Condition.acquire']);

/** Decorators that make a function run elsewhere (an executor) and return a Future: calling one never blocks. */
export const offloadingDecorators: ReadonlySet<string> = new Set(['tornado.concurrent.run_on_executor']);

const requestHandlerMethods = [
  'get', 'head', 'post', 'delete', 'patch', 'put', 'options',
  'initialize', 'prepare', 'on_finish', 'on_connection_close', 'data_received', 'get_current_user', 'get_user_locale', 'write_error',
];

/**
 * Tornado's handler classes, each with the methods Tornado calls on a subclass's instance — on the
 * IOLoop's thread, synchronous ones too (`def get(self): time.sleep(5)` is the example Tornado's own
 * FAQ gives of a handler that stalls every other request; `get_current_user` runs for
 * `self.current_user`, often a database lookup).
 */
export const loopHandlerClasses: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['tornado.web.RequestHandler', new Set(requestHandlerMethods)],
  ['tornado.websocket.WebSocketHandler', new Set([...requestHandlerMethods, 'open', 'on_message', 'on_close', 'on_ping', 'on_pong', 'select_subprotocol', 'check_origin'])],
]);

/** Every method name loopHandlerClasses lists (what the prefilter and lazy parsing look for). */
export const loopHandlerMethods: ReadonlySet<string> = new Set([...loopHandlerClasses.values()].flatMap((methods) => [...methods]));

/** Calls whose result is a Task that must be kept (CORO201 when dropped). */
export const taskSpawners: ReadonlySet<string> = new Set([
  'asyncio.create_task',
  'asyncio.ensure_future',
  'asyncio.AbstractEventLoop.create_task',
]);

/** Library coroutine functions: calling one without awaiting it is CORO200. */
export const libraryCoroutineFunctions: ReadonlySet<string> = new Set([
  'asyncio.sleep',
  'asyncio.wait_for',
  'asyncio.wait',
  'asyncio.open_connection',
  'asyncio.start_server',
  'asyncio.create_subprocess_exec',
  'asyncio.create_subprocess_shell',
  'asyncio.to_thread',
  'asyncio.staggered.staggered_race',
  'trio.sleep',
  'anyio.sleep',
]);

/**
 * Coroutine methods of the objects the engine types (`asyncio.Event().wait()`): dropped, they never
 * run (CORO200). Kept apart from libraryCoroutineFunctions, whose last names the lazy-block and file
 * prefilters look for: names as common as `get` or `wait` would send every block calling one to a parse.
 */
export const libraryCoroutineMethods: ReadonlySet<string> = new Set([
  'asyncio.Event.wait',
  'asyncio.Lock.acquire',
  'asyncio.Condition.acquire',
  'asyncio.Condition.wait',
  'asyncio.Condition.wait_for',
  'asyncio.Semaphore.acquire',
  'asyncio.Barrier.wait',
  'asyncio.Barrier.reset',
  'asyncio.Barrier.abort',
  'asyncio.Queue.get',
  'asyncio.Queue.put',
  'asyncio.Queue.join',
  ...['getaddrinfo', 'getnameinfo', 'create_connection', 'create_server', 'create_unix_connection', 'create_unix_server', 'create_datagram_endpoint', 'connect_accepted_socket', 'sock_recv', 'sock_recv_into', 'sock_recvfrom', 'sock_recvfrom_into', 'sock_sendall', 'sock_sendto', 'sock_connect', 'sock_accept', 'sock_sendfile', 'sendfile', 'start_tls', 'subprocess_exec', 'subprocess_shell', 'connect_read_pipe', 'connect_write_pipe', 'shutdown_asyncgens', 'shutdown_default_executor'].map(
    (method) => `asyncio.AbstractEventLoop.${method}`,
  ),
]);

/**
 * Wrappers that take a call's *result* and make it safe (`trio.wrap_file(open(…))`):
 * a blocking call written directly as their argument is not flagged.
 */
export const safeWrappers: ReadonlySet<string> = new Set(['trio.wrap_file', 'anyio.wrap_file']);

/**
 * A parameter of a blocking call that, given one of `values`, makes the call return at once: a
 * literal as the facts keep it (`False`, `0` for any zero) or a constant's qualified name, which
 * may be one of several `|`-ed together (`os.WNOHANG | os.WUNTRACED`). By position (not counting
 * `self`) or by keyword.
 */
export interface NoWaitParameter {
  position: number;
  keyword: string;
  values: readonly string[];
}

const noWait = (position: number, keyword: string, ...values: string[]): NoWaitParameter => ({ position, keyword, values });
const nonBlockingFlag = noWait(0, 'blocking', 'False', '0');
const zeroTimeout = (position: number): NoWaitParameter => noWait(position, 'timeout', '0');
const queueGet = [noWait(0, 'block', 'False', '0'), zeroTimeout(1)];
const queuePut = [noWait(1, 'block', 'False', '0'), zeroTimeout(2)];
/** A ZeroMQ socket's `flags` (the `position`th argument) asking not to wait. */
const zmqFlags = (position: number): NoWaitParameter[] => [noWait(position, 'flags', 'zmq.NOBLOCK', 'zmq.DONTWAIT')];
const lockAcquire = [nonBlockingFlag, zeroTimeout(1)];

/**
 * Blocking calls that some arguments make return at once: `q.get(block=False)` is `get_nowait()`,
 * `lock.acquire(False)` only tries, a zero timeout polls (`event.wait(0)`, `select.select(r, w, x,
 * 0)`), `os.waitpid(pid, os.WNOHANG)` reaps a child only if it has exited, and
 * `socket.getaddrinfo(…, flags=socket.AI_NUMERICHOST)` parses an address and never asks a resolver.
 */
export const noWaitArguments: ReadonlyMap<string, readonly NoWaitParameter[]> = new Map<string, readonly NoWaitParameter[]>([
  ...['queue.Queue', 'queue.LifoQueue', 'queue.PriorityQueue', 'queue.SimpleQueue'].map((type) => [`${type}.get`, queueGet] as const),
  ...['queue.Queue', 'queue.LifoQueue', 'queue.PriorityQueue'].map((type) => [`${type}.put`, queuePut] as const),
  ...['Lock', 'RLock', 'Semaphore', 'BoundedSemaphore', 'Condition'].map((type) => [`threading.${type}.acquire`, lockAcquire] as const),
  ['threading.Condition.wait', [zeroTimeout(0)]],
  ['threading.Condition.wait_for', [zeroTimeout(1)]],
  ['threading.Event.wait', [zeroTimeout(0)]],
  ['threading.Barrier.wait', [zeroTimeout(0)]],
  ['threading.Thread.join', [zeroTimeout(0)]],
  ['concurrent.futures.Future.result', [zeroTimeout(0)]],
  ['concurrent.futures.Future.exception', [zeroTimeout(0)]],
  ['select.select', [zeroTimeout(3)]],
  ['select.poll.poll', [zeroTimeout(0)]],
  ['select.epoll.poll', [zeroTimeout(0)]],
  ['selectors.DefaultSelector.select', [zeroTimeout(0)]],
  ['selectors.SelectSelector.select', [zeroTimeout(0)]],
  ['os.waitpid', [noWait(1, 'options', 'os.WNOHANG')]],
  ['os.wait3', [noWait(0, 'options', 'os.WNOHANG')]],
  ['os.wait4', [noWait(1, 'options', 'os.WNOHANG')]],
  ['os.waitid', [noWait(2, 'options', 'os.WNOHANG')]],
  ['socket.getaddrinfo', [noWait(5, 'flags', 'socket.AI_NUMERICHOST')]],
  ...['recv', 'recv_multipart', 'recv_string', 'recv_json', 'recv_pyobj', 'recv_serialized'].map((method) => [`zmq.Socket.${method}`, zmqFlags(0)] as const),
  ...['send', 'send_multipart', 'send_string', 'send_json', 'send_pyobj', 'send_serialized'].map((method) => [`zmq.Socket.${method}`, zmqFlags(1)] as const),
  ['zmq.Socket.poll', [zeroTimeout(0)]],
  ['zmq.Poller.poll', [zeroTimeout(0)]],
]);

/** The constants `noWaitArguments` names: resolution stops at them (`os.WNOHANG`, not posix's). */
const noWaitConstants: ReadonlySet<string> = new Set([...noWaitArguments.values()].flatMap((parameters) => parameters.flatMap((p) => p.values.filter((v) => v.includes('.')))));

/** The last names of the calls `noWaitArguments` lists: the facts keep these calls' arguments. */
export const noWaitMethodNames: ReadonlySet<string> = new Set([...noWaitArguments.keys()].map((name) => name.slice(name.lastIndexOf('.') + 1)));

/** Catalogue entry of a resolved qualified name: exact, else `Type.*` unless the method is one that does no I/O. */
export function lookupBlocking(name: string, extra: ReadonlyMap<string, BlockingCall>): BlockingCall | undefined {
  const exact = extra.get(name) ?? blockingCalls.get(name);
  if (exact) return exact;
  if (notBlocking.has(name)) return undefined;
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const wildcard = `${name.slice(0, dot)}.*`;
  return extra.get(wildcard) ?? blockingCalls.get(wildcard);
}

/** A configured blocking entry (`extra-blocking`) for `name`, exact or through its type's `Type.*`; the catalogue's own are not looked at. */
export function lookupConfigured(name: string, extra: ReadonlyMap<string, BlockingCall>): BlockingCall | undefined {
  const dot = name.lastIndexOf('.');
  return extra.get(name) ?? (dot > 0 ? extra.get(`${name.slice(0, dot)}.*`) : undefined);
}

/**
 * Catalogue entry, by name, for a `with` of an instance of `type`: an exact `Type.__enter__` entry
 * (a lock acquired), else an exact `Type.__exit__` one (a cursor closed) — a `Type.*` entry means its
 * methods called, and entering or leaving most clients does no I/O.
 */
export function lookupEntering(type: string, extra: ReadonlyMap<string, BlockingCall>): { name: string; entry: BlockingCall } | undefined {
  for (const method of ['__enter__', '__exit__']) {
    const name = `${type}.${method}`;
    const entry = extra.get(name) ?? blockingCalls.get(name);
    if (entry) return { name, entry };
  }
  return undefined;
}

/**
 * Catalogue entry for iterating an instance of `type` (`for d in cursor`, `list(cursor)`, a list
 * comprehension over it): an exact `Type.__next__` entry only — a `Type.*` entry means its methods
 * called, and iterating a client-side result (a psycopg2 cursor after `execute`) does no I/O.
 */
export function lookupIterating(type: string, extra: ReadonlyMap<string, BlockingCall>): BlockingCall | undefined {
  const name = `${type}.__next__`;
  return extra.get(name) ?? blockingCalls.get(name);
}

/** Catalogue entry for reading an item of an instance of `type` by an index (`cursor[0]`): an exact `Type.__getitem__` entry only. */
export function lookupIndexing(type: string, extra: ReadonlyMap<string, BlockingCall>): BlockingCall | undefined {
  const name = `${type}.__getitem__`;
  return extra.get(name) ?? blockingCalls.get(name);
}

/** Whether calling `name` makes an object whose iteration blocks (`Collection.find` → a cursor). */
export function makesBlockingIterable(name: string, extra: ReadonlyMap<string, BlockingCall>): boolean {
  const type = returnTypes.get(name);
  return type !== undefined && lookupIterating(type, extra) !== undefined;
}

const iterableModulesOf = new WeakMap<ReadonlyMap<string, BlockingCall>, ReadonlySet<string>>();

/** Top-level modules of the types whose iteration blocks (catalogue and configured `Type.__next__` entries). */
export function iterableTypeModules(extra: ReadonlyMap<string, BlockingCall>): ReadonlySet<string> {
  let modules = iterableModulesOf.get(extra);
  if (!modules) {
    const names = [...blockingCalls.keys(), ...extra.keys()].filter((name) => name.endsWith('.__next__'));
    modules = new Set(names.map((name) => name.slice(0, name.indexOf('.'))));
    iterableModulesOf.set(extra, modules);
  }
  return modules;
}

const catalogueIterableModules = [...iterableTypeModules(new Map())];

/**
 * Whether `text` names a module of the catalogue's types whose iteration (or index read) blocks
 * (`pymongo`), anywhere, even in a comment: a workspace where no file does can hold no such object,
 * so nothing iterated there needs to be looked at as one (Checker.judge).
 */
export function namesIterableLibrary(text: string): boolean {
  return catalogueIterableModules.some((module) => text.includes(module));
}

/** Whether configured blocking calls name a type whose iteration or index read blocks (`mylib.Rows.__next__`). */
export function configuresIterableType(extra: ReadonlyArray<{ name: string }>): boolean {
  return extra.some((entry) => entry.name.endsWith('.__next__') || entry.name.endsWith('.__getitem__'));
}

/**
 * Modules CORO120 never enters even when their source is in the workspace: their only blocking
 * paths are exceptional (a warning reads the source line it quotes; logging writes to its
 * handlers by design), and following them would flag nearly every coroutine.
 */
export const opaqueModules: ReadonlyArray<string> = ['warnings', 'linecache', 'logging', 'traceback', 'unittest'];

const isOpaque = (name: string): boolean => opaqueModules.some((m) => name === m || name.startsWith(`${m}.`));

/** True when `name` or a prefix of it is a catalogue name: resolution stops there, it never descends into the library's source. */
export function isCatalogued(name: string): boolean {
  return isOpaque(name) || typeWrappers.has(name) || blockingCalls.has(name) || returnTypes.has(name) || taskSpawners.has(name) || libraryCoroutineFunctions.has(name) || libraryCoroutineMethods.has(name) || coroutineDecorators.has(name) || generatorReturnExceptions.has(name) || offloadingDecorators.has(name) || contextManagerDecorators.has(name) || noWaitConstants.has(name);
}

/** The alternative to suggest; `inGenCoroutine`: the call is in a Tornado `@gen.coroutine`. */
export function suggestionFor(alternatives: Alternatives, framework: Framework, callName: string, inGenCoroutine = false): string {
  const text = inGenCoroutine ? (alternatives.genCoroutine ?? alternatives.tornado.replace(/`await /g, '`yield ')) : alternatives[framework];
  return text.replace(/\{call\}/g, callName);
}
