"""What the repository holds: no binaries."""
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_FILE_BYTES = 1_000_000
# Vendored front-end files and images are served as they are; everything else is source.
BINARIES_ALLOWED_UNDER = ("static/",)


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

