"""HTML → PDF/A with WeasyPrint, in a child process with a wall-clock and a memory limit.

The web worker (or the CLI) renders the HTML from autoescaped Jinja templates; WeasyPrint
then runs in a child process that sets its own resource limits first, so a runaway render
is stopped by the kernel (memory, CPU) or killed by the parent's timeout, and never
stalls or exhausts the worker:

- `server` (POSIX, the default): once per worker process, a fresh interpreter runs this
  file as a render server (`python -I render.py --serve …`): it imports WeasyPrint, warms up
  its fonts, then forks one child per document. The ~0.6 s import is paid once, and a child
  holds a copy of the server (WeasyPrint and nothing else), not of the worker: none of the
  worker's data, connections or secrets. The worker itself never forks: after each fork
  the forking process pays a page fault for every page it writes to again (about 4,000,
  8–12 ms, in the next build of a national municipality report; bench/RESULTS.md). The child's
  address space may grow by at most `memory` bytes beyond what it inherited.
- `fork`: the worker imports WeasyPrint once and warms it up; each render forks the worker.
  The same limits as `server`.
- `spawn`: a fresh interpreter runs this file (`python -I render.py …`, HTML on standard
  input, the PDF on standard output) with an absolute address-space limit of `memory`.

After each render, `last_usage` holds the render process's peak memory and CPU time.

The only resources a document may load are its stylesheet and fonts under the static
folder (`static_file_for`); everything else — other files, http(s), data: — is refused.
"""
import atexit
import gc
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

# Files a document may load from the static folder: its stylesheet and fonts.
ALLOWED_SUFFIXES = {".css": "text/css", ".ttf": "font/ttf", ".otf": "font/otf",
                    ".woff": "font/woff", ".woff2": "font/woff2"}
DEFAULT_MEMORY = 1536 * 1024 * 1024  # bytes of address space one render may use
DEFAULT_TIMEOUT = 60  # seconds of wall-clock time
SERVER_START_TIMEOUT = 120  # seconds a render server may take to import WeasyPrint and warm up
EXIT_MEMORY = 3
MODES = ("server", "fork", "spawn")
_WARM_UP_HTML = ('<!doctype html><html lang="da"><head><title>-</title>'
                 '<link rel="stylesheet" href="css/pdf.css"></head>'
                 '<body><p>Æ ø å <b>1.234,5</b></p></body></html>')


class RenderError(Exception):
    """A render that failed, ran out of memory or out of time; `reason` says which."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason  # failed | memory | timeout
        self.detail = detail


class RefusedURL(ValueError):
    """The document asked for a resource it may not load."""


def static_file_for(url: str, static_root: str | os.PathLike) -> Path:
    """The file a `file:` URL names, when it is an allowed file inside the static folder.

    Anything else raises RefusedURL: other schemes (http, https, data, ftp, …), hosts,
    paths outside the folder after resolving `..` and symlinks, other file types.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() != "file":
        raise RefusedURL(f"scheme not allowed: {url[:80]}")
    if parts.netloc not in ("", "localhost"):
        raise RefusedURL(f"host not allowed: {url[:80]}")
    root = Path(static_root).resolve(strict=True)
    # resolve() follows symlinks and removes '..', so the check below sees the real file.
    path = Path(unquote(parts.path)).resolve()
    if not path.is_relative_to(root):
        raise RefusedURL(f"outside the static folder: {url[:80]}")
    if path.suffix.lower() not in ALLOWED_SUFFIXES or not path.is_file():
        raise RefusedURL(f"not an allowed static file: {url[:80]}")
    return path


def make_url_fetcher(static_root: str | os.PathLike):
    """A WeasyPrint URL fetcher serving only the static folder's stylesheet and fonts."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Never opens a network connection, never follows a redirect."""

        def __init__(self):
            super().__init__(allowed_protocols=("file",), allow_redirects=False,
                             fail_on_errors=False)

        def fetch(self, url, headers=None):
            path = static_file_for(url, static_root)
            return URLFetcherResponse(path.as_uri(), path.read_bytes(),
                                      {"Content-Type": ALLOWED_SUFFIXES[path.suffix.lower()]})

    return StaticOnlyFetcher()


