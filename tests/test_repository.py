"""What the repository holds: no binaries, and no migration changed after it landed."""
import hashlib
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_FILE_BYTES = 1_000_000
# Vendored front-end files and images are served as they are; everything else is source.
BINARIES_ALLOWED_UNDER = ("static/",)
MIGRATIONS = ROOT / "migrations" / "versions"
CHECKSUMS = ROOT / "migrations" / "checksums.txt"


def tracked_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [name for name in listed.decode().split("\0") if name]


def test_no_tracked_file_over_one_megabyte_outside_static():
    """Wheels, archives and data dumps come from package registries or are made by a command, never committed:
    every clone would carry them forever."""
    files = tracked_files()
    assert "pyproject.toml" in files, "git ls-files listed nothing: is this a git checkout?"
    too_big = [f"{name} ({(ROOT / name).stat().st_size:,} bytes)" for name in files
               if not name.startswith(BINARIES_ALLOWED_UNDER) and (ROOT / name).is_file()
               and (ROOT / name).stat().st_size > MAX_FILE_BYTES]
    assert too_big == [], "git rm these and let .gitignore keep them out (see README, Development)"


def read_checksums() -> dict[str, str]:
    recorded = {}
    for line in CHECKSUMS.read_text().splitlines():
        digest, name = line.split()
        name = name.removeprefix("*")  # `sha256sum -b` writes "*name"
        assert name not in recorded, f"{name} is listed twice in {CHECKSUMS.name}"
        recorded[name] = digest
    return recorded


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_migration_is_recorded_and_none_changed_after_it_landed():
    """A migration that has landed on main has run on real databases, which will never run it again: editing it
    makes their schema differ from a new database's. So migrations/checksums.txt holds the sha256 of every file in
    migrations/versions, in `sha256sum` format. A new migration adds its line in the same commit
    (`cd migrations/versions && sha256sum NNNN_what.py >> ../checksums.txt`), and may rewrite it until it lands;
    after that a change to the schema is a new migration, and neither the file nor its line ever changes."""
    recorded = read_checksums()
    on_disk = {path.name: sha256(path) for path in sorted(MIGRATIONS.glob("*.py"))}
    assert on_disk, f"no migrations found in {MIGRATIONS}"
    changed = sorted(name for name in recorded.keys() & on_disk.keys() if recorded[name] != on_disk[name])
    assert changed == [], f"landed migrations must never change; put the change in a new migration: {changed}"
    removed = sorted(recorded.keys() - on_disk.keys())
    assert removed == [], f"landed migrations must never be removed: {removed}"
    unrecorded = sorted(on_disk.keys() - recorded.keys())
    assert unrecorded == [], (f"add the new migration's checksum in the same commit: cd migrations/versions && "
                              f"sha256sum {' '.join(unrecorded)} >> ../checksums.txt")
