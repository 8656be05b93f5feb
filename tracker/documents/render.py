"""HTML → PDF/A with WeasyPrint, in a child process with a wall-clock and a memory limit.

The web worker (or the CLI) renders the HTML from autoescaped Jinja templates; WeasyPrint
then runs in a child process that sets its own resource limits first, so a runaway render
is stopped by the kernel (memory, CPU) or killed by the parent's timeout, and never
stalls or exhausts the worker:

- `fork` (POSIX, the default): the parent imports WeasyPrint once and warms up its font
  machinery; each render forks, so the ~0.6 s import is not paid per document. The child's
  address space may grow by at most `memory` bytes beyond what it inherited.
- `spawn`: a fresh interpreter runs this file (`python -I render.py …`, HTML on standard
  input, the PDF on standard output) with an absolute address-space limit of `memory`.

The only resources a document may load are its stylesheet and fonts under the static
folder (`static_file_for`); everything else — other files, http(s), data: — is refused.
"""
import gc
import os
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
EXIT_MEMORY = 3
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
    mode = mode or ("fork" if hasattr(os, "fork") else "spawn")
    ident = identifier.encode() if identifier else None
    if mode == "fork":
        return _render_forked(html, static_root, timeout, memory, ident)
    return _render_spawned(html, static_root, timeout, memory, ident)


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
    """Take what the process holds now (the application, its libraries, WeasyPrint and its
    fonts: about 170,000 objects) out of the cyclic garbage collector's reach, once, as
    Python's documentation advises for a process that forks (`gc.freeze`). Each full
    collection otherwise walked them all, about 0.1 s, and one fell inside every fourth or
    fifth build of a national annual report; the render children no longer touch the pages
    they share with the parent either. Frozen objects are still freed when nothing refers
    to them; only cycles among what is held at this moment are never collected."""
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
    import resource
    import selectors

    _warm_up(static_root)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns, never runs the parent's exit handlers
        status = 1
        try:
            os.close(read_end)
            for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                signal.signal(signum, signal.SIG_DFL)
            limit = _address_space() + memory
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            cpu = int(timeout) + 1
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
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
    _pid, status = os.waitpid(pid, 0)
    return _result(b"".join(chunks), status)


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


# --- spawn --------------------------------------------------------------------------------

def _render_spawned(html: str, static_root, timeout: float, memory: int,
                    identifier: bytes | None) -> bytes:
    command = [sys.executable, "-I", str(Path(__file__).resolve()), str(Path(static_root)),
               str(int(memory)), str(int(timeout) + 1), (identifier or b"").decode()]
    try:
        done = subprocess.run(command, input=html.encode("utf-8"), capture_output=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:  # run() has killed the child already
        raise RenderError("timeout", f"more than {timeout} s") from exc
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
    sys.exit(_child(sys.argv[1:]))