def write_pdf(html: str, static_root: str | os.PathLike, identifier: bytes | None = None) -> bytes:
    """Render HTML to PDF/A-3b bytes in this process (only a render child calls this)."""
    import weasyprint

    root = Path(static_root).resolve()
    document = weasyprint.HTML(string=html, base_url=root.as_uri() + "/",
                               url_fetcher=make_url_fetcher(root))
    return document.write_pdf(pdf_variant="pdf/a-3b", presentational_hints=False,
                              pdf_identifier=identifier or True)


def render_pdf(html: str, static_root: str | os.PathLike, *, timeout: float = DEFAULT_TIMEOUT,
               memory: int = DEFAULT_MEMORY, identifier: str | None = None,
               mode: str | None = None) -> bytes:
    """Render HTML to PDF bytes in a child process; RenderError when it fails, needs more
    than `memory` bytes or takes longer than `timeout` seconds."""
    mode = mode or ("server" if hasattr(os, "fork") else "spawn")
    if mode not in MODES:
        raise ValueError(f"render mode must be one of {', '.join(MODES)}: {mode!r}")
    ident = identifier.encode() if identifier else None
    if mode == "server":
        return _server(static_root).render(html, timeout, memory, ident)
    if mode == "fork":
        return _render_forked(html, static_root, timeout, memory, ident)
    return _render_spawned(html, static_root, timeout, memory, ident)


# The render process's peak resident memory (MB) and CPU seconds, of this process's latest
# render (for bench/documents.py).
last_usage: dict[str, float] = {}


def _record_usage(max_rss_kb: float, cpu_seconds: float) -> None:
    last_usage.update(max_rss_mb=max_rss_kb / 1024, cpu_seconds=cpu_seconds)


# --- fork ---------------------------------------------------------------------------------

_warm_lock = threading.Lock()
_warm_roots: set[str] = set()


def _warm_up(static_root: str | os.PathLike) -> None:
    """Import WeasyPrint and load fonts once in the parent, so each forked child starts warm.

    The lock keeps other threads out of WeasyPrint while it warms up; afterwards the parent
    never renders, so a child never inherits a font library caught halfway.
    """
    key = str(Path(static_root).resolve())
    with _warm_lock:
        if key not in _warm_roots:
            write_pdf(_WARM_UP_HTML, key)
            _warm_roots.add(key)
            _freeze_long_lived()


def _freeze_long_lived() -> None:
    """Take what the process holds now (the application, its libraries and, in `fork` mode
    and in the render server, WeasyPrint and its fonts: about 170,000 objects) out of the
    cyclic garbage collector's reach, once, as Python's documentation advises for a process
    that forks (`gc.freeze`). Each full collection otherwise walked them all, about 0.1 s,
    and one fell inside every fourth or fifth build of a national annual report; the render
    children no longer touch the pages they share with the parent either. Frozen objects
    are still freed when nothing refers to them; only cycles among what is held at this
    moment are never collected. The worker freezes at its first render in every mode but
    `spawn`."""
    gc.collect()
    gc.freeze()


def _address_space() -> int:
    """This process's virtual memory size in bytes (0 when unknown)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _render_forked(html: str, static_root, timeout: float, memory: int,
                   identifier: bytes | None) -> bytes:
    _warm_up(static_root)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns, never runs the parent's exit handlers
        os.close(read_end)
        _render_child(write_end, html, static_root, int(timeout) + 1, memory, identifier)
    os.close(write_end)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(read_end, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    raise RenderError("timeout", f"more than {timeout} s")
                chunk = os.read(read_end, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        os.close(read_end)
    _pid, status, usage = os.wait4(pid, 0)
    _record_usage(usage.ru_maxrss, usage.ru_utime + usage.ru_stime)
    return _result(b"".join(chunks), status)


def _render_child(write_end: int, html: str, static_root, cpu_seconds: int, memory: int,
                  identifier: bytes | None) -> None:
    """A forked render child (of the worker, or of the render server): its limits, then
    WeasyPrint; "OK" and the PDF, or "ER" and the error, on `write_end`. Never returns, and
    never runs the parent's exit handlers."""
    import resource

    status = 1
    try:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        limit = _address_space() + memory
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
        pdf = write_pdf(html, static_root, identifier)
        _write_all(write_end, b"OK" + pdf)
        status = 0
    except MemoryError:
        status = EXIT_MEMORY
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, then exit
        try:
            _write_all(write_end, b"ER" + repr(exc).encode("utf-8", "replace")[:2000])
        except BaseException:  # noqa: BLE001
            pass
    finally:
        os._exit(status)


def _result(output: bytes, status: int) -> bytes:
    if os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        if signum == getattr(signal, "SIGXCPU", None):
            raise RenderError("timeout", "CPU time limit")
        raise RenderError("failed", f"killed by signal {signum}")
    code = os.WEXITSTATUS(status)
    if code == EXIT_MEMORY:
        raise RenderError("memory")
    if code != 0 or not output.startswith(b"OK%PDF-"):
        raise RenderError("failed", output[2:].decode("utf-8", "replace"))
    return output[2:]


# --- server -------------------------------------------------------------------------------
#
# The worker and its render server speak over the server's standard input and output:
#   worker → server   b"<html bytes> <memory> <cpu seconds> <identifier hex or ->\n" + html
#   server → worker   b"PID <child>\n", then, when the child has ended,
#                     b"DONE <wait status> <peak kB> <cpu seconds> <output bytes>\n" + output
# The output is the child's: "OK" and the PDF, or "ER" and the error (`_render_child`).

_servers: dict[str, "_RenderServer"] = {}
_servers_lock = threading.Lock()
_frozen_in: int | None = None  # the process that froze its long-lived objects (gc.freeze)


@atexit.register
def _stop_servers() -> None:
    """Close the servers' input at exit: each finishes its render, if any, and stops."""
    for server in _servers.values():
        if server.usable():
            server.close()


def _server(static_root) -> "_RenderServer":
    """This process's render server for the static folder, started on first use, and again
    when it has stopped or when this process is a fork of the one that started it."""
    global _frozen_in
    key = str(Path(static_root).resolve())
    with _servers_lock:
        if _frozen_in != os.getpid():  # the worker's own long-lived objects, as in `fork`
            _freeze_long_lived()
            _frozen_in = os.getpid()
        server = _servers.get(key)
        if server is None or not server.usable():
            server = _servers[key] = _RenderServer(key)
        return server


class _RenderServer:
    """The worker's side of a render server (one render at a time)."""

    def __init__(self, static_root: str):
        self.owner = os.getpid()
        self.lock = threading.Lock()
        self.buffer = b""
        self.child: int | None = None  # the render child of the moment
        self.process = subprocess.Popen(
            [sys.executable, "-I", str(Path(__file__).resolve()), "--serve", static_root],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        self.selector = selectors.DefaultSelector()  # as `_render_forked`: no 1,024-fd limit
        self.selector.register(self.process.stdout, selectors.EVENT_READ)
        try:
            ready = self._line(time.monotonic() + SERVER_START_TIMEOUT)
        except (TimeoutError, EOFError) as exc:
            ready = repr(exc).encode()
        if ready != b"READY":
            self.stop()
            raise RenderError("failed", f"the render server did not start: {ready[:200]!r}")

    def usable(self) -> bool:
        return self.owner == os.getpid() and self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.selector.close()

    def close(self) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.stop()

    def render(self, html: str, timeout: float, memory: int, identifier: bytes | None) -> bytes:
        data = html.encode("utf-8")
        header = (f"{len(data)} {int(memory)} {int(timeout) + 1} "
                  f"{identifier.hex() if identifier else '-'}\n").encode()
        with self.lock:
            deadline = time.monotonic() + timeout
            timed_out = False
            try:
                self.process.stdin.write(header + data)
                self.child = int(self._field(b"PID", deadline)[0])
                try:
                    done = self._field(b"DONE", deadline)
                except TimeoutError:
                    timed_out = True
                    try:
                        os.kill(self.child, signal.SIGKILL)
                    except ProcessLookupError:  # it ended just now
                        pass
                    done = self._field(b"DONE", time.monotonic() + 30)  # the server waits for it
                status, peak_kb, cpu_seconds, length = done
                # Read the output whole, even after a timeout: the next answer follows it.
                output = self._exact(int(length), time.monotonic() + 30)
            except (OSError, ValueError, TimeoutError, EOFError) as exc:
                self.stop()  # a server that stopped or lost step is replaced at the next render
                raise RenderError("failed", f"render server: {exc!r}") from exc
            finally:
                self.child = None
        if timed_out:
            raise RenderError("timeout", f"more than {timeout} s")
        _record_usage(float(peak_kb), float(cpu_seconds))
        return _result(output, int(status))

    def _field(self, word: bytes, deadline: float) -> list[bytes]:
        line = self._line(deadline).split()
        if not line or line[0] != word:
            raise ValueError(f"expected {word!r} from the render server, got {line[:1]!r}")
        return line[1:]

    def _line(self, deadline: float) -> bytes:
        while b"\n" not in self.buffer:
            self._fill(deadline)
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line

    def _exact(self, length: int, deadline: float) -> bytes:
        while len(self.buffer) < length:
            self._fill(deadline)
        data, self.buffer = self.buffer[:length], self.buffer[length:]
        return data

    def _fill(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not self.selector.select(remaining):
            raise TimeoutError
        chunk = os.read(self.process.stdout.fileno(), 1 << 20)
        if not chunk:
            raise EOFError("the render server stopped")
        self.buffer += chunk


def _serve(static_root: str) -> int:
    """The render server's loop (`python -I render.py --serve STATIC_ROOT`): warm up, say
    READY, then one forked child per request until standard input closes (the worker has
    stopped)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the worker; it then stops us
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    _warm_up(static_root)
    sink.write(b"READY\n")
    sink.flush()
    while header := source.readline():
        length, memory, cpu_seconds, identifier = header.split()
        html = source.read(int(length)).decode("utf-8")
        ident = None if identifier == b"-" else bytes.fromhex(identifier.decode())
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child answers on its pipe only, never on the worker's
            os.close(read_end)
            devnull = os.open(os.devnull, os.O_RDWR)
            os.dup2(devnull, 0)
            os.dup2(devnull, 1)
            _render_child(write_end, html, static_root, int(cpu_seconds), int(memory), ident)
        os.close(write_end)
        sink.write(b"PID %d\n" % pid)
        sink.flush()
        with os.fdopen(read_end, "rb") as pipe:
            output = pipe.read()
        _pid, status, usage = os.wait4(pid, 0)
        sink.write(b"DONE %d %d %.3f %d\n" % (status, usage.ru_maxrss,
                                                usage.ru_utime + usage.ru_stime, len(output)))
        sink.write(output)
        sink.flush()
    return 0


# --- spawn --------------------------------------------------------------------------------

def _render_spawned(html: str, static_root, timeout: float, memory: int,
                    identifier: bytes | None) -> bytes:
    import resource

    command = [sys.executable, "-I", str(Path(__file__).resolve()), str(Path(static_root)),
               str(int(memory)), str(int(timeout) + 1), (identifier or b"").decode()]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        done = subprocess.run(command, input=html.encode("utf-8"), capture_output=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:  # run() has killed the child already
        raise RenderError("timeout", f"more than {timeout} s") from exc
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # peak: of any child so far
    _record_usage(after.ru_maxrss, (after.ru_utime + after.ru_stime)
                  - (before.ru_utime + before.ru_stime))
    if done.returncode == EXIT_MEMORY:
        raise RenderError("memory", done.stderr.decode("utf-8", "replace")[-2000:])
    if done.returncode == -getattr(signal, "SIGXCPU", 0):
        raise RenderError("timeout", "CPU time limit")
    if done.returncode != 0 or not done.stdout.startswith(b"%PDF-"):
        raise RenderError("failed", done.stderr.decode("utf-8", "replace")[-2000:])
    return done.stdout


def _child(argv: list[str]) -> int:
    """Entry point of a spawned render process: limits first, then WeasyPrint."""
    import resource

    static_root, memory, cpu_seconds = argv[0], int(argv[1]), int(argv[2])
    identifier = argv[3].encode() if len(argv) > 3 and argv[3] else None
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    try:
        html = sys.stdin.buffer.read().decode("utf-8")
        pdf = write_pdf(html, static_root, identifier)
    except MemoryError:
        os._exit(EXIT_MEMORY)  # at once: nothing more can safely be allocated
    sys.stdout.buffer.write(pdf)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        sys.exit(_serve(sys.argv[2]))
    sys.exit(_child(sys.argv[1:]))
